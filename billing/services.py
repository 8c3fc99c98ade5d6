"""Invoicing shipped lines: one invoice per shipment and sales order, exactly once."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from billing.models import Invoice, InvoiceLine
from core.models import DocumentType
from core.money import line_amount
from core.services import change_log, document_number_next, transition, use_case
from orders.locks import lock_orders_and_lines
from orders.models import FulfillmentLine
from orders.services import sales_order_refresh_status
from warehouse.models import Shipment, ShipmentLine


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


def shipments_not_invoiced():
    """SHIPPED shipments with an order on them that has no invoice for them (a lost message)."""
    invoiced = Invoice.objects.filter(
        shipment=OuterRef("shipment_id"), sales_order=OuterRef("demand_line__order_id")
    )
    return (
        ShipmentLine.objects.filter(active=True, shipment__status=Shipment.Status.SHIPPED)
        .filter(~Exists(invoiced))
        .values_list("shipment_id", flat=True)
        .distinct()
    )
