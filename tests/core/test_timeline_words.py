"""Timelines read as sentences: field names by their verbose names, states by their labels,
dates as 8 Dec 2026 and quantities without trailing zeros — never raw field or enum names."""

import datetime
import re
from decimal import Decimal

import pytest

from core.formatting import change_in_words
from core.models import TransitionLog


def entry(document_type, field, from_value, to_value):
    return TransitionLog(
        document_type=document_type, field=field, from_value=from_value, to_value=to_value
    )


@pytest.mark.parametrize(
    ("document_type", "field", "from_value", "to_value", "sentence"),
    [
        (
            "procurement.purchaseorder",
            "status",
            "OPEN",
            "PENDING_APPROVAL",
            "Status: Open → Pending approval",
        ),
        ("procurement.purchaseorder", "status", "", "DRAFT", "Created as Draft"),
        (
            "procurement.purchaseorderline",
            "promised_date",
            "",
            "2026-12-08",
            "Promised date set to 8 Dec 2026",
        ),
        (
            "orders.fulfillmentline",
            "promised_ship_date",
            "2026-12-03",
            "2027-01-12",
            "Promised ship date changed from 3 Dec 2026 to 12 Jan 2027",
        ),
        ("orders.fulfillmentline", "quantity", "10.000", "8", "Quantity changed from 10 to 8"),
        (
            "orders.fulfillmentline",
            "status",
            "AWAITING_SUPPLY",
            "AWAITING_SHIPPING",
            "Status: Awaiting supply → Awaiting shipping",
        ),
        (
            "procurement.purchaseorderline",
            "quantity_received",
            "0.000",
            "12.500",
            "Quantity received changed from 0 to 12.5",
        ),
        (
            "procurement.purchaseorder",
            "acknowledgment",
            "PENDING",
            "ACCEPTED",
            "Acknowledgment: Pending → Accepted",
        ),
        (
            "supply.supplyorder",
            "source",
            "BUY S-CONTOSO – Contoso",
            "TRANSFER W2 – Warehouse W2",
            "Source changed from Buy S-CONTOSO – Contoso to Transfer W2 – Warehouse W2",
        ),
        ("supply.supplyorder", "documents", "", "REQ-000007", "Supply document added: REQ-000007"),
        (
            "warehouse.shipment",
            "line",
            "",
            "2 of SO-000015/1",
            "Shipment line added: 2 of SO-000015/1",
        ),
        (
            "orders.fulfillmentline",
            "pegged",
            "4.000",
            "3.000",
            "Quantity still to come from supply changed from 4 to 3",
        ),
        (
            "procurement.purchaseorder",
            "communicated",
            "",
            "revision 1",
            "Sent to the supplier: revision 1",
        ),
        # a document of an app that is gone, a field the model never had: still words
        ("nowhere.thing", "due_soon", "", "NOT_YET", "Due soon set to Not yet"),
    ],
)
def test_a_change_reads_as_a_sentence(document_type, field, from_value, to_value, sentence):
    assert change_in_words(entry(document_type, field, from_value, to_value)) == sentence


@pytest.mark.django_db
def test_the_order_page_timeline_has_no_raw_field_or_status_names(world, client, settings):
    """A line bought on a PO that waits for approval, then promised by the supplier: its
    timeline on the order page speaks in words."""
    from procurement.services import purchase_order_approve
    from supply.flows.buy import purchase_order_acknowledge
    from tests.factories import UserFactory

    settings.PO_APPROVAL_THRESHOLD = Decimal("1")
    line = world.supplied(world.laptop, 10)
    po_line = world.on_po(line, communicated=False)
    po = po_line.purchase_order
    assert po.status == "PENDING_APPROVAL"
    purchase_order_approve(po=po, acting_user=UserFactory(roles=["procurement_manager"]))
    promised = datetime.date(2026, 12, 8)
    purchase_order_acknowledge(po=po, accepted=True, promised_dates={1: promised})

    client.force_login(world.csr)
    page = client.get(f"/orders/{line.order.number}/").content.decode()
    timeline = rendered_timeline(page, '<h2 class="h6">Timeline</h2>')
    assert "Status: Draft → Scheduled" in timeline
    assert "Status: Open → Ordered" in timeline
    assert "Promised date set to 8 Dec 2026" in timeline
    assert_in_words(timeline)

    page = client.get(f"/procurement/purchase-orders/{po.number}/").content.decode()
    timeline = rendered_timeline(page, '<ol class="list-unstyled small mb-0 timeline">')
    assert "Status: Draft → Pending approval" in timeline
    assert "Status: Pending approval → Open" in timeline
    assert "Acknowledgment: Pending → Accepted" in timeline
    assert_in_words(timeline)


def rendered_timeline(page: str, start: str) -> str:
    timeline = page[page.index(start) :]
    return re.sub(r"<[^>]+>", "", timeline[: timeline.index("</ol>")])


def assert_in_words(timeline: str) -> None:
    for raw in ("promised_date", "PENDING_APPROVAL", "AWAITING_SUPPLY", "_ship_date", ".000"):
        assert raw not in timeline, raw
    assert not re.search(r"\b[A-Z]{3,}_[A-Z_]+\b", timeline)
