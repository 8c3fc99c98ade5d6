"""Defects found in review, kept fixed."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from catalog.models import SourcingRule
from orders.services import LineInput
from supply.models import SupplyOrder
from supply.services import (
    fulfillment_line_cancel,
    sales_order_submit,
    supply_order_create_document,
)
from tests.factories import BuyRuleFactory, ItemFactory, OrganizationFactory
from tests.world import run_concurrently


@pytest.mark.django_db(transaction=True)
def test_concurrent_multi_line_submits_across_warehouses_do_not_deadlock(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    w2 = OrganizationFactory(code="W2")
    items = [ItemFactory(sku=f"PART-{n}") for n in range(3)]
    for item in items:
        for org in (world.w1, w2):
            BuyRuleFactory(item=item, organization=org, supplier=world.contoso)
            world.stock(item, 5, org=org)
    shapes = [
        [(items[1], w2), (items[2], world.w1)],
        [(items[0], world.w1), (items[2], w2)],
        [(items[2], w2), (items[0], world.w1), (items[1], world.w1)],
        [(items[2], world.w1), (items[1], w2)],
    ] * 3
    orders = [
        world.order(*[LineInput(item=i, quantity=Decimal(2), ship_from=o) for i, o in shape])
        for shape in shapes
    ]

    errors = run_concurrently(lambda o: sales_order_submit(order=o, acting_user=world.csr), orders)

    assert errors == []


@pytest.mark.django_db
def test_retrying_a_create_after_promising_split_the_line_returns_the_same_order(client, world):
    world.stock(world.laptop, 5)
    client.force_login(world.csr)
    body = {
        "customer": "C-ACME",
        "external_reference": "PO-SPLIT",
        "submit": True,
        "lines": [{"item": "LAPTOP-15", "quantity": "50"}],
    }
    first = client.post("/api/v1/sales-orders", body, content_type="application/json")
    again = client.post("/api/v1/sales-orders", body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert len(again.json()["lines"]) == 2


@pytest.mark.django_db
def test_a_draft_order_with_a_cancelled_line_stays_draft(world):
    order = world.order((world.laptop, 1), (world.laptop, 2))
    fulfillment_line_cancel(line=order.lines.get(line_number=2), reason="typo")
    order.refresh_from_db()
    assert order.status == "DRAFT"


@pytest.mark.django_db
def test_a_transfer_line_whose_supply_is_in_exception_can_be_cancelled(world):
    SourcingRule.objects.all().delete()
    w2 = OrganizationFactory(code="W2")
    world.stock(world.laptop, 10, org=w2)
    SourcingRule.objects.create(
        item=world.laptop, organization=world.w1, type="TRANSFER", source_organization=w2
    )
    order = world.order((world.laptop, 3))
    sales_order_submit(order=order, acting_user=world.csr)
    world.stock(world.laptop, -10, org=w2)  # the source sold out before the transfer was made
    supply_order = SupplyOrder.objects.get()
    supply_order_create_document(supply_order_id=supply_order.pk)
    assert SupplyOrder.objects.get().status == "EXCEPTION"

    fulfillment_line_cancel(line=order.lines.get(), reason="customer cancelled")

    supply_order.refresh_from_db()
    assert supply_order.status == "CANCELLED"


@pytest.mark.django_db
def test_line_filters_do_not_multiply_the_line_count(client, world):
    client.force_login(world.csr)
    world.order((world.laptop, 1), (world.laptop, 2), (world.laptop, 3))
    today = timezone.localdate()
    page = client.get(f"/orders/?from={today}&to={today + datetime.timedelta(days=1)}")
    assert [o.line_count for o in page.context["page"]] == [3]


@pytest.mark.django_db
def test_odd_numbers_in_the_entry_form_never_crash_it(client, world):
    client.force_login(world.csr)
    preview = client.get("/orders/new/preview/?index=0&lines-0-item=LAPTOP-15&lines-0-quantity=NaN")
    assert preview.status_code == 200
    added = client.post(
        "/orders/new/", {"customer": "C-ACME", "add_line": "1", "lines-TOTAL_FORMS": "x"}
    )
    assert added.status_code == 200


@pytest.mark.django_db
def test_an_adjustment_past_the_largest_balance_is_refused_not_a_crash(client, world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite stores any size")
    from tests.factories import UserFactory

    client.force_login(UserFactory(roles=["warehouse"]))
    body = {"item": "LAPTOP-15", "organization": "W1", "quantity": "999999999999", "reason": "x"}
    assert (
        client.post(
            "/api/v1/inventory/adjustments", body, content_type="application/json"
        ).status_code
        == 201
    )
    second = client.post("/api/v1/inventory/adjustments", body, content_type="application/json")
    assert second.status_code == 422
    assert "largest quantity" in second.json()["detail"]
