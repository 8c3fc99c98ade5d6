"""The orchestration manager's supply order actions through the API: the exception filter,
alternative source, re-promise and cancel supply — and who may."""

import datetime

import pytest

from catalog.models import SourcingRule
from supply.flows.buy import purchase_order_acknowledge
from tests.factories import BuyRuleFactory, SupplierFactory
from tests.world import assert_pegging_holds

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_po_approval_needed")]


def rejected(world):
    """A laptop line whose supplier rejected its PO, with no other source: in exception."""
    line = world.supplied(world.laptop, 4)
    po_line = world.on_po(line)
    purchase_order_acknowledge(po=po_line.purchase_order, accepted=False, promised_dates={})
    return line, line.supply_orders.get()


def post(client, url, body=None):
    return client.post(f"/api/v1{url}", body or {}, content_type="application/json")


def test_supply_orders_filter_by_open_exception_kind(client_for, world):
    _, supply_order = rejected(world)
    world.supplied(world.laptop, 1)
    manager = client_for("orchestration_manager")

    rejected_only = manager.get("/api/v1/supply-orders?exception=SUPPLIER_REJECTED").json()
    none = manager.get("/api/v1/supply-orders?exception=QUANTITY_REDUCED").json()
    detail = manager.get(f"/api/v1/supply-orders/{supply_order.number}").json()

    assert [s["number"] for s in rejected_only["items"]] == [supply_order.number]
    assert none["count"] == 0
    (exception,) = detail["exceptions"]
    assert (exception["kind"], exception["resolved_at"]) == ("SUPPLIER_REJECTED", None)
    assert manager.get("/api/v1/supply-orders?exception=NOPE").status_code == 422


def test_the_manager_chooses_an_alternative_source(client_for, world):
    line, supply_order = rejected(world)
    BuyRuleFactory(
        item=world.laptop, organization=world.w1, rank=3, supplier=SupplierFactory(number="S-NW")
    )
    url = f"/supply-orders/{supply_order.number}/alternative-source"

    assert (
        post(client_for("customer_service"), url, {"type": "BUY", "supplier": "S-NW"}).status_code
        == 403
    )
    missing = post(client_for("orchestration_manager"), url, {"type": "BUY"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "supplier"
    unknown = post(client_for("orchestration_manager"), url, {"type": "BUY", "supplier": "S-X"})
    assert unknown.status_code == 409 and "no sourcing rule offers it" in unknown.json()["detail"]
    answer = post(client_for("orchestration_manager"), url, {"type": "BUY", "supplier": "S-NW"})

    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["supplier"], body["exception"]) == ("IN_PROCESS", "S-NW", "")
    assert body["exceptions"][0]["resolved_by"] == "orchestration_manager"
    assert body["documents"][-1]["type"] == "REQUISITION"
    line.refresh_from_db()
    assert line.status == "AWAITING_SUPPLY"
    assert_pegging_holds()


def test_re_promise_takes_the_best_source_now_or_says_there_is_none(client_for, world):
    _, supply_order = rejected(world)
    url = f"/supply-orders/{supply_order.number}/re-promise"
    SourcingRule.objects.filter(item=world.laptop).update(
        effective_to=datetime.date.today() - datetime.timedelta(days=1)
    )

    none = post(client_for("orchestration_manager"), url)
    assert none.status_code == 409 and "No source can supply" in none.json()["detail"]
    SourcingRule.objects.filter(item=world.laptop).update(effective_to=None)
    # The supplier that rejected this demand is not asked again: only another one is.
    again = post(client_for("orchestration_manager"), url)
    assert again.status_code == 409
    BuyRuleFactory(
        item=world.laptop, organization=world.w1, supplier=SupplierFactory(number="S-NW"), rank=2
    )
    answer = post(client_for("orchestration_manager"), url)
    assert answer.status_code == 200 and answer.json()["status"] == "IN_PROCESS"
    assert answer.json()["supplier"] == "S-NW"


def test_cancel_supply_backorders_the_line(client_for, world):
    line, supply_order = rejected(world)
    url = f"/supply-orders/{supply_order.number}/cancel"

    assert post(client_for("orchestration_manager"), url).status_code == 422
    answer = post(client_for("orchestration_manager"), url, {"reason": "wait for stock"})

    assert answer.status_code == 200 and answer.json()["status"] == "CANCELLED"
    line.refresh_from_db()
    assert line.status == "BACKORDERED"
    assert post(client_for("orchestration_manager"), url, {"reason": "again"}).status_code == 409
    assert_pegging_holds()
