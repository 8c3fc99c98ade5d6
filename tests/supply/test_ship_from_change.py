"""Customer service changes a submitted line's ship-from: what the old organization holds or
brings for it is given back and the line is promised again at the new one — stock there first,
then its rules, else backordered — with a new promise, not jeopardy. A document that can no
longer be taken back (a transfer in transit) refuses the change."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.exceptions import Conflict
from procurement.models import RequisitionLine
from supply.models import SupplyOrder
from supply.services import (
    line_change,
    sales_order_submit,
    supply_order_create_document,
    supply_orders_create_documents,
)
from tests.factories import BuyRuleFactory, OrganizationFactory
from tests.world import assert_pegging_holds
from warehouse.models import InventoryBalance, Reservation, TransferOrder
from warehouse.transfers import transfer_order_ship

pytestmark = pytest.mark.django_db


@pytest.fixture
def w3(world):
    return OrganizationFactory(code="W3", receiving_days=0)


def balance(item, org):
    return InventoryBalance.objects.get(item=item, organization=org)


def test_a_backordered_line_ships_from_a_warehouse_that_has_it(world, w3):
    world.stock(world.laptop, 5, org=w3)
    world.rule.delete()  # nothing supplies W1: the line is backordered there
    order = world.order((world.laptop, 3))
    sales_order_submit(order=order, acting_user=world.csr)
    line = order.lines.get()
    assert line.status == "BACKORDERED"

    line_change(line=line, ship_from=w3, reason="customer collects at W3", acting_user=world.csr)

    line.refresh_from_db()
    assert (line.ship_from, line.status, line.supply_type) == (w3, "AWAITING_SHIPPING", "ON_HAND")
    assert line.promised_ship_date == timezone.localdate() and line.jeopardy_days == 0
    assert balance(world.laptop, w3).reserved == 3
    decision = line.decisions.first()
    assert (decision.outcome, decision.organization) == ("ON_HAND", w3)
    assert order.lines.count() == 1
    assert_pegging_holds()


def test_supply_at_the_old_organization_is_taken_back_and_the_new_one_sources_it(world, w3):
    BuyRuleFactory(item=world.laptop, organization=w3, supplier=world.contoso, lead_time_days=10)
    line = world.supplied(world.laptop, 2)
    old_requisition = RequisitionLine.objects.get(demand_line=line)

    line_change(line=line, ship_from=w3, acting_user=world.csr)
    supply_orders_create_documents()

    line.refresh_from_db()
    old_requisition.refresh_from_db()
    assert old_requisition.status == "CANCELLED"
    old, new = SupplyOrder.objects.filter(demand_line=line).order_by("id")
    assert (old.status, new.status) == ("CANCELLED", "IN_PROCESS")
    assert RequisitionLine.objects.get(demand_line=line, status="OPEN").need_by_date >= (
        timezone.localdate() + datetime.timedelta(days=10)
    )
    assert (line.ship_from, line.status) == (w3, "AWAITING_SUPPLY")
    # promised again at W3's date: a new promise, not a slip of the old one
    assert line.promised_ship_date == line.scheduled_ship_date and line.jeopardy_days == 0
    assert_pegging_holds()


def test_stock_reserved_at_the_old_organization_is_freed(world, w3):
    world.stock(world.laptop, 4)
    order = world.order((world.laptop, 4))
    sales_order_submit(order=order, acting_user=world.csr)
    line = order.lines.get()

    line_change(line=line, ship_from=w3, acting_user=world.csr)

    line.refresh_from_db()
    assert balance(world.laptop, world.w1).reserved == 0
    assert line.status == "BACKORDERED"  # no stock and no rule at W3
    assert "no sourcing rule applies to LAPTOP-15 at W3" in line.decisions.first().reason
    assert not Reservation.objects.filter(demand_line=line, status="ACTIVE").exists()
    assert_pegging_holds()


def test_a_transfer_in_transit_refuses_the_change_and_nothing_changes(world, w3):
    world.transfer_setup()
    line = world.supplied(world.chair, 2)
    transfer_order_ship(transfer_order=TransferOrder.objects.get())

    with pytest.raises(Conflict, match="can no longer be taken back"):
        line_change(line=line, ship_from=w3, acting_user=world.csr)

    line.refresh_from_db()
    assert (line.ship_from, line.status) == (world.w1, "AWAITING_SUPPLY")
    assert_pegging_holds()


# --- the order page and the API ----------------------------------------------------------------


def test_the_order_page_changes_the_ship_from(client_for, world, w3):
    world.stock(world.laptop, 5, org=w3)
    order = world.order((world.laptop, 2))
    sales_order_submit(order=order, acting_user=world.csr)
    for supply_order in SupplyOrder.objects.all():
        supply_order_create_document(supply_order_id=supply_order.pk)
    csr = client_for("customer_service")

    page = csr.get(f"/orders/{order.number}/").content.decode()
    response = csr.post(
        f"/orders/{order.number}/lines/1/change/",
        {"quantity": "2", "requested_ship_date": "", "ship_from": "W3", "reason": "nearer"},
    )
    unknown = csr.post(f"/orders/{order.number}/lines/1/change/", {"ship_from": "NOPE"})

    assert 'name="ship_from"' in page and '<option value="W3">' in page
    assert response.status_code == 302
    line = order.lines.get()
    assert (line.ship_from, line.status) == (w3, "AWAITING_SHIPPING")
    assert unknown.status_code == 302
    followed = csr.get(f"/orders/{order.number}/")
    assert "Choose a ship-from organization from the list" in " ".join(
        str(m) for m in followed.context["messages"]
    )


def test_the_api_patches_the_ship_from(client_for, world, w3):
    world.stock(world.laptop, 5, org=w3)
    order = world.order((world.laptop, 2))
    sales_order_submit(order=order, acting_user=world.csr)
    csr = client_for("customer_service")
    url = f"/api/v1/sales-orders/{order.number}/lines/1"

    unknown = csr.patch(url, {"ship_from": "NOPE"}, content_type="application/json")
    done = csr.patch(url, {"ship_from": "w3"}, content_type="application/json")  # any case

    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "ship_from"
    assert done.status_code == 200
    (out,) = done.json()["lines"]
    assert (out["ship_from"], out["status"]) == ("W3", "AWAITING_SHIPPING")
    assert Decimal(out["quantity_reserved"]) == 2


def test_a_move_that_ends_backordered_keeps_no_date_of_the_old_promise(world, w3, settings):
    from supply.flows.buy import purchase_order_acknowledge

    settings.PO_APPROVAL_THRESHOLD = Decimal("1e9")
    line = world.supplied(world.laptop, 2)
    po = world.on_po(line).purchase_order
    late = timezone.localdate() + datetime.timedelta(days=30)
    purchase_order_acknowledge(po=po, accepted=True, promised_dates={1: late})
    line.refresh_from_db()
    assert line.jeopardy_days > 0 and line.scheduled_ship_date is not None

    line_change(line=line, ship_from=w3, reason="customer moved", acting_user=world.csr)

    line.refresh_from_db()
    assert (line.ship_from, line.status) == (w3, "BACKORDERED")  # nothing supplies W3
    assert (line.scheduled_ship_date, line.jeopardy_days, line.jeopardy_reason) == (None, 0, "")
    assert line.promised_ship_date is None
    assert_pegging_holds()
