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
from core.outbox import outbox_handler, outbox_write
from core.queries import bulk_update_rows, insert_rows
from core.services import change_log, document_numbers_next, gc_paused, transition, use_case
from orders.locks import lock_orders_and_lines
from orders.models import FulfillmentLine
from orders.services import sales_orders_refresh_status
from warehouse.models import Shipment, ShipmentLine

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
    """Invoice one confirmed shipment (a batch of one: see invoices_create)."""
    return invoices_create(shipment_ids=[shipment_id])


def invoices_create(*, shipment_ids, skip_locked: bool = False) -> list[Invoice]:
    """Invoice confirmed shipments, set-based: one invoice per shipment and sales order on it,
    lines at quantity × unit price rounded half up to cents, gapless INV numbers taken in one
    statement; the lines close, and an order closes when all its lines are closed or cancelled.

    Exactly once: the shipment rows are locked and an order already invoiced for a shipment is
    skipped (a unique constraint on (shipment, sales order) backs it). The statements do not
    grow with the number of shipments, except one order update per order whose status moves.
    With `skip_locked`, a shipment another transaction is invoicing is left to it.
    """
    with use_case():
        # Lock order (orders.locks): shipments, then the sales orders and lines they close.
        shipments = {
            shipment.pk: shipment
            for shipment in Shipment.objects.select_for_update(skip_locked=skip_locked)
            .filter(pk__in=list(shipment_ids), status=Shipment.Status.SHIPPED)
            .order_by("pk")
        }
        if not shipments:
            return []
        shipment_lines = list(
            ShipmentLine.objects.filter(shipment_id__in=shipments, active=True).order_by(
                "shipment_id", "id"
            )
        )
        locked = lock_orders_and_lines(s.demand_line_id for s in shipment_lines)
        done = set(
            Invoice.objects.filter(shipment_id__in=shipments).values_list(
                "shipment_id", "sales_order_id"
            )
        )
        orders = {}
        owed = defaultdict(list)  # (shipment id, order id): [(line, quantity)]
        for shipment_line in shipment_lines:
            line = locked[shipment_line.demand_line_id]
            if (shipment_line.shipment_id, line.order_id) not in done:
                # One order object per order, so the lines share it.
                line.order = orders.setdefault(line.order_id, line.order)
                owed[shipment_line.shipment_id, line.order_id].append(
                    (line, shipment_line.quantity)
                )
        if not owed:
            return []
        keys = sorted(owed)
        numbers = document_numbers_next(DocumentType.INVOICE, len(keys))
        today = timezone.localdate()
        invoices = [
            _invoice(
                shipments[shipment_id], orders[order_id], number, owed[shipment_id, order_id], today
            )
            for (shipment_id, order_id), number in zip(keys, numbers, strict=True)
        ]
        insert_rows(invoice for invoice, _ in invoices)
        insert_rows(
            invoice_line for invoice, lines in invoices for invoice_line in _bound(invoice, lines)
        )
        closed = []
        for invoice, lines in invoices:
            change_log(
                document=invoice, to_value=invoice.status, reason=f"for {invoice.shipment.number}"
            )
            for invoice_line in lines:  # the demand lines are locked above
                line = invoice_line.demand_line
                if line.status == FulfillmentLine.Status.AWAITING_BILLING:
                    transition(
                        line, "close", demand_line_id=line.pk, reason=invoice.number, save=False
                    )
                    closed.append(line)
        bulk_update_rows(closed, ["status"])
        sales_orders_refresh_status(orders=orders.values())
    return [invoice for invoice, _ in invoices]


def _invoice(shipment, order, number, lines, today) -> tuple[Invoice, list[InvoiceLine]]:
    """An unsaved invoice of an order's lines on a shipment, with its unsaved lines."""
    days = settings.PAYMENT_TERMS_DAYS
    invoice_lines = [
        InvoiceLine(
            demand_line=line,
            quantity=quantity,
            unit_price=line.unit_price,
            amount=line_amount(quantity, line.unit_price),
        )
        for line, quantity in lines
    ]
    invoice = Invoice(
        number=number,
        sales_order=order,
        shipment=shipment,
        invoice_date=today,
        due_date=today + datetime.timedelta(days=days),
        currency=order.currency,
        payment_terms=f"Net {days}",
        total=sum((invoice_line.amount for invoice_line in invoice_lines), Decimal(0)),
    )
    return invoice, invoice_lines


def _bound(invoice: Invoice, invoice_lines: list[InvoiceLine]) -> list[InvoiceLine]:
    for invoice_line in invoice_lines:
        invoice_line.invoice = invoice
    return invoice_lines


@gc_paused()
def invoices_create_pending(*, limit: int = 500) -> int:
    """Invoice up to `limit` confirmed shipments not invoiced yet, oldest first, in one
    set-based use case (the batch invoicing run); returns the invoices created. Shipments
    another run is invoicing are skipped, not waited for."""
    pending = (
        Shipment.objects.filter(status=Shipment.Status.SHIPPED)
        .filter(Exists(ShipmentLine.objects.filter(shipment=OuterRef("pk"), active=True)))
        .exclude(Exists(Invoice.objects.filter(shipment=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return len(invoices_create(shipment_ids=list(pending), skip_locked=True))
