"""Production issues material in parts and scraps what is lost; cancelling after an issue gives
back what is still in production (scrap stays written off) and says so; a sales order line cut
or cancelled after release tells production, in the bell and on the work order page."""

from decimal import Decimal

import pytest

from core.models import Notification
from manufacturing.models import WorkOrder
from orders.services import LineInput
from supply.models import SupplyOrder
from supply.services import (
    line_cancel,
    line_change,
    sales_order_submit,
    supply_order_create_document,
)
from tests.world import assert_pegging_holds
from warehouse.models import InventoryBalance
from warehouse.selectors import ledger_mismatches

pytestmark = pytest.mark.django_db


def released(world, client, quantity=2) -> WorkOrder:
    """A desk order made at P1 (4 LEG + 1 TOP each), its work order released by production."""
    world.make_setup()
    order = world.order(LineInput(world.desk, Decimal(quantity), ship_from=world.p1))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order_create_document(supply_order_id=SupplyOrder.objects.get().pk)
    work_order = WorkOrder.objects.get()
    client.post(f"/manufacturing/work-orders/{work_order.number}/release/")
    work_order.refresh_from_db()
    assert work_order.status == "RELEASED"
    return work_order


def balance(world, item) -> InventoryBalance:
    return InventoryBalance.objects.get(item=item, organization=world.p1)


def component_fields(work_order) -> dict:
    return {
        c.item.sku: (c.quantity_issued, c.quantity_scrapped, c.quantity_returned)
        for c in work_order.components.select_related("item")
    }


def test_production_issues_part_of_the_material_then_the_rest(world, client_for):
    client = client_for("production")
    work_order = released(world, client)  # needs 8 LEG, 2 TOP; 40 LEG, 10 TOP on hand
    leg = work_order.components.get(item=world.leg)
    url = f"/manufacturing/work-orders/{work_order.number}/"

    answer = client.post(url + "issue/", {f"qty_{leg.pk}": "3"}, follow=True)

    assert "materials partly issued; still to issue: 5 LEG, 2 TOP" in answer.content.decode()
    work_order.refresh_from_db()
    assert work_order.status == "IN_PROGRESS"
    assert component_fields(work_order)["LEG"] == (3, 0, 0)
    assert (balance(world, world.leg).on_hand, balance(world, world.leg).reserved) == (37, 5)
    too_many = client.post(url + "issue/", {f"qty_{leg.pk}": "6"}, follow=True)
    assert "6 is more than the 5 still to issue" in too_many.content.decode()

    done = client.post(url + "issue/", follow=True)  # the rest, as the header button does

    assert "materials issued: report completions" in done.content.decode()
    assert component_fields(work_order) == {"LEG": (8, 0, 0), "TOP": (2, 0, 0)}
    assert (balance(world, world.leg).on_hand, balance(world, world.leg).reserved) == (32, 0)
    assert ledger_mismatches() == []


def test_scrap_is_written_off_replaced_from_free_stock_and_not_returned_on_cancel(
    world, client_for
):
    client = client_for("production")
    work_order = released(world, client)
    url = f"/api/v1/work-orders/{work_order.number}"
    client.post(url + "/issue-materials", content_type="application/json")

    no_reason = client.post(
        url + "/scrap",
        {"components": [{"item": "LEG", "quantity": "1"}], "reason": ""},
        content_type="application/json",
    )
    over = client.post(
        url + "/scrap",
        {"components": [{"item": "LEG", "quantity": "9"}], "reason": "bent"},
        content_type="application/json",
    )
    scrapped = client.post(
        url + "/scrap",
        {"components": [{"item": "LEG", "quantity": "2"}], "reason": "bent"},
        content_type="application/json",
    )

    assert no_reason.status_code == 422
    assert over.status_code == 422 and over.json()["errors"][0]["field"] == "components.LEG"
    assert scrapped.status_code == 200
    leg = next(c for c in scrapped.json()["components"] if c["item"] == "LEG")
    assert (leg["quantity_scrapped"], leg["quantity_to_issue"]) == ("2.000", "2.000")
    replaced = client.post(
        url + "/issue-materials",
        {"components": [{"item": "LEG", "quantity": "2"}]},
        content_type="application/json",
    )
    assert replaced.status_code == 200
    assert balance(world, world.leg).on_hand == 30  # 40 − 8 − 2 replacements

    page = client.post(
        f"/manufacturing/work-orders/{work_order.number}/cancel/",
        {"reason": "line stopped"},
        follow=True,
    ).content.decode()

    # 10 LEG issued, 2 scrapped: 8 come back; both TOP come back.
    assert "cancelled: 8 LEG, 2 TOP went back to stock at P1" in page
    assert component_fields(work_order) == {"LEG": (10, 2, 8), "TOP": (2, 0, 2)}
    assert balance(world, world.leg).on_hand == 38 and balance(world, world.top).on_hand == 10
    assert ledger_mismatches() == []
    assert_pegging_holds()


def test_a_cancel_before_any_issue_says_the_held_components_are_free(world, client_for):
    client = client_for("production")
    work_order = released(world, client)

    page = client.post(
        f"/manufacturing/work-orders/{work_order.number}/cancel/",
        {"reason": "machine down"},
        follow=True,
    ).content.decode()

    assert "cancelled: its held components are free again" in page
    assert balance(world, world.leg).available == 40


def test_a_demand_cut_after_release_tells_production(world, client_for, role_users):
    client = client_for("production")
    work_order = released(world, client, quantity=3)
    line = work_order.demand_line

    line_change(line=line, quantity=Decimal(2), acting_user=world.csr, reason="customer")
    line_change(line=line, quantity=Decimal(1), acting_user=world.csr, reason="customer")

    work_order.refresh_from_db()
    assert (work_order.status, work_order.quantity, work_order.quantity_for_demand) == (
        "RELEASED",
        3,
        1,
    )
    (first, second) = Notification.objects.filter(
        user=role_users["production"], kind="work_order_demand_cut"
    ).order_by("id")
    assert "now needs 2 of 3" in first.message and "now needs 1 of 3" in second.message
    assert second.url == f"/manufacturing/work-orders/{work_order.number}/"
    page = client.get(second.url).content.decode()
    assert 'data-testid="demand-cut"' in page
    assert "it now needs <strong>1</strong> of the 3" in page
    assert "the rest (2) goes to free stock at P1" in page
    worklist = client.get("/manufacturing/work-orders/").content.decode()
    assert f'data-testid="demand-cut-{work_order.number}"' in worklist
    assert_pegging_holds()


def test_a_demand_cancelled_after_an_issue_cancels_the_work_order_and_tells_production(
    world, client_for, role_users
):
    client = client_for("production")
    work_order = released(world, client)
    client.post(f"/manufacturing/work-orders/{work_order.number}/issue/")

    line_cancel(line=work_order.demand_line, reason="customer cancelled", acting_user=world.csr)

    work_order.refresh_from_db()
    assert work_order.status == "CANCELLED"
    assert component_fields(work_order) == {"LEG": (8, 0, 8), "TOP": (2, 0, 2)}
    (told,) = Notification.objects.filter(user=role_users["production"])
    assert told.kind == "work_order_demand_cut" and "cancelled after release" in told.message
    assert balance(world, world.leg).on_hand == 40
    assert ledger_mismatches() == []


def test_after_a_partial_issue_the_pick_list_shows_what_is_still_to_pick(world, client_for):
    client = client_for("production")
    work_order = released(world, client)
    leg = work_order.components.get(item=world.leg)
    client.post(f"/manufacturing/work-orders/{work_order.number}/issue/", {f"qty_{leg.pk}": "3"})

    sheet = client.get(f"/manufacturing/work-orders/{work_order.number}/pick-list/")

    assert "5 EA <small>(of 8; 3 issued)</small>" in sheet.content.decode()
