"""An order's status is rolled up from its lines by one rule, whatever the number of orders:
refreshing one order alone or many at once moves them to the same statuses, logs each move
once, writes the extra fields asked for on every order, and costs one read of the lines and
one UPDATE per status reached."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import TransitionLog
from core.services import use_case
from orders.models import FulfillmentLine, SalesOrder
from orders.services import sales_order_refresh_status, sales_orders_refresh_status
from supply.services import line_cancel, sales_order_submit

pytestmark = pytest.mark.django_db

Status = FulfillmentLine.Status


def status_log(order):
    return list(
        TransitionLog.objects.filter(document_number=order.number, field="status")
        .order_by("id")
        .values_list("from_value", "to_value")
    )


def three_orders(world):
    """A submitted order (PROCESSING in the database, DRAFT in hand), a draft, and an order
    whose only line was cancelled."""
    submitted = world.order((world.laptop, 1))
    stale = SalesOrder.objects.get(pk=submitted.pk)  # read before the submit: still DRAFT
    sales_order_submit(order=submitted, acting_user=world.csr)
    draft = world.order((world.laptop, 2))
    cancelled = world.order((world.laptop, 3))
    line_cancel(line=cancelled.lines.get(), reason="customer called", acting_user=world.csr)
    return stale, draft, cancelled


def test_one_order_alone_and_many_at_once_reach_the_same_statuses(world):
    alone = three_orders(world)
    together = three_orders(world)

    with use_case():
        for order in alone:
            sales_order_refresh_status(order=order, acting_user=world.csr)
        sales_orders_refresh_status(orders=together, acting_user=world.csr)

    for one, many in zip(alone, together, strict=True):
        assert one.status == many.status == SalesOrder.objects.get(pk=many.pk).status
        assert status_log(one) == status_log(many)
    assert [o.status for o in together] == ["PROCESSING", "DRAFT", "CANCELLED"]
    assert status_log(together[0])[-1] == ("DRAFT", "PROCESSING")  # the stale one, logged once


def test_statuses_in_hand_are_used_and_extra_fields_are_written_on_every_order(world):
    moving, keeping = world.order((world.laptop, 1)), world.order((world.laptop, 2))
    when = timezone.now() - datetime.timedelta(hours=1)

    with CaptureQueriesContext(connection) as queries, use_case():
        sales_orders_refresh_status(
            orders=[moving, keeping],
            acting_user=world.csr,
            statuses={moving.pk: {Status.SCHEDULED}, keeping.pk: {Status.DRAFT}},
            submitted_at=when,
        )

    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 2  # one per status reached, the order keeping its own included
    assert not [q for q in queries.captured_queries if "orders_fulfillmentline" in q["sql"]]
    for order, status in ((moving, "PROCESSING"), (keeping, "DRAFT")):
        stored = SalesOrder.objects.get(pk=order.pk)
        assert (stored.status, stored.submitted_at) == (status, when)
        assert (order.status, order.submitted_at) == (status, when)
    assert status_log(moving)[-1] == ("DRAFT", "PROCESSING")
    assert status_log(keeping)[-1:] != [("DRAFT", "DRAFT")]


def test_one_order_costs_one_read_of_its_lines_and_one_update(world):
    order = world.order((world.laptop, 1), (world.laptop, 2))
    first, second = order.lines.order_by("line_number")
    line_cancel(line=first, reason="customer called", acting_user=world.csr)
    stale = SalesOrder.objects.get(pk=order.pk)  # read while one line was still open
    line_cancel(line=second, reason="customer called", acting_user=world.csr)

    with CaptureQueriesContext(connection) as queries, use_case():
        sales_order_refresh_status(order=stale, acting_user=world.csr)

    sql = [q["sql"] for q in queries.captured_queries]
    reads = [s for s in sql if s.startswith("SELECT") and "orders_fulfillmentline" in s]
    updates = [s for s in sql if s.startswith("UPDATE")]
    assert (len(reads), len(updates)) == (1, 1), sql
    assert stale.status == "CANCELLED"
