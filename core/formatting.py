from decimal import Decimal


def qty(value) -> str:
    """A quantity for people: 12.5, 390, 0.125 (no trailing zeros, never an exponent)."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text
