"""A supply document is linked to the same page wherever it is named: the supply order's
tracking lines read their page from the one map of document pages (core.documents), the map
the timelines, ledger and reservations use."""

import pytest

from core.documents import document_type_of, document_url
from supply.models import SupplyTrackingLine

pytestmark = pytest.mark.django_db


def tracking_line(line) -> SupplyTrackingLine:
    return SupplyTrackingLine.objects.filter(supply_order__demand_line=line).latest("sequence")


def test_each_supply_document_links_to_its_page(admin_client, world):
    world.make_setup()
    world.transfer_setup()
    requisition = world.supplied(world.laptop, 1)
    on_po = world.supplied(world.laptop, 2)
    po_line = world.on_po(on_po)
    made = world.supplied(world.desk, 1, ship_from=world.p1)
    moved = world.supplied(world.chair, 3)
    planner = admin_client  # may open every kind of document

    expected = {
        requisition: f"/procurement/requisitions/{tracking_line(requisition).document_number}/",
        on_po: f"/procurement/purchase-orders/{po_line.purchase_order.number}/",
        made: f"/manufacturing/work-orders/{tracking_line(made).document_number}/",
        moved: f"/warehouse/transfers/{tracking_line(moved).document_number}/",
    }
    for line, url in expected.items():
        tracked = tracking_line(line)
        assert tracked.document_url == url
        assert url == document_url(document_type_of(tracked.document), tracked.document_number)
        supply_order = tracked.supply_order.number
        page = planner.get(f"/supply/orders/{supply_order}/").content.decode()
        assert f'href="{url}"' in page
        assert planner.get(url).status_code == 200, url


def test_a_tracking_line_without_a_document_has_no_link(world):
    line = world.supplied(world.laptop, 1)
    tracked = tracking_line(line)
    unsaved = SupplyTrackingLine(supply_order=tracked.supply_order, quantity=1)

    assert unsaved.document_url == ""
