"""The one rounding rule for amounts: quantity × unit price, rounded half up to cents, per
line; a document's total is the sum of its line amounts. `line_amount` computes it
in Python, `line_amount_sql` in the database (PostgreSQL's and SQLite's ROUND both round half
away from zero on the decimal value, which for amounts is half up)."""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, F
from django.db.models.functions import Round

CENT = Decimal("0.01")
# The stored shapes of quantities and unit prices (every model field and API input uses them).
QUANTITY = {"max_digits": 15, "decimal_places": 3}
PRICE = {"max_digits": 15, "decimal_places": 4}
# Stored amounts (invoice lines and totals): an order line whose amount, or an order whose
# total, would not fit is refused at entry (orders.services), not at invoicing.
AMOUNT = {"max_digits": 15, "decimal_places": 2}
MAX_AMOUNT = Decimal(10) ** (AMOUNT["max_digits"] - AMOUNT["decimal_places"]) - CENT
AMOUNT_FIELD = DecimalField(max_digits=18, decimal_places=2)


def round_amount(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return round_amount(quantity * unit_price)


def line_amount_sql(quantity: str = "quantity", unit_price: str = "unit_price") -> Round:
    return Round(F(quantity) * F(unit_price), 2, output_field=AMOUNT_FIELD)
