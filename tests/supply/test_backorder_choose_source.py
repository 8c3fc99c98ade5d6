"""A backordered line is fixed where it is seen: the orchestration manager chooses a source for
it — one of the sourcing rules' candidates, or any supplier of the item, warehouse or plant that
has it, with a price and a lead time — or re-promises it by the rules now; its document is
created at once and pegged to the line."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.exceptions import Conflict, FieldErrors, InvalidTransition
from orders.services import LineInput
from procurement.models import RequisitionLine
from supply.models import SupplyOrder
from supply.services import SourceChoice, line_choose_source, sales_order_submit
from tests.factories import ItemFactory, OrganizationFactory, SupplierFactory
from tests.world import assert_pegging_holds
from warehouse.models import TransferOrder

pytestmark = pytest.mark.django_db


def backordered(world, item, quantity=5, **line):
    order = world.order(LineInput(item, Decimal(quantity), **line))
    sales_order_submit(order=order, acting_user=world.csr)
    line = order.lines.get()
    assert line.status == "BACKORDERED"
    return line


def test_a_line_no_rule_covers_is_bought_from_the_supplier_the_manager_names(world):
    bolt = ItemFactory(sku="BOLT-NORULE")
    fabrikam = SupplierFactory(number="S-FABRIKAM")
    line = backordered(world, bolt, 5)

    number = line_choose_source(
        line=line,
        choice=SourceChoice(
            type="BUY", supplier="S-FABRIKAM", unit_price=Decimal("12.50"), lead_time_days=4
        ),
    )

    line.refresh_from_db()
    requisition = RequisitionLine.objects.get(demand_line=line)
    assert requisition.number == number
    assert (requisition.supplier, requisition.unit_price, requisition.quantity) == (
        fabrikam,
        Decimal("12.50"),
        Decimal(5),
    )
    supply_order = SupplyOrder.objects.get(demand_line=line)
    assert (supply_order.status, supply_order.supplier, supply_order.decision.level) == (
        "IN_PROCESS",
        fabrikam,
        "manual",
    )
    # Four days' lead time, then the warehouse's receiving day: ready on day 5.
    assert line.status == "AWAITING_SUPPLY"
    assert line.scheduled_ship_date == timezone.localdate() + datetime.timedelta(days=5)
    assert_pegging_holds()


def test_a_warehouse_that_has_the_item_transfers_it_without_a_rule(world):
    w2 = OrganizationFactory(code="W2", receiving_days=0)
    bolt = ItemFactory(sku="BOLT-NORULE")
    world.stock(bolt, 8, org=w2)
    line = backordered(world, bolt, 5)

    line_choose_source(
        line=line, choice=SourceChoice(type="TRANSFER", source_organization="W2", lead_time_days=2)
    )

    transfer = TransferOrder.objects.get()
    assert (transfer.source.code, transfer.destination.code) == ("W2", "W1")
    line.refresh_from_db()
    assert line.status == "AWAITING_SUPPLY"
    assert_pegging_holds()


def test_a_source_that_cannot_supply_is_refused_with_why_and_nothing_changes(world):
    w2 = OrganizationFactory(code="W2")
    bolt = ItemFactory(sku="BOLT-NORULE")
    world.stock(bolt, 3, org=w2)
    line = backordered(world, bolt, 5)

    with pytest.raises(Conflict, match="W2 has only 3 available, needs 5"):
        line_choose_source(
            line=line,
            choice=SourceChoice(type="TRANSFER", source_organization="W2", lead_time_days=2),
        )

    line.refresh_from_db()
    assert line.status == "BACKORDERED"
    assert not SupplyOrder.objects.exists()


def test_an_incomplete_source_gets_a_message_per_field(world):
    line = backordered(world, ItemFactory(sku="BOLT-NORULE"))

    with pytest.raises(FieldErrors) as refused:
        line_choose_source(
            line=line, choice=SourceChoice(type="BUY", supplier="S-NOBODY", lead_time_days=999)
        )

    assert {field for field, _ in refused.value.errors} == {
        "supplier",
        "unit_price",
        "lead_time_days",
    }


def test_re_promising_a_backorder_takes_the_best_feasible_rule_now(world):
    world.transfer_setup()
    world.stock(world.chair, -10, org=world.w2)
    line = backordered(world, world.chair, 4)
    world.stock(world.chair, 6, org=world.w2)

    line_choose_source(line=line, choice=None)

    line.refresh_from_db()
    assert line.status == "AWAITING_SUPPLY"
    assert TransferOrder.objects.get().lines.get().quantity == 4
    assert_pegging_holds()


def test_only_a_backordered_line_is_sourced_this_way(world):
    order = world.order((world.laptop, 2))
    sales_order_submit(order=order, acting_user=world.csr)

    with pytest.raises(InvalidTransition, match="only a backordered line"):
        line_choose_source(line=order.lines.get(), choice=None)
