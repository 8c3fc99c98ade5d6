"""The orchestration manager's workbench (/supply/): supply by status and type, the exceptions
queue with Retry, lines in jeopardy and backorders; a supply order page with its documents and
timeline. Retry creates the document again from the same source when none works any more."""

from decimal import Decimal

import pytest

from core.exceptions import InvalidTransition
from manufacturing.models import WorkOrder
from orders.services import LineInput
from supply.flows.make import work_order_cancel
from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document, supply_order_retry
from tests.world import page_queries

pytestmark = pytest.mark.django_db


def make_exception(world, quantity=2):
    """A Make line whose work order was cancelled: its supply order is in EXCEPTION."""
    if not hasattr(world, "p1"):
        world.make_setup()
    order = world.order(LineInput(world.desk, Decimal(quantity), ship_from=world.p1))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order = SupplyOrder.objects.get(demand_line__order=order)
    supply_order_create_document(supply_order_id=supply_order.pk)
    work_order = WorkOrder.objects.get(demand_line__order=order)
    work_order_cancel(work_order=work_order, reason="machine down")
    supply_order.refresh_from_db()
    return supply_order


def test_retry_makes_a_new_work_order_for_a_cancelled_one(world):
    supply_order = make_exception(world)

    supply_order_retry(supply_order=supply_order)

    supply_order.refresh_from_db()
    assert (supply_order.status, supply_order.exception_reason) == ("IN_PROCESS", "")
    first, second = supply_order.tracking_lines.order_by("sequence")
    assert (first.work_order.status, second.work_order.status) == ("CANCELLED", "UNRELEASED")
    assert second.sequence == 2
    line = supply_order.demand_line
    reservation = line.reservations.get(status="ACTIVE")
    assert (reservation.supply_source, reservation.document_id) == (
        "WORK_ORDER",
        second.work_order_id,
    )


def test_retry_is_refused_while_a_document_still_works_for_the_supply(world):
    order = world.order((world.laptop, 2))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order = SupplyOrder.objects.get()
    supply_order_create_document(supply_order_id=supply_order.pk)

    with pytest.raises(InvalidTransition, match="only supply in EXCEPTION"):
        supply_order_retry(supply_order=supply_order)


def test_the_workbench_lists_the_exception_and_retry_resolves_it(client_for, world):
    supply_order = make_exception(world)
    manager = client_for("orchestration_manager")

    page = manager.get("/supply/").content.decode()
    assert supply_order.number in page and "cancelled: machine down" in page
    answer = manager.post(f"/supply/orders/{supply_order.number}/retry/", follow=True)

    assert f"{supply_order.number} is in process again." in answer.content.decode()
    detail = manager.get(f"/supply/orders/{supply_order.number}/").content.decode()
    first, second = WorkOrder.objects.filter(demand_line=supply_order.demand_line).order_by("id")
    assert first.number in detail and second.number in detail


def test_the_workbench_runs_the_same_queries_for_1_or_3_exceptions(client_for, world):
    make_exception(world)
    manager = client_for("orchestration_manager")
    one = page_queries(manager, "/supply/")
    make_exception(world)
    make_exception(world)
    assert page_queries(manager, "/supply/") == one


def test_retry_through_the_api_and_who_may(client_for, world):
    supply_order = make_exception(world)
    url = f"/api/v1/supply-orders/{supply_order.number}/retry"

    assert client_for("customer_service").post(url).status_code == 403
    answer = client_for("orchestration_manager").post(url)

    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "IN_PROCESS" and len(body["documents"]) == 2
    again = client_for("orchestration_manager").post(url)
    assert again.status_code == 409
    listed = client_for("orchestration_manager").get("/api/v1/supply-orders?type=MAKE").json()
    assert [s["number"] for s in listed["items"]] == [supply_order.number]


def test_the_manager_sees_the_candidates_and_uses_another_source(client_for, world):
    from tests.factories import BuyRuleFactory

    supply_order = make_exception(world)  # the only MAKE rule failed: line backordered
    BuyRuleFactory(item=world.desk, organization=world.p1, rank=2, supplier=world.contoso)
    manager = client_for("orchestration_manager")

    queue = manager.get("/supply/?kind=DOCUMENT_CANCELLED").content.decode()
    assert supply_order.number in queue and "Document cancelled" in queue
    assert (
        supply_order.number not in manager.get("/supply/?kind=SUPPLIER_REJECTED").content.decode()
    )
    page = manager.get(f"/supply/orders/{supply_order.number}/").content.decode()
    assert "Choose an alternative source for the 2 the line lacks" in page
    assert "Use S-CONTOSO" in page
    answer = manager.post(
        f"/supply/orders/{supply_order.number}/source/",
        {"type": "BUY", "supplier": "S-CONTOSO"},
        follow=True,
    )

    assert "the new source covers the line" in answer.content.decode()
    supply_order.refresh_from_db()
    assert (supply_order.status, supply_order.supply_type) == ("IN_PROCESS", "BUY")
    assert supply_order.exceptions.get().resolved_by.username == "orchestration_manager"
    assert (
        client_for("customer_service")
        .post(f"/supply/orders/{supply_order.number}/cancel/", {"reason": "x"})
        .status_code
        == 403
    )


def test_cancel_supply_needs_a_reason_on_the_page(client_for, world):
    supply_order = make_exception(world)
    manager = client_for("orchestration_manager")

    refused = manager.post(
        f"/supply/orders/{supply_order.number}/cancel/", {"reason": ""}, follow=True
    )
    assert "Say why it is cancelled." in refused.content.decode()
    manager.post(f"/supply/orders/{supply_order.number}/cancel/", {"reason": "no plant capacity"})
    supply_order.refresh_from_db()
    assert supply_order.status == "CANCELLED"
