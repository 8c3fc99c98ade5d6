"""The work-order API: the production user releases, issues and completes a work order, the
sales order shows it as the line's supply document, and wrong moves get clear answers."""

from decimal import Decimal

import pytest

from orders.services import LineInput
from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def work_order(world):
    world.make_setup()
    order = world.order(LineInput(world.desk, Decimal(2), ship_from=world.p1))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order_create_document(supply_order_id=SupplyOrder.objects.get().pk)
    return order.lines.get().work_orders.get()


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def test_production_releases_issues_and_completes_and_the_order_line_follows(
    client_for, work_order
):
    production = client_for("production")
    base = f"/api/v1/work-orders/{work_order.number}"

    listed = production.get("/api/v1/work-orders?status=UNRELEASED&organization=P1").json()
    assert [w["number"] for w in listed["items"]] == [work_order.number]
    assert post(production, f"{base}/release").json()["status"] == "RELEASED"
    issued = post(production, f"{base}/issue-materials").json()
    assert issued["status"] == "IN_PROGRESS"
    assert {c["item"]: c["quantity_issued"] for c in issued["components"]} == {
        "LEG": "8.000",
        "TOP": "2.000",
    }
    done = post(production, f"{base}/complete", {"quantity": "2"}).json()
    assert (done["status"], done["quantity_completed"]) == ("COMPLETED", "2.000")

    order = client_for("customer_service").get(f"/api/v1/sales-orders/{done['sales_order']}")
    (line,) = order.json()["lines"]
    assert line["status"] == "AWAITING_SHIPPING"
    (document,) = line["supply"]["documents"]
    assert (document["type"], document["number"], document["status"]) == (
        "WORK_ORDER",
        work_order.number,
        "COMPLETED",
    )


def test_wrong_moves_on_a_work_order_are_refused_with_a_message(client_for, work_order, world):
    production = client_for("production")
    base = f"/api/v1/work-orders/{work_order.number}"

    early = post(production, f"{base}/complete", {"quantity": "1"})
    assert early.status_code == 409 and "UNRELEASED" in early.json()["detail"]
    world.stock(world.leg, -35, org=world.p1)
    short = post(production, f"{base}/release")
    assert short.status_code == 422 and "LEG needs 8, 5 available" in short.json()["detail"]
    world.stock(world.leg, 35, org=world.p1)
    post(production, f"{base}/release")
    post(production, f"{base}/issue-materials")
    too_many = post(production, f"{base}/complete", {"quantity": "3"})
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "quantity"
    no_reason = post(production, f"{base}/cancel", {"reason": ""})
    assert no_reason.status_code == 422


def test_only_production_changes_work_orders_and_others_may_read_them(client_for, work_order):
    base = f"/api/v1/work-orders/{work_order.number}"

    assert post(client_for("warehouse"), f"{base}/release").status_code == 403
    assert client_for("customer_service").get(base).status_code == 200
    assert client_for("buyer").get(base).status_code == 403
