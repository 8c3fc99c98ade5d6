"""Receipts: the lines of a receipt as entered, and the receipt (RCV-) with its lines. What a
receipt brings is posted and reserved by the flows that receive (supply.flows.receive and
warehouse.transfers)."""

from dataclasses import dataclass
from decimal import Decimal

from core.exceptions import BusinessRuleError
from core.formatting import quantity_problem
from core.models import DocumentType
from core.queries import insert_rows
from core.services import document_number_next, user_or_none
from warehouse.models import Receipt, ReceiptLine


@dataclass(frozen=True)
class ReceiveLine:
    """One line of a receipt: the PO or transfer line number and the quantity received."""

    line_number: int
    quantity: Decimal


def receive_lines_check(lines: list[ReceiveLine]) -> None:
    """A receipt's lines as entered: at least one, each line once, each quantity valid."""
    if not lines:
        raise BusinessRuleError("Receive at least one line.", field="lines")
    seen = set()
    for index, request in enumerate(lines):
        if request.line_number in seen:
            raise BusinessRuleError(
                f"Line {request.line_number} is listed twice: receive it once, with the total.",
                field=f"lines[{index}].line_number",
            )
        seen.add(request.line_number)
        problem = quantity_problem(request.quantity)
        if problem:
            raise BusinessRuleError(problem, field=f"lines[{index}].quantity")


def receipt_open(
    *, organization, acting_user=None, purchase_order=None, transfer_order=None, reference=""
):
    """A new receipt (RCV-) at `organization` for a purchase order, for several (an advance
    ship notice: `purchase_order` None, the supplier's `reference`) or a transfer order."""
    return Receipt.objects.create(
        number=document_number_next(DocumentType.RECEIPT),
        organization=organization,
        purchase_order=purchase_order,
        transfer_order=transfer_order,
        reference=reference.strip(),
        received_by=user_or_none(acting_user),
    )


def receipt_line_add(
    receipt, *, quantity, reserved, purchase_order_line=None, transfer_order_line=None
) -> ReceiptLine:
    """Record what a receipt line brought and how much of it was reserved for its order line."""
    return ReceiptLine.objects.create(
        receipt=receipt,
        purchase_order_line=purchase_order_line,
        transfer_order_line=transfer_order_line,
        quantity=quantity,
        reserved_quantity=reserved,
    )


def receipt_lines_add(rows) -> list[ReceiptLine]:
    """Many receipt lines in one INSERT: unsaved ReceiptLine rows."""
    return insert_rows(rows)
