from decimal import Decimal


def qty(value) -> str:
    """A quantity for people: 12.5, 390, 0.125 (no trailing zeros, never an exponent)."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


QUANTITY_STEP = Decimal("0.001")


def quantity_problem(value) -> str:
    """Why a quantity cannot be taken ("" when it can): finite, > 0, at most 3 places."""
    try:
        value = Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        return "Enter the quantity as a number."
    if not value.is_finite() or value <= 0:
        return "The quantity must be a number greater than zero."
    if value != value.quantize(QUANTITY_STEP):
        return "The quantity has at most 3 decimal places."
    if value >= Decimal("1e12"):
        return "The quantity is too large."
    return ""
