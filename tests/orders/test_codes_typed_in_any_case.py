"""SKUs, customer numbers and organization codes are found however they are typed: on the
order entry form and in the sales order API ("laptop-15" is LAPTOP-15). An exact match wins
over one that only ignores case; a code that would match two records by case is unknown."""

import pytest

from orders.models import SalesOrder
from tests.factories import ItemFactory

pytestmark = pytest.mark.django_db


def entry(**lines):
    return {
        "customer": "c-acme",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "200",
        "save": "1",
        **{f"lines-0-{name}": value for name, value in lines.items()},
    }


def test_the_entry_form_takes_a_sku_in_lower_case(client, world):
    client.force_login(world.csr)

    response = client.post("/orders/new/", entry(item="laptop-15 ", quantity="2"))

    assert response.status_code == 302
    line = SalesOrder.objects.get().lines.get()
    assert (line.item, line.quantity) == (world.laptop, 2)


def test_the_preview_finds_a_sku_typed_in_lower_case(client, world):
    client.force_login(world.csr)

    preview = client.get(
        "/orders/new/preview/",
        {"index": "0", "lines-0-item": "laptop-15", "lines-0-quantity": "1", "customer": "C-ACME"},
    )

    assert "Unknown SKU" not in preview.text
    assert "by BUY from S-CONTOSO" in preview.text


def test_an_exact_match_wins_and_a_code_matching_two_by_case_is_unknown(client, world):
    lower = ItemFactory(sku="laptop-15")
    client.force_login(world.csr)

    client.post("/orders/new/", entry(item="laptop-15", quantity="1"))
    assert SalesOrder.objects.get().lines.get().item == lower

    refused = client.post("/orders/new/", entry(item="Laptop-15", quantity="1"))
    assert refused.status_code == 422
    assert "No item with this SKU" in refused.text


def test_the_api_takes_item_customer_and_organization_codes_in_any_case(client, world):
    client.force_login(world.csr)

    response = client.post(
        "/api/v1/sales-orders",
        {
            "customer": "c-acme",
            "lines": [{"item": "Laptop-15", "quantity": "3", "ship_from": "w1"}],
        },
        content_type="application/json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["customer"] == "C-ACME"
    assert response.json()["lines"][0]["item"] == "LAPTOP-15"


def test_the_api_still_names_an_unknown_code_with_its_path(client, world):
    client.force_login(world.csr)

    response = client.post(
        "/api/v1/sales-orders",
        {"customer": "C-ACME", "lines": [{"item": "LAPTOP-16", "quantity": "3"}]},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert {"field": "lines[0].item", "message": "Unknown item “LAPTOP-16”."} in response.json()[
        "errors"
    ]


def test_a_code_typed_exactly_is_found_whatever_the_database_makes_of_its_case(client, world):
    # Python and the database upper-case ß differently: the exact match must not depend on it.
    street = ItemFactory(sku="STRAßE-1")
    client.force_login(world.csr)

    response = client.post("/orders/new/", entry(item="STRAßE-1", quantity="1"))

    assert response.status_code == 302
    assert SalesOrder.objects.get().lines.get().item == street


def test_the_preview_takes_the_ship_from_in_any_case(client, world):
    client.force_login(world.csr)
    asked = {"index": "0", "lines-0-item": "LAPTOP-15", "lines-0-quantity": "1"}

    typed = client.get("/orders/new/preview/", {**asked, "lines-0-ship_from": "w1"})
    exact = client.get("/orders/new/preview/", {**asked, "lines-0-ship_from": "W1"})

    assert "available at W1" in exact.text
    assert "available at W1" in typed.text
