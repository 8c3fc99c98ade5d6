"""A transfer source that has part of a line's quantity supplies that part, and the rest goes to
the next source — or is backordered when there is none (38 available of 50: a transfer of 38,
12 from the next source; not 50 from it, nor 50 backordered)."""

import datetime
from decimal import Decimal

import pytest

from catalog.models import SourcingRule
from supply.flows.buy import purchase_order_acknowledge
from supply.models import SupplyOrder
from supply.services import backorders_repromise, sales_order_submit, supply_orders_create_documents
from supply.sourcing_decision import Candidate, SourcingResult, transfer_part
from tests.factories import BuyRuleFactory, SupplierFactory
from tests.world import assert_pegging_holds
from warehouse.models import TransferOrderLine

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2031, 1, 6)


def chairs(world, available):
    """W1 transfers CHAIR from W2 (rank 1), which holds `available`."""
    world.transfer_setup()
    if available != 10:
        world.stock(world.chair, Decimal(available) - 10, org=world.w2)


def test_38_available_of_50_transfer_38_and_the_next_source_buys_12(world):
    chairs(world, 38)
    BuyRuleFactory(item=world.chair, organization=world.w1, rank=2, supplier=world.contoso)
    order = world.order((world.chair, 50))

    sales_order_submit(order=order, acting_user=world.csr)
    supply_orders_create_documents()

    first, rest = order.lines.order_by("line_number")
    assert (first.quantity, first.supply_type, first.status) == (
        Decimal(38),
        "TRANSFER",
        "AWAITING_SUPPLY",
    )
    assert (rest.quantity, rest.supply_type, rest.status, rest.split_from) == (
        Decimal(12),
        "BUY",
        "AWAITING_SUPPLY",
        first,
    )
    assert TransferOrderLine.objects.get().quantity == 38
    assert rest.requisition_lines.get().quantity == 12
    assert_pegging_holds()


def test_with_no_next_source_the_part_transfers_and_the_rest_is_backordered(world):
    chairs(world, 38)
    order = world.order((world.chair, 50))

    sales_order_submit(order=order, acting_user=world.csr)

    first, rest = order.lines.order_by("line_number")
    assert (first.quantity, first.status) == (Decimal(38), "SCHEDULED")
    assert (rest.quantity, rest.status) == (Decimal(12), "BACKORDERED")
    assert "W2 has only 0 available" in rest.decisions.first().reason
    assert SupplyOrder.objects.get().quantity == 38
    assert_pegging_holds()


def test_two_lines_of_one_order_share_what_the_source_has(world):
    chairs(world, 10)
    order = world.order((world.chair, 6), (world.chair, 6))

    sales_order_submit(order=order, acting_user=world.csr)

    lines = list(order.lines.order_by("line_number").values_list("quantity", "status"))
    assert lines == [
        (Decimal(6), "SCHEDULED"),
        (Decimal(4), "SCHEDULED"),
        (Decimal(2), "BACKORDERED"),
    ]
    assert_pegging_holds()


def test_a_backorder_promised_again_takes_the_part_that_arrived_at_the_source(world):
    chairs(world, 0)
    order = world.order((world.chair, 50))
    sales_order_submit(order=order, acting_user=world.csr)
    assert order.lines.get().status == "BACKORDERED"
    world.stock(world.chair, 38, org=world.w2)

    backorders_repromise()

    first, rest = order.lines.order_by("line_number")
    assert (first.quantity, first.status, rest.quantity, rest.status) == (
        Decimal(38),
        "SCHEDULED",
        Decimal(12),
        "BACKORDERED",
    )


def test_a_source_ranked_better_that_supplies_all_keeps_the_whole_line(world):
    chairs(world, 38)
    SourcingRule.objects.filter(type="TRANSFER").update(rank=2)
    BuyRuleFactory(item=world.chair, organization=world.w1, rank=1, supplier=world.contoso)
    order = world.order((world.chair, 50))

    sales_order_submit(order=order, acting_user=world.csr)

    line = order.lines.get()
    assert (line.quantity, line.supply_type) == (Decimal(50), "BUY")


def candidate(rule_id, type, rank, feasible, source=None, available_date=TODAY):
    return Candidate(
        rule_id=rule_id,
        type=type,
        rank=rank,
        supplier=None if source else "S",
        source_organization=source,
        available_date=available_date,
        cost=Decimal(1),
        feasible=feasible,
        reason="",
    )


@pytest.mark.parametrize(
    ("candidates", "available", "expected"),
    [
        pytest.param([candidate(1, "TRANSFER", 1, False, "W2")], {"W2": 38}, (1, 38), id="short"),
        pytest.param([candidate(1, "TRANSFER", 1, False, "W2")], {"W2": 0}, None, id="none-left"),
        pytest.param(
            [candidate(1, "TRANSFER", 1, False, "W2", available_date=None)],
            {"W2": 38},
            None,
            id="not-in-effect",
        ),
        pytest.param(
            [candidate(1, "BUY", 1, True), candidate(2, "TRANSFER", 2, False, "W2")],
            {"W2": 38},
            None,
            id="a-better-source-supplies-all",
        ),
        pytest.param(
            [candidate(1, "TRANSFER", 1, False, "W2"), candidate(2, "TRANSFER", 1, False, "W3")],
            {"W2": 5, "W3": 20},
            (2, 20),
            id="the-one-with-most",
        ),
    ],
)
def test_which_short_transfer_supplies_its_part(candidates, available, expected):
    result = SourcingResult(
        level="item+org", candidates=tuple(candidates), chosen=None, scheduled_date=None
    )
    found = transfer_part(
        result,
        source_available={k: Decimal(v) for k, v in available.items()},
        quantity=Decimal(50),
    )
    assert (None if found is None else (found[0].rule_id, found[1])) == expected


def bought_with_a_short_transfer_behind(world, transfer_days: int):
    """4 laptops bought on an open PO, W2 (3 laptops, `transfer_days` away) the next source;
    returns the line and its PO."""
    world.transfer_setup()
    SourcingRule.objects.create(
        item=world.laptop,
        organization=world.w1,
        type="TRANSFER",
        source_organization=world.w2,
        rank=2,
        lead_time_days=transfer_days,
    )
    world.stock(world.laptop, 3, org=world.w2)
    line = world.supplied(world.laptop, 4)
    return line, world.on_po(line).purchase_order


@pytest.mark.usefixtures("no_po_approval_needed")
def test_after_a_supplier_rejects_a_short_transfer_source_supplies_its_part(world):
    line, po = bought_with_a_short_transfer_behind(world, transfer_days=2)

    purchase_order_acknowledge(po=po, accepted=False, promised_dates={})

    first, rest = line.order.lines.order_by("line_number")
    assert (first.quantity, first.status, first.supply_type) == (
        Decimal(3),
        "AWAITING_SUPPLY",
        "TRANSFER",
    )
    assert (rest.quantity, rest.status) == (Decimal(1), "BACKORDERED")
    assert "only 3 available at W2" in rest.decisions.get().reason
    assert TransferOrderLine.objects.get().quantity == 3
    supply_order = first.supply_orders.get()
    assert not supply_order.exceptions.filter(resolved_at__isnull=True).exists()
    assert_pegging_holds()


def test_a_short_transfer_that_would_lose_anyway_does_not_split_the_line(world):
    # W2's transfer ranks first but takes 10 days; buying takes 6: for 38 the buy wins too, so
    # the line stays whole and is bought (not 38 bought and 12 bought on a split-off line).
    chairs(world, 38)
    SourcingRule.objects.filter(type="TRANSFER").update(lead_time_days=10)
    BuyRuleFactory(item=world.chair, organization=world.w1, rank=2, supplier=world.contoso)
    order = world.order((world.chair, 50))

    sales_order_submit(order=order, acting_user=world.csr)

    line = order.lines.get()
    assert (line.quantity, line.supply_type, line.status) == (Decimal(50), "BUY", "SCHEDULED")
    assert "only 38 available" not in line.decisions.get().reason
    assert_pegging_holds()


@pytest.mark.usefixtures("no_po_approval_needed")
def test_after_a_rejection_a_slow_short_transfer_does_not_split_the_line(world):
    line, po = bought_with_a_short_transfer_behind(world, transfer_days=10)
    fabrikam = SupplierFactory(number="S-FABRIKAM")  # 2 days: sooner than W2's 10
    BuyRuleFactory(
        item=world.laptop, organization=world.w1, rank=3, supplier=fabrikam, lead_time_days=2
    )

    purchase_order_acknowledge(po=po, accepted=False, promised_dates={})

    line = line.order.lines.get()
    assert (line.quantity, line.status, line.supply_type) == (Decimal(4), "AWAITING_SUPPLY", "BUY")
    requisition = line.requisition_lines.latest("id")
    assert (requisition.supplier, requisition.quantity) == (fabrikam, Decimal(4))
    assert_pegging_holds()
