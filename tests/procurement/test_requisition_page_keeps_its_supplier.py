"""The requisition page always offers the requisition's own supplier, selected, so a
price-only change never switches supplier; suppliers whose rule has not started yet are not
offered; a change that changes nothing says so."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import SourcingRule
from tests.factories import BuyRuleFactory, SupplierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def requisition(world):
    requisition = world.supplied(world.laptop, 3).requisition_lines.get()
    fabrikam = SupplierFactory(number="S-FABRIKAM", name="Fabrikam")
    BuyRuleFactory(
        item=world.laptop, organization=world.w1, supplier=fabrikam, unit_price=Decimal("850")
    )
    return requisition


def test_a_price_change_keeps_a_supplier_whose_rule_has_ended(world, requisition, client_for):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    SourcingRule.objects.filter(supplier=requisition.supplier).update(effective_to=yesterday)
    buyer = client_for("buyer")
    url = f"/procurement/requisitions/{requisition.number}/"

    page = buyer.get(url).content.decode()
    assert f'<option value="{requisition.supplier.number}" selected>' in page

    answer = buyer.post(
        url + "change/", {"supplier": requisition.supplier.number, "unit_price": "880"}, follow=True
    )

    assert f"now from {requisition.supplier.number} at 880.0000" in answer.content.decode()
    before = requisition.supplier
    requisition.refresh_from_db()
    assert (requisition.supplier, requisition.unit_price) == (before, Decimal("880"))


def test_a_supplier_whose_rule_starts_later_is_not_offered(world, requisition, client_for):
    later = SupplierFactory(number="S-LATER", name="Later Ltd")
    BuyRuleFactory(
        item=world.laptop,
        organization=world.w1,
        supplier=later,
        unit_price=Decimal("700"),
        effective_from=timezone.localdate() + datetime.timedelta(days=30),
    )
    buyer = client_for("buyer")
    url = f"/procurement/requisitions/{requisition.number}/"

    assert "S-LATER" not in buyer.get(url).content.decode()
    answer = buyer.post(url + "change/", {"supplier": "S-LATER", "unit_price": ""}, follow=True)
    assert "S-LATER is not a supplier of this item" in answer.content.decode()


def test_an_unchanged_supplier_and_price_says_nothing_changed(world, requisition, client_for):
    buyer = client_for("buyer")
    url = f"/procurement/requisitions/{requisition.number}/"

    answer = buyer.post(
        url + "change/",
        {"supplier": requisition.supplier.number, "unit_price": str(requisition.unit_price)},
        follow=True,
    )

    text = answer.content.decode()
    assert "Nothing changed: choose another supplier or enter a new unit price." in text
    assert "now from" not in text
