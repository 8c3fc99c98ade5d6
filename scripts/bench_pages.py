"""Page latencies of `make bench`: worklists and API lists with ~100k lines seeded in bulk."""

import statistics
import time
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone

from billing.models import Invoice, InvoiceLine
from catalog.models import Customer, Item, Organization, Supplier
from orders.models import FulfillmentLine, SalesOrder
from procurement.models import PurchaseOrder, PurchaseOrderLine, RequisitionLine
from supply.models import SupplyOrder, SupplyTrackingLine
from warehouse.models import InventoryBalance, Reservation, Shipment, ShipmentLine

BATCH = 5000
LINES_PER_ORDER = 4
# line status by position in a block of 20 lines: the mix of a busy order book
MIX = (
    ["CLOSED"] * 8
    + ["AWAITING_SUPPLY"] * 4
    + ["AWAITING_SHIPPING"] * 3
    + ["SCHEDULED"] * 2
    + ["BACKORDERED"] * 2
    + ["DRAFT"]
)


def seed(total_lines: int) -> None:
    """Orders, lines, supply, requisitions, POs, reservations, shipments and invoices in bulk."""
    w1 = Organization.objects.get(code="W1")
    customers = list(Customer.objects.all())
    items = list(Item.objects.all())
    suppliers = list(Supplier.objects.all())
    today = timezone.localdate()
    n_orders = total_lines // LINES_PER_ORDER
    orders = SalesOrder.objects.bulk_create(
        (
            SalesOrder(
                number=f"SO-B{n:07d}",
                customer=customers[n % len(customers)],
                external_reference=f"SEED-{n}",
                currency="USD",
                status="CLOSED" if n % 5 == 0 else "PROCESSING",
            )
            for n in range(n_orders)
        ),
        batch_size=BATCH,
    )
    lines = []
    for o, order in enumerate(orders):
        for j in range(LINES_PER_ORDER):
            k = o * LINES_PER_ORDER + j
            status = "CLOSED" if order.status == "CLOSED" else MIX[k % len(MIX)]
            lines.append(
                FulfillmentLine(
                    order=order,
                    line_number=j + 1,
                    item=items[k % len(items)],
                    quantity=Decimal(1 + k % 7),
                    unit_price=Decimal("120.00"),
                    requested_ship_date=today + timedelta(days=k % 30),
                    ship_from=w1,
                    promised_ship_date=today + timedelta(days=k % 30),
                    scheduled_ship_date=today + timedelta(days=k % 30 + (k % 11 == 0)),
                    jeopardy_days=int(k % 11 == 0),
                    supply_type="BUY",
                    status=status,
                )
            )
    lines = FulfillmentLine.objects.bulk_create(lines, batch_size=BATCH)
    sourced = [line for line in lines if line.status in ("AWAITING_SUPPLY", "SCHEDULED")]
    supply_orders = SupplyOrder.objects.bulk_create(
        (
            SupplyOrder(
                number=f"SUP-B{n:07d}",
                demand_line=line,
                supply_type="BUY",
                quantity=line.quantity,
                need_by_date=line.scheduled_ship_date,
                supplier=suppliers[n % len(suppliers)],
                unit_price=Decimal("90.00"),
                status="IN_PROCESS" if line.status == "AWAITING_SUPPLY" else "REQUESTED",
            )
            for n, line in enumerate(sourced)
        ),
        batch_size=BATCH,
    )
    awaiting = [(so, so.demand_line) for so in supply_orders if so.status == "IN_PROCESS"]
    requisitions = RequisitionLine.objects.bulk_create(
        (
            RequisitionLine(
                number=f"REQ-B{n:07d}",
                demand_line=line,
                item_id=line.item_id,
                organization=w1,
                supplier=so.supplier,
                quantity=line.quantity,
                unit_price=Decimal("90.00"),
                currency="USD",
                need_by_date=line.scheduled_ship_date,
                status="OPEN" if n % 2 else "ORDERED",
            )
            for n, (so, line) in enumerate(awaiting)
        ),
        batch_size=BATCH,
    )
    ordered = [r for r in requisitions if r.status == "ORDERED"]
    pos = PurchaseOrder.objects.bulk_create(
        (
            PurchaseOrder(
                number=f"PO-B{n:07d}",
                supplier=suppliers[n % len(suppliers)],
                organization=w1,
                currency="USD",
                status="OPEN",
                communicated_at=timezone.now(),
                communicated_revision=0,
            )
            for n in range((len(ordered) + 9) // 10)
        ),
        batch_size=BATCH,
    )
    po_lines = PurchaseOrderLine.objects.bulk_create(
        (
            PurchaseOrderLine(
                purchase_order=pos[n // 10],
                line_number=n % 10 + 1,
                demand_line_id=r.demand_line_id,
                requisition_line=r,
                item_id=r.item_id,
                quantity=r.quantity,
                unit_price=r.unit_price,
                need_by_date=r.need_by_date,
            )
            for n, r in enumerate(ordered)
        ),
        batch_size=BATCH,
    )
    by_requisition = {pl.requisition_line_id: pl for pl in po_lines}
    so_by_line = {so.demand_line_id: so for so, _ in awaiting}
    SupplyTrackingLine.objects.bulk_create(
        (
            SupplyTrackingLine(
                supply_order=so_by_line[r.demand_line_id],
                sequence=1,
                document_type="PURCHASE_ORDER" if r.pk in by_requisition else "REQUISITION",
                requisition_line=r,
                purchase_order_line=by_requisition.get(r.pk),
                quantity=r.quantity,
            )
            for r in requisitions
        ),
        batch_size=BATCH,
    )
    shipping = [line for line in lines if line.status == "AWAITING_SHIPPING"]
    Reservation.objects.bulk_create(
        (
            Reservation(
                demand_line=line,
                item_id=line.item_id,
                organization=w1,
                quantity=line.quantity,
                supply_source="ON_HAND",
            )
            for line in shipping
        ),
        batch_size=BATCH,
    )
    reserved = {}
    for line in shipping:
        reserved[line.item_id] = reserved.get(line.item_id, Decimal(0)) + line.quantity
    for item in items:
        InventoryBalance.objects.update_or_create(
            item=item,
            organization=w1,
            defaults={
                "on_hand": reserved.get(item.pk, 0) + 100,
                "reserved": reserved.get(item.pk, 0),
            },
        )
    closed = [line for line in lines if line.status == "CLOSED"][:2000]
    shipments = Shipment.objects.bulk_create(
        (
            Shipment(
                number=f"SHP-B{n:07d}",
                organization=w1,
                customer_id=line.order.customer_id,
                status="SHIPPED",
                ship_date=today,
            )
            for n, line in enumerate(closed)
        ),
        batch_size=BATCH,
    )
    ShipmentLine.objects.bulk_create(
        (
            ShipmentLine(shipment=s, demand_line=line, quantity=line.quantity, active=False)
            for s, line in zip(shipments, closed, strict=True)
        ),
        batch_size=BATCH,
    )
    invoices = Invoice.objects.bulk_create(
        (
            Invoice(
                number=f"INV-B{n:07d}",
                sales_order_id=line.order_id,
                shipment=s,
                due_date=today,
                currency="USD",
                payment_terms="Net 30",
                total=line.quantity * line.unit_price,
            )
            for n, (s, line) in enumerate(zip(shipments, closed, strict=True))
        ),
        batch_size=BATCH,
    )
    InvoiceLine.objects.bulk_create(
        (
            InvoiceLine(
                invoice=i,
                demand_line=line,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=i.total,
            )
            for i, line in zip(invoices, closed, strict=True)
        ),
        batch_size=BATCH,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(client: Client, url: str, requests: int) -> dict:
    response = client.get(url)  # warm-up
    assert response.status_code == 200, (url, response.status_code)
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
        "queries": len(executed),
    }


def run_pages(args) -> dict:
    started = time.monotonic()
    seed(args.page_lines)
    seeded = round(time.monotonic() - started, 1)
    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "bench-pass-1")
    client = Client()
    client.force_login(user)
    order = SalesOrder.objects.filter(number__startswith="SO-B").order_by("-id").first()
    urls = [
        "/orders/",
        f"/orders/{order.number}/",
        "/procurement/requisitions/",
        "/procurement/purchase-orders/",
        "/warehouse/receiving/",
        "/warehouse/shipping/?organization=W1",
        "/api/v1/sales-orders",
        "/api/v1/purchase-orders",
        "/api/v1/requisition-lines",
        "/api/v1/supply-orders",
        "/api/v1/reservations",
        "/api/v1/inventory",
        "/api/v1/invoices",
    ]
    pages = {url: measure(client, url, args.page_requests) for url in urls}
    pages["_seed"] = {"lines": FulfillmentLine.objects.count(), "seconds": seeded}
    return pages
