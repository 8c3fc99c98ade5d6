"""The bulk import enters and promises many orders set-based with exactly the documents,
reservations, balances and log that entering them one at a time writes; one bad order never
holds up the others; its statements do not grow with the number of orders; and it races
one-at-a-time entry without overselling."""

import random
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.models import TransitionLog
from orders.models import SalesOrder
from orders.services import LineInput
from supply.models import SourcingDecision, SupplyOrder
from supply.services import sales_order_enter
from supply.services.bulk import OrderEntry, sales_orders_enter
from tests.factories import CustomerFactory
from tests.world import assert_pegging_holds, run_concurrently
from warehouse.models import InventoryBalance, Reservation

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def mixed_orders(world, seed: int, count: int) -> list[OrderEntry]:
    """A seeded random order set: laptops bought (or from stock), desks made at P1, chairs
    transferred from W2 (or from stock), some orders left as drafts, 1–4 lines each."""
    world.make_setup()
    world.transfer_setup()
    world.stock(world.laptop, 7)
    world.stock(world.chair, 3)
    rng = random.Random(seed)
    entries = []
    for n in range(count):
        lines = []
        for _ in range(rng.randint(1, 4)):
            kind = rng.choice(["laptop", "desk", "chair"])
            item = getattr(world, kind)
            ship_from = world.p1 if kind == "desk" else None
            lines.append(LineInput(item, Decimal(rng.randint(1, 4)), ship_from=ship_from))
        entries.append(
            OrderEntry(
                customer=world.customer,
                lines=lines,
                external_reference=f"PO-{seed}-{n}",
                submit=rng.random() < 0.9,
            )
        )
    return entries


def picture() -> dict:
    """Everything entering and promising wrote, without ids, numbers or times."""
    orders = []
    for order in SalesOrder.objects.order_by("external_reference"):
        lines = []
        for line in order.lines.order_by("line_number"):
            lines.append(
                (
                    line.line_number,
                    line.item.sku,
                    line.quantity,
                    line.status,
                    line.supply_type,
                    line.ship_from.code if line.ship_from_id else None,
                    line.promised_ship_date,
                    line.scheduled_ship_date,
                    line.split_from.line_number if line.split_from_id else None,
                    sorted(
                        Reservation.objects.filter(demand_line=line).values_list(
                            "supply_source", "quantity", "status"
                        )
                    ),
                    list(
                        SourcingDecision.objects.filter(line=line)
                        .order_by("id")
                        .values_list("outcome", "chosen_type", "quantity", "reason")
                    ),
                    list(
                        SupplyOrder.objects.filter(demand_line=line).values_list(
                            "supply_type", "quantity", "need_by_date", "status"
                        )
                    ),
                    list(
                        TransitionLog.objects.filter(demand_line_id=line.pk)
                        .order_by("id")
                        .values_list("document_type", "field", "from_value", "to_value", "reason")
                    ),
                )
            )
        orders.append((order.external_reference, order.status, bool(order.submitted_at), lines))
    balances = sorted(
        InventoryBalance.objects.values_list(
            "item__sku", "organization__code", "on_hand", "reserved"
        )
    )
    return {"orders": orders, "balances": balances}


def one_at_a_time(entries) -> None:
    for entry in entries:
        sales_order_enter(
            customer=entry.customer,
            lines=entry.lines,
            external_reference=entry.external_reference,
            submit=entry.submit,
            acting_user=None,
        )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bulk_writes_what_one_at_a_time_writes(world, seed, row_writes):
    entries = mixed_orders(world, seed, 25)
    with pytest.raises(Rollback), transaction.atomic():
        one_at_a_time(entries)
        expected = picture()
        raise Rollback

    with row_writes():
        results = sales_orders_enter(entries)

    assert [(r.created, r.error) for r in results] == [(True, None)] * len(entries)
    assert picture() == expected
    kinds = {line[4] for order in expected["orders"] for line in order[3]}
    assert {"BUY", "MAKE", "TRANSFER", "ON_HAND"} <= kinds  # the set mixes every supply type
    assert_pegging_holds()


def test_stock_a_line_takes_is_gone_for_a_later_lines_transfer_source(world):
    world.transfer_setup()  # W2 holds 10 chairs; W1 gets chairs by transfer from W2
    entry = OrderEntry(
        world.customer,
        [
            LineInput(world.chair, Decimal(10), ship_from=world.w2),  # all of W2's chairs
            LineInput(world.chair, Decimal(3)),  # at W1: the transfer source has none left
        ],
        "T-1",
    )

    (result,) = sales_orders_enter([entry])

    first, second = result.order.lines.order_by("line_number")
    assert (first.supply_type, first.status) == ("ON_HAND", "AWAITING_SHIPPING")
    assert second.status == "BACKORDERED"
    assert "W2" in second.decisions.get().reason


def test_a_bad_order_never_holds_up_the_others(world):
    nowhere = CustomerFactory(number="C-NOWHERE", default_ship_from=None)
    entries = [
        OrderEntry(world.customer, [LineInput(world.laptop, Decimal(1))], "A"),
        OrderEntry(world.customer, [LineInput(world.laptop, Decimal(0))], "B"),
        OrderEntry(nowhere, [LineInput(world.laptop, Decimal(1))], "C"),
        OrderEntry(world.customer, [LineInput(world.laptop, Decimal(2))], "D", currency="EUR"),
        OrderEntry(world.customer, [LineInput(world.laptop, Decimal(3))], "E"),
    ]

    results = sales_orders_enter(entries)

    assert [r.created for r in results] == [True, False, False, False, True]
    assert results[1].error.field == "lines[0].quantity"
    assert results[2].error.errors == [
        ("lines[0].ship_from", "Choose a ship-from organization: the customer has no default.")
    ]
    assert results[3].error.field == "currency"
    assert SalesOrder.objects.count() == 2
    assert {o.status for o in SalesOrder.objects.all()} == {"PROCESSING"}  # submitted


def test_an_order_imported_again_answers_with_the_one_there(world):
    entry = OrderEntry(world.customer, [LineInput(world.laptop, Decimal(2))], "PO-42")
    (first,) = sales_orders_enter([entry])
    changed = OrderEntry(world.customer, [LineInput(world.laptop, Decimal(5))], "PO-42")

    again, twice_in_one, other_lines = sales_orders_enter(
        [
            OrderEntry(world.customer, [LineInput(world.laptop, Decimal(2))], "PO-42"),
            OrderEntry(world.customer, [LineInput(world.laptop, Decimal(1))], "PO-43"),
            changed,
        ]
    )

    assert (again.order, again.created) == (first.order, False)
    assert twice_in_one.created
    assert other_lines.error.status == 409
    repeated = sales_orders_enter(
        [
            OrderEntry(world.customer, [LineInput(world.laptop, Decimal(1))], "PO-44"),
            OrderEntry(world.customer, [LineInput(world.laptop, Decimal(1))], "PO-44"),
        ]
    )
    assert repeated[0].created and (repeated[1].order, repeated[1].created) == (
        repeated[0].order,
        False,
    )
    assert SalesOrder.objects.count() == 3


def test_a_reference_repeated_after_a_refused_one_is_refused_the_same_way(world):
    sales_orders_enter([OrderEntry(world.customer, [LineInput(world.laptop, Decimal(2))], "R-1")])

    first, again = sales_orders_enter(
        [
            OrderEntry(world.customer, [LineInput(world.laptop, Decimal(5))], "R-1"),
            OrderEntry(world.customer, [LineInput(world.laptop, Decimal(5))], "R-1"),
        ]
    )

    assert first.error.status == again.error.status == 409
    assert SalesOrder.objects.count() == 1


# Rows go in by COPY from a number of rows on (core.queries): flat on either path.
@pytest.mark.parametrize("copy_from_rows", [1, 100_000])
def test_statements_do_not_grow_with_the_number_of_orders(world, monkeypatch, copy_from_rows):
    monkeypatch.setattr("core.queries.COPY_THRESHOLD", copy_from_rows)
    world.stock(world.laptop, 1000)

    def statements_for(count: int, start: int) -> int:
        entries = [
            OrderEntry(
                world.customer,
                [LineInput(world.laptop, Decimal(1)), LineInput(world.laptop, Decimal(2))],
                f"S-{start + n}",
            )
            for n in range(count)
        ]
        with CaptureQueriesContext(connection) as captured:
            results = sales_orders_enter(entries)
        assert all(r.created for r in results)
        return len(captured)

    statements_for(2, 0)  # balance rows and counters exist from here on
    assert statements_for(5, 100) == statements_for(50, 200)


@pytest.mark.django_db(transaction=True)
def test_bulk_and_one_at_a_time_entry_racing_never_oversell(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    world.stock(world.laptop, 40)

    def enter(who):
        if who.startswith("bulk"):
            sales_orders_enter(
                [
                    OrderEntry(world.customer, [LineInput(world.laptop, Decimal(3))], f"B-{n}")
                    for n in range(10)
                ]
            )
        else:
            for n in range(10):
                sales_order_enter(
                    customer=world.customer,
                    lines=[LineInput(world.laptop, Decimal(3))],
                    external_reference=f"{who}-{n}",
                    submit=True,
                )

    assert run_concurrently(enter, ["bulk", "one", "bulk2"]) == []

    balance = InventoryBalance.objects.get(item=world.laptop, organization=world.w1)
    on_hand = Reservation.objects.filter(supply_source="ON_HAND", status="ACTIVE")
    assert balance.reserved == sum(r.quantity for r in on_hand) == 40
    assert SalesOrder.objects.count() == 20  # "bulk2" and "bulk" share references: one set
    assert_pegging_holds()
