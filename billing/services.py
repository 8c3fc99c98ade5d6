"""Invoicing shipped lines: one invoice per shipment and sales order, exactly once."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from billing.models import Invoice, InvoiceLine
from core.models import DocumentType
from core.money import line_amount
from core.outbox import outbox_handler, outbox_write
from core.services import change_log, document_number_next, transition, use_case
from orders.locks import lock_orders_and_lines
from orders.models import FulfillmentLine
from orders.services import sales_order_refresh_status
from warehouse.models import Shipment

INVOICE_TOPIC = "billing.invoice_shipment"


def invoice_owed(*, shipment_id: int) -> None:
    """Owe the invoices of a shipment being confirmed, in the ship-confirm transaction: the
    outbox relay creates them after commit, tries again after a failure, and an invoice that
    can never be created (its amounts do not fit) ends FAILED in the admin instead of being
    tried forever."""
    outbox_write(
        topic=INVOICE_TOPIC,
        key=f"invoice-shipment:{shipment_id}",
        payload={"shipment": shipment_id},
    )


@outbox_handler(INVOICE_TOPIC)
def invoices_create_handle(payload: dict) -> str | None:
    invoices = invoices_create_for_shipment(shipment_id=payload["shipment"])
    if not invoices:
        return "nothing left to invoice on this shipment"
    return None


def invoices_create_for_shipment(*, shipment_id: int) -> list[Invoice]:
    """Invoice a confirmed shipment: one invoice per sales order on it, lines at quantity ×
    unit price rounded half up to cents, gapless INV numbers; the lines close, and the order
    closes when all its lines are closed or cancelled.

    Exactly once: the shipment row is locked and an order already invoiced for it is skipped
    (a unique constraint on (shipment, sales order) backs it).
    """
    with use_case():
        shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
        if shipment.status != Shipment.Status.SHIPPED:
            return []
        # Lock order (orders.locks): shipment, then the sales orders and lines it closes.
        shipment_lines = list(shipment.lines.filter(active=True))
        locked = lock_orders_and_lines(s.demand_line_id for s in shipment_lines)
        done = set(
            Invoice.objects.filter(shipment=shipment).values_list("sales_order_id", flat=True)
        )
        by_order = defaultdict(list)
        orders = {}
        for shipment_line in shipment_lines:
            line = locked[shipment_line.demand_line_id]
            if line.order_id not in done:
                # One order object per order, so the lines share it.
                line.order = orders.setdefault(line.order_id, line.order)
                by_order[line.order].append((line, shipment_line.quantity))
        today = timezone.localdate()
        invoices = []
        for order, lines in sorted(by_order.items(), key=lambda item: item[0].pk):
            invoices.append(_invoice(shipment, order, lines, today))
    return invoices


def _invoice(shipment, order, lines, today) -> Invoice:
    days = settings.PAYMENT_TERMS_DAYS
    amounts = [(line, quantity, line_amount(quantity, line.unit_price)) for line, quantity in lines]
    invoice = Invoice.objects.create(
        number=document_number_next(DocumentType.INVOICE),
        sales_order=order,
        shipment=shipment,
        invoice_date=today,
        due_date=today + datetime.timedelta(days=days),
        currency=order.currency,
        payment_terms=f"Net {days}",
        total=sum((amount for *_, amount in amounts), Decimal(0)),
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            demand_line=line,
            quantity=quantity,
            unit_price=line.unit_price,
            amount=amount,
        )
        for line, quantity, amount in amounts
    )
    change_log(document=invoice, to_value=invoice.status, reason=f"for {shipment.number}")
    for line, _, _ in amounts:  # locked by the caller
        if line.status == FulfillmentLine.Status.AWAITING_BILLING:
            transition(line, "close", demand_line_id=line.pk, reason=invoice.number)
    sales_order_refresh_status(order=order)
    return invoice
