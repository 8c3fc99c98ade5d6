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
from supply.services import (
    SourceChoice,
    line_choose_source,
    sales_order_submit,
    supply_orders_create_documents,
)
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

    outcome = line_choose_source(
        line=line,
        choice=SourceChoice(
            type="BUY", supplier="S-FABRIKAM", unit_price=Decimal("12.50"), lead_time_days=4
        ),
    )

    line.refresh_from_db()
    requisition = RequisitionLine.objects.get(demand_line=line)
    assert outcome == f"supplied by {requisition.number}"
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

    outcome = line_choose_source(line=line, choice=None)
    supply_orders_create_documents()

    line.refresh_from_db()
    assert outcome == "promised again: scheduled (4)"
    assert line.status == "AWAITING_SUPPLY"
    assert TransferOrder.objects.get().lines.get().quantity == 4
    assert_pegging_holds()


def test_re_promising_takes_the_part_a_short_transfer_source_has(manager, world):
    world.transfer_setup()
    world.stock(world.chair, -10, org=world.w2)
    line = backordered(world, world.chair, 50)
    world.stock(world.chair, 38, org=world.w2)

    response = manager.post(f"/supply/lines/{line.order.number}/1/source/", {})

    assert response.status_code == 302
    first, rest = line.order.lines.order_by("line_number")
    assert (first.quantity, first.status, rest.quantity, rest.status) == (
        Decimal(38),
        "SCHEDULED",
        Decimal(12),
        "BACKORDERED",
    )
    followed = manager.get(response["Location"])
    assert "promised again: scheduled (38); line 2 split off: backordered (12)" in " ".join(
        str(m) for m in followed.context["messages"]
    )
    assert_pegging_holds()


def test_only_a_backordered_line_is_sourced_this_way(world):
    order = world.order((world.laptop, 2))
    sales_order_submit(order=order, acting_user=world.csr)

    with pytest.raises(InvalidTransition, match="only a backordered line"):
        line_choose_source(line=order.lines.get(), choice=None)


# --- screens and API ------------------------------------------------------------------------


def rejected(world, settings):
    """A laptop line whose only supplier rejected its PO: backordered, its exception open."""
    from supply.flows.buy import purchase_order_acknowledge

    settings.PO_APPROVAL_THRESHOLD = Decimal("100000")
    line = world.supplied(world.laptop, 4)
    po = world.on_po(line).purchase_order
    purchase_order_acknowledge(po=po, accepted=False, promised_dates={})
    line.refresh_from_db()
    assert line.status == "BACKORDERED"
    return line, po


def test_the_workbench_backorders_offer_choose_source_and_re_promise(manager, client_for, world):
    line = backordered(world, ItemFactory(sku="BOLT-NORULE"))
    page = manager.get("/supply/").content.decode()
    order = line.order.number

    assert f'href="/supply/lines/{order}/1/source/"' in page
    assert f'action="/supply/lines/{order}/1/source/"' in page
    pegging = manager.get(f"/supply/lines/{order}/1/").content.decode()
    assert f'href="/supply/lines/{order}/1/source/"' in pegging
    # The CSR reads the same workbench, the backorder listed, without the actions.
    csr_page = client_for("customer_service").get("/supply/")
    assert csr_page.status_code == 200
    csr_text = csr_page.content.decode()
    assert f"{order}" in csr_text
    assert f"/supply/lines/{order}/1/source/" not in csr_text


def test_the_source_page_offers_every_supplier_and_warehouse_marking_the_one_that_rejected(
    manager, world, settings
):
    line, po = rejected(world, settings)
    OrganizationFactory(code="W2")
    world.stock(world.laptop, 10, org=OrganizationFactory(code="W3"))
    SupplierFactory(number="S-FABRIKAM")

    response = manager.get(f"/supply/lines/{line.order.number}/1/source/")

    text = " ".join(response.content.decode().split())
    assert "Choose a source for the 4 the line lacks" in text
    assert f"rejected this demand on {po.number}" in text
    others = response.context["others"]
    assert [(o.type, o.name) for o in others] == [("BUY", "S-CONTOSO"), ("TRANSFER", "W3")]
    assert others[0].rejected_on == po.number
    assert (others[0].unit_price, others[0].lead_time_days) == (Decimal("900"), 5)
    assert 'value="S-FABRIKAM"' in text  # any supplier, in the free row


def test_the_manager_buys_a_backorder_from_another_supplier_on_the_page(manager, world, settings):
    line, _ = rejected(world, settings)
    SupplierFactory(number="S-FABRIKAM")
    url = f"/supply/lines/{line.order.number}/1/source/"

    response = manager.post(
        url, {"type": "BUY", "supplier": "S-FABRIKAM", "unit_price": "950", "lead_time_days": "6"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/supply/lines/{line.order.number}/1/"
    line.refresh_from_db()
    assert line.status == "AWAITING_SUPPLY"
    supply_order = line.supply_orders.get(status="IN_PROCESS")
    assert supply_order.supplier.number == "S-FABRIKAM"
    assert not supply_order.exceptions.filter(resolved_at__isnull=True).exists()
    assert_pegging_holds()


def test_bad_input_on_the_source_page_says_what_to_fix(manager, world):
    line = backordered(world, ItemFactory(sku="BOLT-NORULE"))
    url = f"/supply/lines/{line.order.number}/1/source/"

    bad = manager.post(url, {"type": "BUY", "supplier": "S-CONTOSO", "lead_time_days": "-1"})
    unknown = manager.post(url, {"type": "BUY", "supplier": "S-NOBODY", "unit_price": "1"})
    nothing = manager.post(url, {})

    assert bad.status_code == 422
    assert "Lead time (days)" in bad.content.decode()
    assert unknown.status_code == 422
    assert "Choose a supplier from the list" in " ".join(
        str(m) for m in unknown.context["messages"]
    )
    assert nothing.status_code == 409
    line.refresh_from_db()
    assert line.status == "BACKORDERED"


def test_only_the_orchestration_manager_sources_a_backorder(client_for, world):
    line = backordered(world, ItemFactory(sku="BOLT-NORULE"))
    url = f"/supply/lines/{line.order.number}/1/source/"
    assert client_for("customer_service").get(url).status_code == 403
    assert client_for("buyer").post(url, {}).status_code == 403


def test_the_api_sources_a_backordered_line(client_for, world):
    w2 = OrganizationFactory(code="W2", receiving_days=0)
    bolt = ItemFactory(sku="BOLT-NORULE")
    world.stock(bolt, 8, org=w2)
    line = backordered(world, bolt, 5)
    url = f"/api/v1/sales-orders/{line.order.number}/lines/1/source"
    manager = client_for("orchestration_manager")

    refused = manager.post(url, {}, content_type="application/json")
    bad = manager.post(
        url,
        {"source": {"type": "TRANSFER", "source_organization": "W2", "lead_time_days": 400}},
        content_type="application/json",
    )
    done = manager.post(
        url,
        {"source": {"type": "TRANSFER", "source_organization": "W2", "lead_time_days": 2}},
        content_type="application/json",
    )

    assert refused.status_code == 409 and refused.json()["code"] == "conflict"
    assert bad.status_code == 422
    assert done.status_code == 200, done.json()
    (out,) = done.json()["lines"]
    assert (out["status"], out["supply"]["documents"][0]["type"]) == (
        "AWAITING_SUPPLY",
        "TRANSFER_ORDER",
    )
    assert_pegging_holds()


def test_a_supply_order_in_exception_takes_any_supplier_with_price_and_lead_time(
    manager, world, settings
):
    line, po = rejected(world, settings)
    supply_order = line.supply_orders.get()
    SupplierFactory(number="S-FABRIKAM")

    page = " ".join(manager.get(f"/supply/orders/{supply_order.number}/").content.decode().split())
    screen = manager.post(
        f"/supply/orders/{supply_order.number}/source/",
        {"type": "BUY", "supplier": "S-FABRIKAM", "unit_price": "880", "lead_time_days": "3"},
    )

    assert f"rejected this demand on {po.number}" in page
    assert 'data-testid="other-sources"' in page
    assert screen.status_code == 302
    supply_order.refresh_from_db()
    assert (supply_order.status, supply_order.supplier.number, supply_order.unit_price) == (
        "IN_PROCESS",
        "S-FABRIKAM",
        Decimal("880"),
    )
    assert_pegging_holds()


def test_the_api_alternative_source_takes_a_price_and_lead_time(client_for, world, settings):
    line, _ = rejected(world, settings)
    supply_order = line.supply_orders.get()
    SupplierFactory(number="S-FABRIKAM")
    url = f"/api/v1/supply-orders/{supply_order.number}/alternative-source"
    manager = client_for("orchestration_manager")

    no_rule = manager.post(
        url, {"type": "BUY", "supplier": "S-FABRIKAM"}, content_type="application/json"
    )
    done = manager.post(
        url,
        {"type": "BUY", "supplier": "S-FABRIKAM", "unit_price": "880", "lead_time_days": 3},
        content_type="application/json",
    )

    assert no_rule.status_code == 409  # not a rule's candidate, and no price or lead time
    assert done.status_code == 200, done.json()
    assert (done.json()["status"], done.json()["supplier"]) == ("IN_PROCESS", "S-FABRIKAM")


def test_the_source_page_runs_the_same_queries_for_1_or_7_other_sources(manager, world):
    from tests.factories import BuyRuleFactory
    from tests.world import page_queries

    bolt = ItemFactory(sku="BOLT")
    w2 = OrganizationFactory(code="W2")
    BuyRuleFactory(item=bolt, organization=w2, supplier=SupplierFactory(number="S-1"))
    line = backordered(world, bolt)
    url = f"/supply/lines/{line.order.number}/1/source/"
    few = page_queries(manager, url)
    for n in range(2, 5):
        BuyRuleFactory(item=bolt, organization=w2, supplier=SupplierFactory(number=f"S-{n}"))
        world.stock(bolt, 2, org=OrganizationFactory(code=f"W{n + 1}"))
    assert len(manager.get(url).context["others"]) == 7
    assert page_queries(manager, url) == few


# --- re-promising supply in exception ---------------------------------------------------------


def test_re_promising_after_a_rejection_takes_the_stock_that_came_in(manager, world, settings):
    line, _ = rejected(world, settings)
    world.stock(world.laptop, 10)

    response = manager.post(f"/supply/lines/{line.order.number}/1/source/", {})

    assert response.status_code == 302
    line.refresh_from_db()
    assert line.status == "AWAITING_SHIPPING"
    assert RequisitionLine.objects.filter(demand_line=line).count() == 1  # no new request
    assert line.reservations.get(status="ACTIVE").quantity == 4
    supply_order = line.supply_orders.get()
    assert supply_order.status == "CANCELLED"
    assert not supply_order.exceptions.filter(resolved_at__isnull=True).exists()
    followed = manager.get(response["Location"])
    assert "4 reserved on hand at W1" in " ".join(str(m) for m in followed.context["messages"])
    assert_pegging_holds()


def test_re_promising_after_a_rejection_never_goes_back_to_that_supplier(world, settings):
    from tests.factories import BuyRuleFactory

    line, _ = rejected(world, settings)
    fabrikam = SupplierFactory(number="S-FABRIKAM")
    BuyRuleFactory(item=world.laptop, organization=world.w1, supplier=fabrikam, rank=2)

    outcome = line_choose_source(line=line, choice=None)

    requisition = RequisitionLine.objects.filter(demand_line=line).latest("id")
    assert outcome == f"supplied by {requisition.number}"
    assert requisition.supplier == fabrikam
    assert_pegging_holds()


def test_re_promising_with_only_the_rejecting_supplier_is_refused(world, settings):
    line, _ = rejected(world, settings)

    with pytest.raises(Conflict, match="No source can supply"):
        line_choose_source(line=line, choice=None)

    assert RequisitionLine.objects.filter(demand_line=line).count() == 1
    line.refresh_from_db()
    assert line.status == "BACKORDERED"


def test_the_api_names_each_wrong_field_by_its_path_in_the_request(client_for, world):
    line = backordered(world, ItemFactory(sku="BOLT-NORULE"))
    url = f"/api/v1/sales-orders/{line.order.number}/lines/1/source"
    manager = client_for("orchestration_manager")

    bad = manager.post(
        url,
        {"source": {"type": "BUY", "supplier": "S-NOBODY", "lead_time_days": 0}},
        content_type="application/json",
    )
    no_supplier = manager.post(url, {"source": {"type": "BUY"}}, content_type="application/json")

    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"source.supplier", "source.unit_price"}
    assert no_supplier.status_code == 422
    assert [e["field"] for e in no_supplier.json()["errors"]] == ["source.supplier"]


def test_a_price_that_makes_the_amount_too_large_is_refused(client_for, world):
    SupplierFactory(number="S-FABRIKAM")
    line = backordered(world, ItemFactory(sku="BOLT-NORULE"), 500)
    url = f"/api/v1/sales-orders/{line.order.number}/lines/1/source"
    source = {"type": "BUY", "supplier": "S-FABRIKAM", "lead_time_days": 3}

    # 500 at 99,999,999,999 each: an amount past the largest the system keeps.
    refused = client_for("orchestration_manager").post(
        url, {"source": source | {"unit_price": "99999999999"}}, content_type="application/json"
    )

    assert refused.status_code == 422, refused.json()
    (error,) = refused.json()["errors"]
    assert error["field"] == "source.unit_price"
    assert "must be at most" in error["message"]
    line.refresh_from_db()
    assert line.status == "BACKORDERED"
    assert not RequisitionLine.objects.exists()


def test_a_manual_make_elsewhere_than_the_ship_from_is_refused(world):
    world.make_setup()
    line = backordered(world, ItemFactory(sku="BOLT-NORULE"))

    with pytest.raises(FieldErrors) as refused:
        line_choose_source(
            line=line,
            choice=SourceChoice(type="MAKE", source_organization="P1", lead_time_days=2),
        )

    ((field, message),) = refused.value.errors
    assert field == "source_organization"
    assert "made where it ships from (W1)" in message


def test_re_promising_names_only_the_lines_it_splits_off_now(world):
    from supply.services import line_change

    world.transfer_setup()
    world.stock(world.chair, 28, org=world.w2)  # W2 holds 38 of the 50 ordered
    order = world.order((world.chair, 50))
    sales_order_submit(order=order, acting_user=world.csr)
    first = order.lines.get(line_number=1)
    assert (first.quantity, order.lines.get(line_number=2).quantity) == (38, 12)  # split earlier
    w3 = OrganizationFactory(code="W3")
    line_change(line=first, ship_from=w3, reason="customer collects at W3")  # nothing there
    first.refresh_from_db()
    assert first.status == "BACKORDERED"
    world.stock(world.chair, 20, org=w3)

    outcome = line_choose_source(line=first, choice=None)

    assert outcome == ("promised again: awaiting shipping (20); line 3 split off: backordered (18)")
    assert_pegging_holds()


def test_the_source_page_shows_what_a_warehouse_can_still_transfer(manager, world):
    world.transfer_setup()  # W2 holds 10 CHAIR, W1 transfers from it
    promised = world.order((world.chair, 6))
    sales_order_submit(order=promised, acting_user=world.csr)  # its transfer still to create
    w3 = OrganizationFactory(code="W3")
    line = backordered(world, world.chair, 5, ship_from=w3)

    response = manager.get(f"/supply/lines/{line.order.number}/1/source/")

    (w2,) = [o for o in response.context["others"] if o.type == "TRANSFER"]
    assert (w2.name, w2.available) == ("W2", Decimal(4))


def test_the_source_page_offers_each_supplier_at_its_latest_price(manager, world):
    SupplierFactory(number="S-FABRIKAM")
    bolt = ItemFactory(sku="BOLT-NORULE")
    for price in ("10", "12"):
        earlier = backordered(world, bolt)
        line_choose_source(
            line=earlier,
            choice=SourceChoice(
                type="BUY", supplier="S-FABRIKAM", unit_price=Decimal(price), lead_time_days=3
            ),
        )
    line = backordered(world, bolt)

    response = manager.get(f"/supply/lines/{line.order.number}/1/source/")

    (fabrikam,) = response.context["others"]
    assert (fabrikam.name, fabrikam.unit_price) == ("S-FABRIKAM", Decimal("12"))
