from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from core.exceptions import BusinessRuleError
from tests.factories import ItemFactory, OrganizationFactory
from warehouse.models import InventoryBalance, InventoryTransaction
from warehouse.selectors import ledger_mismatches
from warehouse.services import inventory_adjust, inventory_set_on_hand

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock():
    item, org = ItemFactory(sku="LEG"), OrganizationFactory(code="P1")
    inventory_adjust(item=item, organization=org, quantity=Decimal("10"), reason="count")
    return item, org


def balance(item, org):
    return InventoryBalance.objects.get(item=item, organization=org)


def test_an_adjustment_moves_the_balance_and_writes_the_ledger(stock):
    item, org = stock
    inventory_adjust(item=item, organization=org, quantity=Decimal("-3"), reason="damaged")

    assert balance(item, org).on_hand == Decimal("7")
    rows = InventoryTransaction.objects.filter(item=item).order_by("id")
    assert [(r.kind, r.quantity, r.reason) for r in rows] == [
        ("ADJUSTMENT", Decimal("10"), "count"),
        ("ADJUSTMENT", Decimal("-3"), "damaged"),
    ]
    assert ledger_mismatches() == []


def test_reserved_stock_cannot_be_adjusted_away(stock):
    item, org = stock
    InventoryBalance.objects.filter(item=item).update(reserved=Decimal("8"))

    with pytest.raises(BusinessRuleError, match="only 2 available"):
        inventory_adjust(item=item, organization=org, quantity=Decimal("-3"), reason="count")

    assert balance(item, org).on_hand == Decimal("10")
    assert InventoryTransaction.objects.count() == 1
    inventory_adjust(item=item, organization=org, quantity=Decimal("-2"), reason="count")
    assert balance(item, org).available == Decimal("0")


def test_stock_cannot_go_below_zero(stock):
    item, org = stock
    with pytest.raises(BusinessRuleError):
        inventory_adjust(item=item, organization=org, quantity=Decimal("-11"), reason="count")
    assert balance(item, org).on_hand == Decimal("10")


def test_taking_out_stock_that_was_never_there_is_refused_and_writes_nothing():
    item, org = ItemFactory(sku="NEW"), OrganizationFactory(code="P2")
    with pytest.raises(BusinessRuleError, match="only 0 available"):
        inventory_adjust(item=item, organization=org, quantity=Decimal("-5"), reason="count")
    assert not InventoryBalance.objects.filter(item=item).exists()
    assert not InventoryTransaction.objects.filter(item=item).exists()


def test_a_receipt_past_the_largest_storable_quantity_is_refused_with_that_reason(stock):
    item, org = stock
    with pytest.raises(BusinessRuleError, match="past the largest quantity"):
        inventory_adjust(
            item=item, organization=org, quantity=Decimal("999999999999.999"), reason="count"
        )
    assert balance(item, org).on_hand == Decimal("10")


def test_an_adjustment_needs_a_reason_and_a_quantity(stock):
    item, org = stock
    with pytest.raises(BusinessRuleError, match="why"):
        inventory_adjust(item=item, organization=org, quantity=Decimal("1"), reason=" ")
    with pytest.raises(BusinessRuleError, match="zero"):
        inventory_adjust(item=item, organization=org, quantity=Decimal("0"), reason="x")


def test_setting_on_hand_posts_only_the_difference(stock):
    item, org = stock
    assert (
        inventory_set_on_hand(item=item, organization=org, quantity=Decimal("10"), reason="x")
        is None
    )
    row = inventory_set_on_hand(item=item, organization=org, quantity=Decimal("4"), reason="count")
    assert row.quantity == Decimal("-6")
    assert balance(item, org).on_hand == Decimal("4")


def test_the_database_refuses_a_balance_with_more_reserved_than_on_hand(stock):
    item, _ = stock
    with pytest.raises(IntegrityError), transaction.atomic():
        InventoryBalance.objects.filter(item=item).update(reserved=Decimal("11"))


def test_a_balance_changed_behind_the_ledger_is_reported(stock):
    item, _ = stock
    InventoryBalance.objects.filter(item=item).update(on_hand=Decimal("12"))
    assert [b.item.sku for b in ledger_mismatches()] == ["LEG"]
