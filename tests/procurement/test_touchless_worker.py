"""Touchless purchase orders through a real Celery worker: no human step between order and PO."""

from decimal import Decimal

import pytest

from core.models import TransitionLog
from procurement.models import PurchaseOrder
from supply.services import sales_order_submit
from tests.workers import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def automatic(world):
    world.contoso.automatic_po = True
    world.contoso.save()


def test_under_the_threshold_the_po_opens_and_is_communicated_by_itself(celery_worker, world):
    automatic(world)  # 2 × 900 = 1800, under the default 10000
    order = world.order((world.laptop, 2))

    sales_order_submit(order=order, acting_user=world.csr)

    # The send is claimed (communicated_at) before the email goes and logged after it: wait
    # for the log, the last step.
    sent = wait_for(
        lambda: TransitionLog.objects.filter(
            document_type="procurement.purchaseorder", field="communicated"
        ).first(),
        timeout=40,
        what="the worker to create, approve and send the PO",
    )
    po = PurchaseOrder.objects.get(pk=sent.document_id)
    assert po.status == "OPEN" and po.touchless and po.submitted_by is None
    assert po.communicated_at is not None
    line = po.lines.get()
    assert line.demand_line.order == order and line.quantity == Decimal(2)
    assert (
        TransitionLog.objects.filter(
            document_id=po.pk, field="communicated", reason=f"emailed to {world.contoso.email}"
        ).count()
        == 1
    )
    line.demand_line.refresh_from_db()
    assert line.demand_line.status == "AWAITING_SUPPLY"


def test_over_the_threshold_the_po_waits_for_a_manager(celery_worker, world):
    automatic(world)
    order = world.order((world.laptop, 50))  # 45,000

    sales_order_submit(order=order, acting_user=world.csr)

    po = wait_for(
        lambda: PurchaseOrder.objects.filter(status="PENDING_APPROVAL").first(),
        timeout=40,
        what="the worker to create the PO and send it for approval",
    )
    assert po.communicated_at is None
    assert po.lines.get().demand_line.order == order
