"""Make: a line sourced MAKE gets a work order at the plant from its bill of materials; release
holds the components, issue takes them out of stock, completions put finished goods on hand
reserved for the line, and the line ships, invoices and closes — with the ledger equal to the
balances all along."""

from decimal import Decimal

import pytest
from django.db import connection

from billing.services import invoices_create_for_shipment
from core.exceptions import BusinessRuleError, InvalidTransition
from manufacturing.models import WorkOrder
from manufacturing.services import work_order_issue_materials, work_order_release
from orders.services import LineInput
from supply.flows.make import work_order_cancel, work_order_complete
from supply.flows.ship import shipment_confirm
from supply.models import SupplyOrder
from supply.services import (
    line_cancel,
    sales_order_submit,
    supply_order_create_document,
)
from tests.world import assert_pegging_holds, run_concurrently
from warehouse.models import InventoryBalance, InventoryTransaction
from warehouse.selectors import ledger_mismatches
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = pytest.mark.django_db


def made_to_order(world, quantity=2):
    world.make_setup()
    order = world.order(LineInput(world.desk, Decimal(quantity), ship_from=world.p1))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order = SupplyOrder.objects.get(demand_line__order=order)
    supply_order_create_document(supply_order_id=supply_order.pk)
    return order, WorkOrder.objects.get(demand_line__order=order)


def available(world, item):
    return InventoryBalance.objects.get(item=item, organization=world.p1).available


def test_a_make_line_gets_a_work_order_with_its_material_requirements(world):
    order, work_order = made_to_order(world, quantity=2)

    line = order.lines.get()
    assert (line.supply_type, line.status) == ("MAKE", "AWAITING_SUPPLY")
    assert (work_order.organization, work_order.quantity, work_order.status) == (
        world.p1,
        Decimal(2),
        "UNRELEASED",
    )
    requirements = {c.item.sku: c.quantity_required for c in work_order.components.all()}
    assert requirements == {"LEG": Decimal(8), "TOP": Decimal(2)}
    assert line.reservations.get(status="ACTIVE").supply_source == "WORK_ORDER"
    assert SupplyOrder.objects.get().status == "IN_PROCESS"


def test_release_holds_the_components_so_nobody_else_takes_them(world):
    _, work_order = made_to_order(world, quantity=2)

    work_order_release(work_order=work_order)

    assert (available(world, world.leg), available(world, world.top)) == (32, 8)
    with pytest.raises(BusinessRuleError, match="available"):
        world.stock(world.leg, -35, org=world.p1)  # only 32 are not held


def test_a_component_shortage_refuses_the_release_naming_each_short_component(world):
    _, work_order = made_to_order(world, quantity=2)
    world.stock(world.leg, -35, org=world.p1)  # 5 legs left, 8 needed
    world.stock(world.top, -9, org=world.p1)  # 1 top left, 2 needed

    with pytest.raises(BusinessRuleError) as refused:
        work_order_release(work_order=work_order)

    assert "LEG needs 8, 5 available" in refused.value.message
    assert "TOP needs 2, 1 available" in refused.value.message
    work_order.refresh_from_db()
    assert work_order.status == "UNRELEASED" and available(world, world.top) == 1


def test_the_whole_make_flow_ships_invoices_and_closes_the_order(world):
    order, work_order = made_to_order(world, quantity=2)
    work_order_release(work_order=work_order)
    work_order_issue_materials(work_order=work_order)
    on_hand_legs = InventoryBalance.objects.get(item=world.leg, organization=world.p1).on_hand
    assert on_hand_legs == 32

    work_order_complete(work_order=work_order, quantity=Decimal(1))
    line = order.lines.get()
    assert line.status == "AWAITING_SUPPLY"  # one of two made
    work_order_complete(work_order=work_order, quantity=Decimal(1))

    line.refresh_from_db()
    work_order.refresh_from_db()
    assert (line.status, work_order.status) == ("AWAITING_SHIPPING", "COMPLETED")
    assert SupplyOrder.objects.get().status == "FULFILLED"
    desks = InventoryBalance.objects.get(item=world.desk, organization=world.p1)
    assert (desks.on_hand, desks.reserved) == (2, 2)
    shipment = shipment_create(organization=world.p1, lines=[ShipLine(line)])
    for action in ("pick", "pack"):
        shipment_move(shipment=shipment, action=action)
    shipment_confirm(shipment=shipment)
    invoices_create_for_shipment(shipment_id=shipment.pk)
    order.refresh_from_db()
    work_order.refresh_from_db()
    assert (order.status, work_order.status) == ("CLOSED", "CLOSED")
    kinds = set(InventoryTransaction.objects.values_list("kind", flat=True))
    assert {"WIP_ISSUE", "WIP_COMPLETION", "SHIPMENT"} <= kinds
    assert ledger_mismatches() == []


def test_completing_more_than_ordered_or_before_issue_is_refused(world):
    _, work_order = made_to_order(world, quantity=2)
    work_order_release(work_order=work_order)

    with pytest.raises(InvalidTransition, match="issue its materials first"):
        work_order_complete(work_order=work_order, quantity=Decimal(1))
    work_order_issue_materials(work_order=work_order)
    with pytest.raises(BusinessRuleError, match="2 of 2 left to make: 3 is too many"):
        work_order_complete(work_order=work_order, quantity=Decimal(3))

    work_order.refresh_from_db()
    assert work_order.quantity_completed == 0
    assert not InventoryTransaction.objects.filter(kind="WIP_COMPLETION").exists()


def test_cancel_before_completion_returns_the_components_and_flags_the_supply(world):
    order, work_order = made_to_order(world, quantity=2)
    work_order_release(work_order=work_order)
    work_order_issue_materials(work_order=work_order)

    work_order_cancel(work_order=work_order, reason="machine down")

    work_order.refresh_from_db()
    assert work_order.status == "CANCELLED"
    assert (available(world, world.leg), available(world, world.top)) == (40, 10)
    supply_order = SupplyOrder.objects.get()
    assert supply_order.status == "EXCEPTION"
    assert supply_order.exception_reason == f"{work_order.number} cancelled: machine down"
    assert not order.lines.get().reservations.filter(status="ACTIVE").exists()
    assert ledger_mismatches() == []


def test_a_completed_work_order_cannot_be_cancelled(world):
    _, work_order = made_to_order(world, quantity=1)
    work_order_release(work_order=work_order)
    work_order_issue_materials(work_order=work_order)
    work_order_complete(work_order=work_order, quantity=Decimal(1))

    with pytest.raises(InvalidTransition, match="COMPLETED"):
        work_order_cancel(work_order=work_order, reason="too late")


@pytest.mark.django_db(transaction=True)
def test_two_completions_at_once_never_over_complete(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    _, work_order = made_to_order(world, quantity=2)
    work_order_release(work_order=work_order)
    work_order_issue_materials(work_order=work_order)

    errors = run_concurrently(
        lambda _: work_order_complete(work_order=work_order, quantity=Decimal("1.5")), [1, 2]
    )

    assert len(errors) == 1 and isinstance(errors[0], BusinessRuleError)
    work_order.refresh_from_db()
    assert work_order.quantity_completed == Decimal("1.5")
    assert InventoryTransaction.objects.filter(kind="WIP_COMPLETION").count() == 1
    assert ledger_mismatches() == []


def test_cancelling_the_line_takes_back_a_work_order_with_nothing_completed(world):
    order, work_order = made_to_order(world, quantity=2)
    work_order_release(work_order=work_order)

    line_cancel(line=order.lines.get(), reason="customer changed plans")

    work_order.refresh_from_db()
    assert work_order.status == "CANCELLED"
    assert (available(world, world.leg), available(world, world.top)) == (40, 10)
    assert SupplyOrder.objects.get().status == "CANCELLED"
    assert order.lines.get().status == "CANCELLED"


def test_cancelling_a_line_whose_work_order_has_completions_leaves_the_plant_free_stock(world):
    order, work_order = made_to_order(world, quantity=2)
    work_order_release(work_order=work_order)
    work_order_issue_materials(work_order=work_order)
    work_order_complete(work_order=work_order, quantity=Decimal(1))

    line_cancel(line=order.lines.get(), reason="too late")

    work_order.refresh_from_db()
    assert work_order.status == "IN_PROGRESS"  # the plant finishes it: the desks become stock
    assert available(world, world.desk) == 1
    work_order_complete(work_order=work_order, quantity=Decimal(1))
    assert available(world, world.desk) == 2
    assert order.lines.get().status == "CANCELLED"
    assert_pegging_holds()


@pytest.mark.django_db(transaction=True)
def test_a_completion_racing_a_cancel_never_does_both(world):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    _, work_order = made_to_order(world, quantity=2)
    work_order_release(work_order=work_order)
    work_order_issue_materials(work_order=work_order)

    def act(action):
        if action == "complete":
            work_order_complete(work_order=work_order, quantity=Decimal(2))
        else:
            work_order_cancel(work_order=work_order, reason="machine down")

    errors = run_concurrently(act, ["complete", "cancel"])

    assert len(errors) == 1 and isinstance(errors[0], InvalidTransition)
    work_order.refresh_from_db()
    completions = InventoryTransaction.objects.filter(kind="WIP_COMPLETION").count()
    assert (work_order.status, completions) in {("COMPLETED", 1), ("CANCELLED", 0)}
    assert ledger_mismatches() == []
