"""A status or kind is shown to people in words, the same words on every screen (one label
function, core.formatting.words): badges say "Awaiting supply", not AWAITING_SUPPLY; a
badge keeps the code in `data-status` and its colour says what the status means."""

import re
from decimal import Decimal

import pytest

from core.formatting import words
from manufacturing.models import WorkOrder
from manufacturing.services import work_order_release
from orders.services import LineInput
from supply.flows.make import work_order_cancel
from supply.services import sales_order_submit, supply_order_create_document

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("AWAITING_SUPPLY", "Awaiting supply"),
        ("PENDING_APPROVAL", "Pending approval"),
        ("CLOSED_FOR_RECEIVING", "Closed for receiving"),
        ("SUPPLIER_REJECTED", "Supplier rejected"),
        ("OPEN", "Open"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_code_reads_as_words(code, shown):
    assert words(code) == shown


def badge(html: str, status: str) -> re.Match:
    found = re.search(rf'<span class="badge status ([^"]+)" data-status="{status}">([^<]*)<', html)
    assert found is not None, f"no {status} badge"
    return found


def test_an_order_line_waiting_for_supply_says_so_in_words(client_for, world):
    line = world.supplied(world.laptop, 2)

    page = client_for("customer_service").get(f"/orders/{line.order.number}/").content.decode()

    shown = badge(page, "AWAITING_SUPPLY")
    assert shown.group(2) == "Awaiting supply"
    assert shown.group(1) == "text-bg-warning"
    assert "AWAITING SUPPLY" not in page


def make_line(world):
    order = world.order(LineInput(world.desk, Decimal(1), ship_from=world.p1))
    sales_order_submit(order=order, acting_user=world.csr)
    for supply_order in order.lines.get().supply_orders.all():
        supply_order_create_document(supply_order_id=supply_order.pk)
    return WorkOrder.objects.get(demand_line__order=order)


def test_a_released_work_order_is_not_coloured_like_a_cancelled_one(client_for, world):
    world.make_setup()
    released = work_order_release(work_order=make_line(world))
    cancelled = make_line(world)
    work_order_cancel(work_order=cancelled, reason="machine down")
    production = client_for("production")

    released_page = production.get(f"/manufacturing/work-orders/{released.number}/")
    cancelled_page = production.get(f"/manufacturing/work-orders/{cancelled.number}/")

    on_its_way = badge(released_page.content.decode(), "RELEASED")
    called_off = badge(cancelled_page.content.decode(), "CANCELLED")
    assert (on_its_way.group(2), called_off.group(2)) == ("Released", "Cancelled")
    assert on_its_way.group(1) == "text-bg-primary"
    assert called_off.group(1) == "text-bg-dark"


def test_the_exceptions_queue_names_the_kind_and_the_status_in_the_same_words(client_for, world):
    world.make_setup()
    work_order_cancel(work_order=make_line(world), reason="machine down")

    page = client_for("orchestration_manager").get("/supply/").content.decode()

    assert "<td>Document cancelled</td>" in page
    assert badge(page, "EXCEPTION").group(2) == "Exception"


def test_a_work_order_in_progress_stays_on_its_way_and_a_completed_one_is_done():
    from core.templatetags.b2b import status_badge

    in_progress, completed = status_badge("IN_PROGRESS"), status_badge("COMPLETED")

    assert "text-bg-primary" in in_progress and "In progress" in in_progress
    assert "text-bg-success" in completed and "Completed" in completed
