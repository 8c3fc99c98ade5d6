from decimal import Decimal

import pytest
from django.db import connection

from tests.factories import ItemFactory, OrganizationFactory
from tests.world import page_queries
from warehouse.models import InventoryBalance
from warehouse.services import inventory_adjust

pytestmark = pytest.mark.django_db


def add_stock(n, org):
    for item in ItemFactory.create_batch(n):
        inventory_adjust(item=item, organization=org, quantity=Decimal("5"), reason="count")


def test_the_inventory_list_runs_the_same_queries_for_10_or_50_rows(client_for):
    client = client_for("warehouse")
    org = OrganizationFactory(code="W1")
    add_stock(10, org)
    few = page_queries(client, "/warehouse/inventory/")
    add_stock(40, org)
    many = page_queries(client, "/warehouse/inventory/")
    assert few == many


def test_the_api_inventory_list_runs_the_same_queries_for_10_or_50_rows(client_for):
    client = client_for("warehouse")
    org = OrganizationFactory(code="W1")
    add_stock(10, org)
    few = page_queries(client, "/api/v1/inventory?limit=100")
    add_stock(40, org)
    many = page_queries(client, "/api/v1/inventory?limit=100")
    assert few == many


def test_the_inventory_list_filters_by_search_and_organization(client_for):
    client = client_for("customer_service")
    w1, w2 = OrganizationFactory(code="W1"), OrganizationFactory(code="W2")
    desk = ItemFactory(sku="DESK", description="Standing desk")
    inventory_adjust(item=desk, organization=w1, quantity=Decimal("3"), reason="count")
    inventory_adjust(item=desk, organization=w2, quantity=Decimal("7"), reason="count")
    inventory_adjust(item=ItemFactory(sku="LEG"), organization=w1, quantity=1, reason="count")

    page = client.get("/warehouse/inventory/?q=desk&organization=W2")

    rows = [(b.item.sku, b.organization.code) for b in page.context["page"]]
    assert rows == [("DESK", "W2")]
    # htmx asks for the results only
    partial = client.get("/warehouse/inventory/?q=leg", HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b"LEG" in partial.content


def test_a_warehouse_operator_adjusts_stock_from_the_detail_page(client_for):
    item, org = ItemFactory(sku="LEG"), OrganizationFactory(code="P1")
    inventory_adjust(item=item, organization=org, quantity=Decimal("10"), reason="count")
    balance = InventoryBalance.objects.get()
    client = client_for("warehouse")

    response = client.post(
        f"/warehouse/inventory/{balance.pk}/", {"quantity": "-4", "reason": "damaged"}
    )

    assert response.status_code == 302
    balance.refresh_from_db()
    assert balance.on_hand == Decimal("6")
    assert b"damaged" in client.get(f"/warehouse/inventory/{balance.pk}/").content


def test_an_adjustment_that_eats_reserved_stock_is_refused_on_the_form(client_for):
    item, org = ItemFactory(sku="LEG"), OrganizationFactory(code="P1")
    InventoryBalance.objects.create(item=item, organization=org, on_hand=5, reserved=4)
    balance = InventoryBalance.objects.get()

    response = client_for("warehouse").post(
        f"/warehouse/inventory/{balance.pk}/", {"quantity": "-2", "reason": "count"}
    )

    assert response.status_code == 422
    assert "Reserved stock cannot be adjusted away" in response.content.decode()
    balance.refresh_from_db()
    assert balance.on_hand == Decimal("5")


def test_readers_see_no_adjustment_form_and_cannot_post_one(client_for):
    item, org = ItemFactory(sku="LEG"), OrganizationFactory(code="P1")
    inventory_adjust(item=item, organization=org, quantity=Decimal("10"), reason="count")
    balance = InventoryBalance.objects.get()
    client = client_for("buyer")
    assert b"Post adjustment" not in client.get(f"/warehouse/inventory/{balance.pk}/").content
    response = client.post(f"/warehouse/inventory/{balance.pk}/", {"quantity": "-4", "reason": "x"})
    assert response.status_code == 403
    balance.refresh_from_db()
    assert balance.on_hand == Decimal("10")


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
