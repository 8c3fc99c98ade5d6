"""The database itself refuses master data that breaks the rules, whatever wrote it."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from catalog.models import BillOfMaterials, BomComponent, Item, SourcingRule
from tests.factories import (
    BuyRuleFactory,
    ItemFactory,
    OrganizationFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db


def refused(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        SourcingRule.objects.create(**fields)


def test_a_buy_rule_needs_a_supplier_and_a_price():
    item, org, supplier = ItemFactory(), OrganizationFactory(), SupplierFactory()
    refused(item=item, organization=org, type="BUY", unit_price=Decimal("1"))
    refused(item=item, organization=org, type="BUY", supplier=supplier)
    SourcingRule.objects.create(
        item=item, organization=org, type="BUY", supplier=supplier, unit_price=Decimal("1")
    )


def test_make_and_transfer_rules_need_a_source_organization():
    item, org = ItemFactory(), OrganizationFactory()
    refused(item=item, organization=org, type="TRANSFER")
    refused(item=item, organization=org, type="MAKE")


def test_rank_starts_at_one_and_allocation_is_a_percentage():
    rule = BuyRuleFactory.build()
    base = {
        "item": ItemFactory(),
        "organization": OrganizationFactory(),
        "type": "BUY",
        "supplier": SupplierFactory(),
        "unit_price": rule.unit_price,
    }
    refused(**base, rank=0)
    refused(**base, allocation_percent=Decimal("100.01"))
    refused(**base, allocation_percent=Decimal("-1"))


def test_effective_dates_must_be_in_order():
    rule = BuyRuleFactory()
    rule.effective_from = datetime.date(2026, 12, 1)
    rule.effective_to = datetime.date(2026, 11, 30)
    with pytest.raises(IntegrityError), transaction.atomic():
        rule.save()


def test_the_natural_key_is_unique_even_when_item_or_organization_is_empty():
    supplier = SupplierFactory()
    SourcingRule.objects.create(type="BUY", supplier=supplier, unit_price=Decimal("2"))
    refused(type="BUY", supplier=supplier, unit_price=Decimal("3"))
    SourcingRule.objects.create(type="BUY", supplier=supplier, unit_price=Decimal("3"), rank=2)


def test_natural_keys_of_items_are_unique():
    ItemFactory(sku="DUP")
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.create(sku="DUP", description="again")


def test_bom_components_have_a_positive_quantity():
    plant = OrganizationFactory(code="P9", kind="PLANT")
    bom = BillOfMaterials.objects.create(item=ItemFactory(), organization=plant)
    with pytest.raises(IntegrityError), transaction.atomic():
        BomComponent.objects.create(bom=bom, item=ItemFactory(), quantity=Decimal("0"))
