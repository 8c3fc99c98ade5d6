"""PATCH /sales-orders/{number}/lines/{line_number} and POST /sales-orders/{number}/cancel:
who may, what a change answers, and the refusals in the one error shape."""

import datetime

import pytest

from procurement.models import RequisitionLine
from supply.services import sales_order_submit
from tests.world import assert_pegging_holds
from warehouse.shipments import ShipLine, shipment_create

pytestmark = pytest.mark.django_db
LATER = datetime.date.today() + datetime.timedelta(days=20)


def patch(client, url, body):
    return client.patch(f"/api/v1{url}", body, content_type="application/json")


def test_customer_service_changes_a_line_and_the_supply_follows(client_for, world):
    line = world.supplied(world.laptop, 5)
    url = f"/sales-orders/{line.order.number}/lines/1"

    assert patch(client_for("buyer"), url, {"quantity": "3"}).status_code == 403
    answer = patch(
        client_for("customer_service"),
        url,
        {"quantity": "3", "requested_ship_date": LATER.isoformat(), "reason": "smaller rollout"},
    )

    assert answer.status_code == 200
    body = answer.json()["lines"][0]
    assert (body["quantity"], body["promised_ship_date"]) == ("3.000", LATER.isoformat())
    assert body["supply"]["documents"][0]["quantity"] == "3.000"
    assert RequisitionLine.objects.get().quantity == 3
    assert_pegging_holds()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "-2"}, "quantity"),
        ({"requested_ship_date": "2020-01-01"}, "requested_ship_date"),
        ({}, "quantity"),
    ],
)
def test_a_bad_change_names_its_field_and_changes_nothing(client_for, world, change, field):
    line = world.supplied(world.laptop, 5)

    answer = patch(
        client_for("customer_service"), f"/sales-orders/{line.order.number}/lines/1", change
    )

    assert answer.status_code in (400, 422)
    assert field in {error["field"].split(".")[-1] for error in answer.json()["errors"]}
    line.refresh_from_db()
    assert line.quantity == 5


def test_a_line_on_a_shipment_answers_409_naming_the_rule(client_for, world):
    world.stock(world.laptop, 2)
    order = world.order((world.laptop, 2))
    sales_order_submit(order=order, acting_user=world.csr)
    shipment_create(organization=world.w1, lines=[ShipLine(order.lines.get())])

    answer = patch(
        client_for("customer_service"), f"/sales-orders/{order.number}/lines/1", {"quantity": "1"}
    )

    assert answer.status_code == 409
    assert answer.json()["code"] == "conflict"
    assert "cancel that shipment first" in answer.json()["detail"]


def test_an_unknown_line_is_404(client_for, world):
    line = world.supplied(world.laptop, 5)
    answer = patch(
        client_for("customer_service"),
        f"/sales-orders/{line.order.number}/lines/9",
        {"quantity": "1"},
    )
    assert answer.status_code == 404


def test_the_whole_order_is_cancelled_with_a_reason(client_for, world):
    world.stock(world.laptop, 1)
    order = world.order((world.laptop, 1), (world.laptop, 4))
    sales_order_submit(order=order, acting_user=world.csr)
    url = f"/api/v1/sales-orders/{order.number}/cancel"

    assert (
        client_for("warehouse")
        .post(url, {"reason": "x"}, content_type="application/json")
        .status_code
        == 403
    )
    missing = client_for("customer_service").post(url, {}, content_type="application/json")
    assert missing.status_code == 422
    answer = client_for("customer_service").post(
        url, {"reason": "customer went elsewhere"}, content_type="application/json"
    )

    assert answer.status_code == 200
    assert answer.json()["status"] == "CANCELLED"
    assert {line["status"] for line in answer.json()["lines"]} == {"CANCELLED"}
    again = client_for("customer_service").post(
        url, {"reason": "twice"}, content_type="application/json"
    )
    assert again.status_code == 409
    assert_pegging_holds()
