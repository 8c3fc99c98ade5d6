"""A customer with a contact email gets the order acknowledgment with promised dates, the ship
notice with carrier and tracking, and the invoice as a PDF — each once, through the outbox; a
customer without one gets nothing."""

from decimal import Decimal

import pytest

from core.models import OutboxMessage
from core.outbox import outbox_relay
from supply.flows.receive import receipt_create
from supply.flows.ship import shipment_confirm
from supply.services import sales_order_submit
from warehouse.services import ReceiveLine
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_po_approval_needed")]


def relay_all():
    while outbox_relay():
        pass


def to_customer(mailoutbox):
    return [m for m in mailoutbox if m.to == ["buying@acme.example"]]


def test_acknowledgment_ship_notice_and_invoice_reach_the_customer_contact(world, mailoutbox):
    world.customer.email = "buying@acme.example"
    world.customer.save()
    world.stock(world.laptop, 1)
    order = world.order((world.laptop, 3), external_reference="ACME-77")
    sales_order_submit(order=order, acting_user=world.csr)
    relay_all()

    (acknowledgment,) = to_customer(mailoutbox)
    assert acknowledgment.subject == f"Order {order.number} received (your PO ACME-77)"
    first, second = order.lines.order_by("line_number")
    assert (
        f"1. LAPTOP-15 Item LAPTOP-15 x 1 — ships {first.promised_ship_date}" in acknowledgment.body
    )
    assert (
        f"2. LAPTOP-15 Item LAPTOP-15 x 2 — ships {second.promised_ship_date}"
        in acknowledgment.body
    )

    shipment = shipment_create(organization=world.w1, lines=[ShipLine(first)])
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")
    shipment_confirm(shipment=shipment, carrier="DHL", tracking_number="JD0142")
    relay_all()

    notice, invoice = to_customer(mailoutbox)[1:]
    assert notice.subject == f"Shipment {shipment.number} is on its way"
    assert "with DHL, tracking number JD0142" in notice.body
    assert f"{order.number} (your PO ACME-77) line 1: LAPTOP-15 x 1" in notice.body
    assert invoice.subject.startswith("Invoice INV-")
    (name, content, mimetype) = invoice.attachments[0]
    assert name.endswith(".pdf") and mimetype == "application/pdf" and content.startswith(b"%PDF")
    assert "1,200.00 USD" in invoice.body or "1200.00 USD" in invoice.body
    relay_all()
    assert len(to_customer(mailoutbox)) == 3  # each once


def test_a_customer_without_an_email_gets_nothing(world, mailoutbox):
    world.stock(world.laptop, 1)
    order = world.order((world.laptop, 1))
    sales_order_submit(order=order, acting_user=world.csr)
    line = world.supplied(world.laptop, 1)
    po_line = world.on_po(line)
    receipt_create(purchase_order=po_line.purchase_order, lines=[ReceiveLine(1, Decimal(1))])

    assert not OutboxMessage.objects.filter(topic="notifications.customer_email").exists()


def test_the_import_takes_a_customer_email_and_checks_it(world, tmp_path):
    import json

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from catalog.models import Customer

    good = tmp_path / "good.json"
    good.write_text(
        json.dumps(
            {
                "customers": [
                    {"number": "C-NEW", "name": "New", "email": "a@b.example", "transit_days": 1}
                ]
            }
        )
    )
    call_command("import_master_data", str(good))
    assert Customer.objects.get(number="C-NEW").email == "a@b.example"
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {"customers": [{"number": "C-BAD", "name": "Bad", "email": "nope", "transit_days": 1}]}
        )
    )
    with pytest.raises((CommandError, SystemExit)):
        call_command("import_master_data", str(bad))
    assert not Customer.objects.filter(number="C-BAD").exists()
