"""Every typed date lies in 2000-01-01 … 2099-12-31 (core.validation): outside it the API
answers 422 naming the field, a screen says which dates to choose, the import names the entry
— never a 500 from a date computed from it, never a nonsense date stored. The window's edges
themselves are accepted."""

import json

import pytest
from django.utils import timezone

from catalog import importer
from orders.models import SalesOrder
from procurement.models import PurchaseOrderLine

pytestmark = pytest.mark.django_db

WINDOW = "Choose a date from 2000-01-01 to 2099-12-31."
OUTSIDE = ["9999-12-31", "0001-01-01", "2100-01-01", "1999-12-31"]


def post_json(client, url, body, method="post"):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def assert_window_refusal(response, field):
    assert response.status_code == 422, response.content[:300]
    body = response.json()
    assert body["code"] == "validation_error"
    assert {"field": field, "message": WINDOW} in body["errors"]


@pytest.mark.parametrize("date", OUTSIDE)
def test_a_supplier_promise_outside_the_window_is_a_422_and_changes_nothing(
    world, client_for, po_line, date
):
    response = post_json(
        client_for("buyer"),
        f"/api/v1/purchase-orders/{po_line.purchase_order.number}/acknowledge",
        {"accepted": True, "lines": [{"line_number": 1, "promised_date": date}]},
    )

    assert_window_refusal(response, "lines[0].promised_date")
    po_line.refresh_from_db()
    assert po_line.promised_date is None
    assert po_line.purchase_order.acknowledgment == "PENDING"


def test_a_supplier_promise_on_the_last_day_of_the_window_is_taken(world, client_for, po_line):
    response = post_json(
        client_for("buyer"),
        f"/api/v1/purchase-orders/{po_line.purchase_order.number}/acknowledge",
        {"accepted": True, "lines": [{"line_number": 1, "promised_date": "2099-12-31"}]},
    )

    assert response.status_code == 200, response.content[:300]
    assert response.json()["lines"][0]["promised_date"] == "2099-12-31"
    # the line's available date (promise + receiving days) lies past the window: still a date
    line = po_line.demand_line
    line.refresh_from_db()
    assert line.scheduled_ship_date.isoformat() >= "2099-12-31"


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01"])
def test_a_po_change_order_outside_the_window_is_a_422(world, client_for, po_line, date):
    response = post_json(
        client_for("buyer"),
        f"/api/v1/purchase-orders/{po_line.purchase_order.number}/lines/1",
        {"promised_date": date},
        method="patch",
    )

    assert_window_refusal(response, "promised_date")
    po_line.refresh_from_db()
    assert po_line.promised_date is None


@pytest.mark.parametrize("date", ["9999-12-31", "2100-01-01"])
def test_an_order_line_requested_outside_the_window_is_a_422_and_no_order(world, client_for, date):
    response = post_json(
        client_for("customer_service"),
        "/api/v1/sales-orders",
        {
            "customer": "C-ACME",
            "submit": True,
            "lines": [{"item": "LAPTOP-15", "quantity": 1, "requested_ship_date": date}],
        },
    )

    assert_window_refusal(response, "lines[0].requested_ship_date")
    assert not SalesOrder.objects.exists()


def test_a_batch_order_requested_outside_the_window_is_refused_alone(world, client_for):
    good = {"customer": "C-ACME", "lines": [{"item": "LAPTOP-15", "quantity": 1}]}
    bad = {
        "customer": "C-ACME",
        "external_reference": "FAR",
        "lines": [{"item": "LAPTOP-15", "quantity": 1, "requested_ship_date": "9999-12-31"}],
    }

    response = post_json(
        client_for("customer_service"), "/api/v1/sales-orders/batch", {"orders": [good, bad]}
    )

    assert response.status_code == 200
    first, second = response.json()["results"]
    assert first["status"] == 201
    assert second["status"] == 422
    assert second["errors"] == [{"field": "lines[0].requested_ship_date", "message": WINDOW}]


def test_a_line_change_to_a_date_outside_the_window_is_a_422(world, client_for):
    order = world.order((world.laptop, 1))

    response = post_json(
        client_for("customer_service"),
        f"/api/v1/sales-orders/{order.number}/lines/1",
        {"requested_ship_date": "9999-12-31"},
        method="patch",
    )

    assert_window_refusal(response, "requested_ship_date")
    assert order.lines.get().requested_ship_date == timezone.localdate()


def test_a_pick_wave_scheduled_by_a_date_outside_the_window_is_a_422(world, client_for):
    response = post_json(
        client_for("warehouse"),
        "/api/v1/pick-waves",
        {"organization": "W1", "ship_by": "9999-12-31"},
    )

    assert_window_refusal(response, "ship_by")


def test_the_openapi_description_states_the_window(client_for):
    schema = client_for("customer_service").get("/api/v1/openapi.json").json()
    date = schema["components"]["schemas"]["AcknowledgedLineIn"]["properties"]["promised_date"]

    assert date["pattern"] == "^20[0-9]{2}-[0-9]{2}-[0-9]{2}$"
    assert "2000-01-01" in date["description"] and "2099-12-31" in date["description"]


# --- screens ------------------------------------------------------------------------------------


def test_the_acknowledgment_form_refuses_a_promise_outside_the_window(world, client_for, po_line):
    buyer = client_for("buyer")
    po = po_line.purchase_order

    response = buyer.post(
        f"/procurement/purchase-orders/{po.number}/acknowledge/",
        {"accepted": "1", "promised_1": "9999-12-31"},
        follow=True,
    )

    assert response.status_code == 200
    assert WINDOW in response.content.decode()
    assert PurchaseOrderLine.objects.get(pk=po_line.pk).promised_date is None


def test_the_order_form_refuses_a_requested_date_outside_the_window(world, client_for):
    response = client_for("customer_service").post(
        "/orders/new/",
        {
            "customer": "C-ACME",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "1",
            "lines-MAX_NUM_FORMS": "200",
            "lines-0-item": "LAPTOP-15",
            "lines-0-quantity": "1",
            "lines-0-requested_ship_date": "9999-12-31",
            "submit": "1",
        },
    )

    assert response.status_code == 422
    assert WINDOW in response.content.decode()
    assert not SalesOrder.objects.exists()


def test_the_date_pickers_offer_only_dates_in_the_window(world, client_for, po_line):
    entry = client_for("customer_service").get("/orders/new/").content.decode()
    po_page = client_for("buyer").get(
        f"/procurement/purchase-orders/{po_line.purchase_order.number}/"
    )

    assert 'max="2099-12-31"' in entry
    assert po_page.content.decode().count('min="2000-01-01" max="2099-12-31"') == 2


def test_a_line_change_on_the_order_page_refuses_a_date_outside_the_window(world, client_for):
    order = world.order((world.laptop, 1))

    response = client_for("customer_service").post(
        f"/orders/{order.number}/lines/1/change/",
        {"quantity": "1", "requested_ship_date": "9999-12-31", "reason": "customer asked"},
        follow=True,
    )

    assert WINDOW in response.content.decode()
    assert order.lines.get().requested_ship_date == timezone.localdate()


@pytest.mark.parametrize("field", ["start", "end"])
def test_the_dashboard_range_outside_the_window_is_a_field_message(client_for, field):
    response = client_for("customer_service").get("/dashboard/", {field: "9999-12-31"})

    assert response.status_code == 200
    assert WINDOW in response.content.decode()


# --- import -------------------------------------------------------------------------------------


def test_the_import_refuses_a_sourcing_rule_dated_outside_the_window(world):
    plan = importer.validate(
        {
            "sourcing_rules": [
                {
                    "item": "LAPTOP-15",
                    "organization": "W1",
                    "type": "BUY",
                    "supplier": "S-CONTOSO",
                    "unit_price": "900",
                    "effective_from": "2026-01-01",
                    "effective_to": "9999-12-31",
                }
            ]
        }
    )

    assert [(e.path, e.message) for e in plan.errors] == [
        ("sourcing_rules[0].effective_to", WINDOW)
    ]


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01"])
def test_the_entry_preview_says_the_window_instead_of_promising_a_date_outside_it(
    world, client_for, date
):
    response = client_for("customer_service").get(
        "/orders/new/preview/",
        {
            "index": "0",
            "customer": "C-ACME",
            "lines-0-item": "LAPTOP-15",
            "lines-0-quantity": "1",
            "lines-0-requested_ship_date": date,
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert WINDOW in page and date not in page
