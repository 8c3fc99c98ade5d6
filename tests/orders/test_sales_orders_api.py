"""The sales order API: create (idempotent), read, submit, cancel; bad input; permissions."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import SalesOrder
from procurement.models import RequisitionLine
from supply.models import SupplyOrder
from supply.services import (
    sales_order_submit,
    supply_order_create_document,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, world):
    client.force_login(world.csr)

    def call(method, url, body=None):
        return getattr(client, method)(f"/api/v1{url}", body, content_type="application/json")

    return call


def body(**overrides):
    data = {"customer": "C-ACME", "lines": [{"item": "LAPTOP-15", "quantity": "50"}]}
    data.update(overrides)
    return data


def test_create_and_submit_returns_the_order_with_promise_and_supply(api, world):
    world.stock(world.laptop, 5)

    response = api("post", "/sales-orders", body(submit=True, external_reference="PO-778"))

    assert response.status_code == 201
    order = response.json()
    assert order["status"] == "PROCESSING" and order["currency"] == "USD"
    stock, rest = order["lines"]
    assert (stock["quantity"], stock["status"], stock["supply_type"]) == (
        "5.000",
        "AWAITING_SHIPPING",
        "ON_HAND",
    )
    assert stock["quantity_reserved"] == "5.000" and stock["supply"] is None
    assert stock["sourcing"]["chosen"]["type"] == "ON_HAND"
    assert (rest["line_number"], rest["split_from"], rest["quantity"]) == (2, 1, "45.000")
    assert (rest["status"], rest["supply_type"], rest["unit_price"]) == (
        "SCHEDULED",
        "BUY",
        "1200.0000",
    )
    assert rest["supply"]["status"] == "REQUESTED" and rest["supply"]["documents"] == []
    chosen = rest["sourcing"]["chosen"]
    assert (chosen["type"], chosen["supplier"], chosen["rank"], chosen["feasible"]) == (
        "BUY",
        "S-CONTOSO",
        1,
        True,
    )
    assert rest["promised_ship_date"] == str(timezone.localdate() + datetime.timedelta(days=6))


def test_the_order_shows_the_requisition_once_supply_is_created(api, world):
    number = api("post", "/sales-orders", body(submit=True)).json()["number"]
    supply_order_create_document(supply_order_id=SupplyOrder.objects.get().pk)

    line = api("get", f"/sales-orders/{number}").json()["lines"][0]

    assert line["status"] == "AWAITING_SUPPLY"
    (document,) = line["supply"]["documents"]
    assert document["type"] == "REQUISITION" and document["number"].startswith("REQ-")
    assert document["status"] == "OPEN" and document["quantity"] == "50.000"


def test_the_same_external_reference_returns_the_existing_order(api, world):
    first = api("post", "/sales-orders", body(external_reference="PO-1", submit=True))
    again = api("post", "/sales-orders", body(external_reference="PO-1", submit=True))

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["number"] == first.json()["number"]
    assert SalesOrder.objects.count() == 1 and SupplyOrder.objects.count() == 1


def test_the_same_external_reference_with_another_body_is_a_conflict(api, world):
    api("post", "/sales-orders", body(external_reference="PO-1"))
    response = api(
        "post",
        "/sales-orders",
        body(external_reference="PO-1", lines=[{"item": "LAPTOP-15", "quantity": 7}]),
    )
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert SalesOrder.objects.count() == 1


def test_a_draft_is_submitted_separately_and_only_once(api, world):
    number = api("post", "/sales-orders", body()).json()["number"]
    assert SalesOrder.objects.get().status == "DRAFT"

    assert api("post", f"/sales-orders/{number}/submit").json()["status"] == "PROCESSING"
    again = api("post", f"/sales-orders/{number}/submit")

    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert SupplyOrder.objects.count() == 1


def test_lists_filter_by_status_and_customer(api, world):
    api("post", "/sales-orders", body())
    api("post", "/sales-orders", body(submit=True))
    drafts = api("get", "/sales-orders?status=DRAFT").json()
    assert drafts["count"] == 1 and drafts["items"][0]["status"] == "DRAFT"
    assert set(drafts["items"][0]) == {
        "number",
        "customer",
        "external_reference",
        "status",
        "currency",
        "line_count",
    }
    assert api("get", "/sales-orders?customer=C-NOBODY").json()["count"] == 0


def test_cancel_a_scheduled_line_with_a_reason(api, world):
    number = api("post", "/sales-orders", body(submit=True)).json()["number"]

    response = api("post", f"/sales-orders/{number}/lines/1/cancel", {"reason": "customer called"})

    line = response.json()["lines"][0]
    assert line["status"] == "CANCELLED"
    assert line["supply"]["status"] == "CANCELLED"
    assert response.json()["status"] == "CANCELLED"


def test_cancelling_a_line_with_a_requisition_cancels_the_requisition(api, world):
    number = api("post", "/sales-orders", body(submit=True)).json()["number"]
    supply_order_create_document(supply_order_id=SupplyOrder.objects.get().pk)

    response = api("post", f"/sales-orders/{number}/lines/1/cancel", {"reason": "no"})

    assert response.status_code == 200
    line = response.json()["lines"][0]
    assert (line["status"], line["supply"]["status"]) == ("CANCELLED", "CANCELLED")
    assert line["supply"]["documents"][0]["status"] == "CANCELLED"
    assert RequisitionLine.objects.get().status == "CANCELLED"


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        (body(customer="C-NOBODY"), {"customer"}),
        (body(lines=[{"item": "NOPE", "quantity": 1}]), {"lines[0].item"}),
        (
            body(lines=[{"item": "LAPTOP-15", "quantity": 1, "ship_from": "X9"}]),
            {"lines[0].ship_from"},
        ),
        (body(lines=[{"item": "LAPTOP-15", "quantity": 0}]), {"lines[0].quantity"}),
        (body(lines=[{"item": "LAPTOP-15", "quantity": -3}]), {"lines[0].quantity"}),
        (body(lines=[{"item": "LAPTOP-15", "quantity": "many"}]), {"lines[0].quantity"}),
        (body(lines=[{"item": "LAPTOP-15", "quantity": "1.2345"}]), {"lines[0].quantity"}),
        (
            body(lines=[{"item": "LAPTOP-15", "quantity": 1, "requested_ship_date": "31/12/2026"}]),
            {"lines[0].requested_ship_date"},
        ),
        (
            body(lines=[{"item": "LAPTOP-15", "quantity": 1, "requested_ship_date": "2020-01-01"}]),
            {"lines[0].requested_ship_date"},
        ),
        (body(lines=[]), {"lines"}),
        (body(external_reference="x" * 61), {"external_reference"}),
        (body(currency="EUR"), {"currency"}),
        ({"lines": [{"quantity": 1}]}, {"customer", "lines[0].item"}),
    ],
)
def test_bad_input_is_refused_field_by_field_and_nothing_is_written(api, world, payload, fields):
    response = api("post", "/sales-orders", payload)

    assert response.status_code == 422, response.json()
    assert {e["field"] for e in response.json()["errors"]} == fields
    assert not SalesOrder.objects.exists()


def test_a_submit_that_fails_leaves_no_order_behind(api, world):
    world.customer.default_ship_from = None
    world.customer.save()
    response = api("post", "/sales-orders", body(submit=True))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lines[0].ship_from"
    assert not SalesOrder.objects.exists()


@pytest.mark.parametrize(
    "role", ["buyer", "warehouse", "procurement_manager", "production", "orchestration_manager"]
)
def test_only_customer_service_creates_submits_and_cancels_orders(client, world, role):
    client.force_login(UserFactory(roles=[role]))
    order = world.order((world.laptop, 1))
    create = client.post("/api/v1/sales-orders", body(), content_type="application/json")
    submit = client.post(f"/api/v1/sales-orders/{order.number}/submit")
    cancel = client.post(
        f"/api/v1/sales-orders/{order.number}/lines/1/cancel",
        {"reason": "x"},
        content_type="application/json",
    )
    assert (create.status_code, submit.status_code, cancel.status_code) == (403, 403, 403)
    # every role reads orders
    assert client.get(f"/api/v1/sales-orders/{order.number}").status_code == 200


def test_supply_orders_and_reservations_are_listed(api, world):
    world.stock(world.laptop, 2)
    number = api("post", "/sales-orders", body(submit=True)).json()["number"]
    supply_order_create_document(supply_order_id=SupplyOrder.objects.get().pk)

    supply = api("get", f"/supply-orders?sales_order={number}").json()
    assert supply["count"] == 1
    item = supply["items"][0]
    assert (item["sales_order"], item["sales_order_line"], item["status"]) == (
        number,
        2,
        "IN_PROCESS",
    )
    detail = api("get", f"/supply-orders/{item['number']}").json()
    assert detail["documents"][0]["type"] == "REQUISITION"

    reservations = api("get", f"/reservations?sales_order={number}").json()["items"]
    assert sorted((r["line_number"], r["supply_source"], r["quantity"]) for r in reservations) == [
        (1, "ON_HAND", "2.000"),
        (2, "REQUISITION", "48.000"),
    ]
    assert Decimal(api("get", "/inventory?item=LAPTOP-15").json()["items"][0]["reserved"]) == 2


def test_a_shipped_and_invoiced_line_says_how_much_was_shipped_and_invoiced(api, world, client):
    from billing.services import invoices_create_for_shipment
    from supply.flows.ship import shipment_confirm
    from warehouse.shipments import ShipLine, shipment_create, shipment_move

    world.stock(world.laptop, 5)
    order = world.order((world.laptop, 5))
    sales_order_submit(order=order, acting_user=world.csr)
    line = order.lines.get()
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(line, Decimal(3))])
    for action in ("pick", "pack"):
        shipment_move(shipment=shipment, action=action)
    shipment_confirm(shipment=shipment)  # 3 of 5: the shipped part becomes line 2

    shipped_only = {
        line["line_number"]: (line["quantity_shipped"], line["quantity_invoiced"])
        for line in api("get", f"/sales-orders/{order.number}").json()["lines"]
    }
    assert shipped_only == {1: ("0.000", "0.000"), 2: ("3.000", "0.000")}
    invoices_create_for_shipment(shipment_id=shipment.pk)

    lines = api("get", f"/sales-orders/{order.number}").json()["lines"]
    assert [(x["quantity_shipped"], x["quantity_invoiced"]) for x in lines] == [
        ("0.000", "0.000"),
        ("3.000", "3.000"),
    ]
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "shipped 3 · invoiced 3" in page


def test_a_line_or_an_order_whose_amount_cannot_be_invoiced_is_refused_at_entry(api):
    price = "99999999999"  # the largest whole price a line takes
    too_much = api(
        "post",
        "/sales-orders",
        body(lines=[{"item": "LAPTOP-15", "quantity": "200", "unit_price": price}]),
    )
    assert too_much.status_code == 422
    (error,) = too_much.json()["errors"]
    assert error["field"] == "lines[0].quantity"
    assert "must be at most 9,999,999,999,999.99" in error["message"]

    half = {"item": "LAPTOP-15", "quantity": "60", "unit_price": price}  # 5,999,999,999,940
    over_total = api("post", "/sales-orders", body(lines=[half, half]))
    assert over_total.status_code == 422 and over_total.json()["errors"][0]["field"] == "lines"
    assert not SalesOrder.objects.exists()


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
