"""The late-supply scan: supply that is already late moves the schedule of the line it works
for, so the jeopardy lists and the order pages say so before the customer asks.

Late means: a PO line not wholly received whose need-by date has passed; a work order still
open past its due date; a transfer that has not left its source by its need-by date. Such
supply can arrive tomorrow at the earliest (plus the receiving days of bought and transferred
goods), so a line scheduled before that is rescheduled to it, with jeopardy = days past the
promise and the reason. Run by beat hourly; it changes a line only when its date moves, so
running it again writes nothing."""

import datetime

from django.utils import timezone

from core.services import use_case
from manufacturing.models import WorkOrder
from orders.locks import lock_orders_and_lines
from orders.models import FulfillmentLine
from orders.services import line_reschedule
from procurement.models import PurchaseOrder, PurchaseOrderLine
from warehouse.models import TransferOrder

DAY = datetime.timedelta(days=1)


def _late_supply(today: datetime.date) -> dict[int, tuple[datetime.date, str]]:
    """By demand line: the earliest its late supply can be there, and why it is late."""
    waiting = FulfillmentLine.Status.AWAITING_SUPPLY
    late: dict[int, tuple[datetime.date, str]] = {}

    def note(line_id, earliest, reason):
        if line_id not in late or earliest > late[line_id][0]:
            late[line_id] = (earliest, reason)

    po_lines = PurchaseOrderLine.objects.filter(
        status=PurchaseOrderLine.Status.OPEN,
        purchase_order__status__in=[
            PurchaseOrder.Status.DRAFT,
            PurchaseOrder.Status.PENDING_APPROVAL,
            PurchaseOrder.Status.OPEN,
        ],
        need_by_date__lt=today,
        demand_line__status=waiting,
    ).select_related("purchase_order__organization")
    for po_line in po_lines:
        receiving = datetime.timedelta(days=po_line.purchase_order.organization.receiving_days)
        note(
            po_line.demand_line_id,
            today + DAY + receiving,
            f"{po_line.number} was needed by {po_line.need_by_date} and is not received",
        )
    for work_order in WorkOrder.objects.filter(
        status__in=WorkOrder.OPEN_STATES, due_date__lt=today, demand_line__status=waiting
    ):
        note(
            work_order.demand_line_id,
            today + DAY,
            f"{work_order.number} was due {work_order.due_date} and is not complete",
        )
    for transfer in TransferOrder.objects.filter(
        status=TransferOrder.Status.OPEN, need_by_date__lt=today, demand_line__status=waiting
    ).select_related("destination"):
        receiving = datetime.timedelta(days=transfer.destination.receiving_days)
        note(
            transfer.demand_line_id,
            today + DAY + receiving,
            f"{transfer.number} was needed by {transfer.need_by_date} and has not shipped",
        )
    return late


def late_supply_scan() -> int:
    """Reschedule the lines whose supply is late (see the module); returns how many moved."""
    today = timezone.localdate()
    moved = 0
    for line_id, (earliest, reason) in sorted(_late_supply(today).items()):
        with use_case():
            line = lock_orders_and_lines([line_id])[line_id]
            if line.status != FulfillmentLine.Status.AWAITING_SUPPLY:
                continue
            if line.scheduled_ship_date is not None and line.scheduled_ship_date >= earliest:
                continue
            line_reschedule(line=line, scheduled=earliest, reason=f"late supply: {reason}")
            line.save(update_fields=FulfillmentLine.SCHEDULE_FIELDS)
            moved += 1
    return moved
