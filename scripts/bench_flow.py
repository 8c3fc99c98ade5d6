"""The flow phases of `make bench` (see bench.py): Buy end to end, then Make and Transfer."""

import multiprocessing
import os
import signal
import sys
import time
from contextlib import contextmanager
from decimal import Decimal

from django.db import connection, connections, transaction

from catalog.models import (
    BillOfMaterials,
    BomComponent,
    Customer,
    Item,
    Organization,
    SourcingRule,
    Supplier,
)
from manufacturing.models import WorkOrder
from manufacturing.services import work_order_issue_materials, work_order_release
from orders.models import FulfillmentLine, SalesOrder
from orders.services import LineInput
from procurement.models import PurchaseOrder, PurchaseOrderLine, RequisitionLine
from supply.flows.make import work_order_complete
from supply.flows.receive import (
    RECEIPT_MAX_LINES,
    open_lines_of,
    purchase_orders_receive,
    receipt_create,
)
from supply.flows.ship import shipment_confirm, wave_confirm
from supply.flows.transfer import transfer_order_receive
from supply.models import SupplyOrder
from supply.services import sales_order_enter
from supply.tasks import convert_touchless_requisitions
from tests.workers import Process, test_database_url
from warehouse.models import TransferOrder
from warehouse.selectors import ledger_mismatches
from warehouse.services import ReceiveLine, inventory_adjust
from warehouse.shipments import ShipLine, shipment_create, shipment_move
from warehouse.transfers import transfer_order_ship
from warehouse.waves import lines_ready_for_wave, wave_move, wave_release

SUPPLIERS = 5
ITEMS = 20


# How PostgreSQL's foreign-key triggers check a referenced row (`SELECT 1 FROM ONLY … FOR KEY
# SHARE OF x`): statements the server runs by itself inside an INSERT or UPDATE.
FOREIGN_KEY_CHECK = "%FOR KEY SHARE OF x"


def statements() -> tuple[int, int]:
    """(statements sent, all statements) executed so far, every session included.

    The first count is what the web process and the worker send; the second adds the
    statements PostgreSQL runs inside them (foreign-key checks of the inserts and updates).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(calls) FILTER (WHERE query NOT LIKE %s), 0), "
            "coalesce(sum(calls), 0) FROM pg_stat_statements",
            [FOREIGN_KEY_CHECK],
        )
        top, everything = cursor.fetchone()
        return int(top), int(everything)


def per_line(before: tuple[int, int], lines: int) -> dict:
    after = statements()
    return {
        "statements_per_line": round((after[0] - before[0]) / lines, 1),
        "server_statements_per_line": round((after[1] - before[1]) / lines, 1),
    }


class Phases:
    def __init__(self):
        self.results = {}

    @contextmanager
    def phase(self, name: str, lines: int):
        if os.environ.get("BENCH_TOP_STATEMENTS"):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_stat_statements_reset()")
        profiler = None
        if os.environ.get("BENCH_PROFILE") == name:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        before, started = statements(), time.monotonic()
        yield
        if profiler is not None:
            import pstats

            profiler.disable()
            order = os.environ.get("BENCH_PROFILE_SORT", "cumulative")  # or tottime
            stats = pstats.Stats(profiler, stream=sys.stderr).sort_stats(order)
            stats.print_stats(os.environ.get("BENCH_PROFILE_FILTER", ""), 40)
        if os.environ.get("BENCH_TOP_STATEMENTS"):
            _print_top(name, lines)
        seconds = time.monotonic() - started
        self.results[name] = {
            "lines": lines,
            "seconds": round(seconds, 2),
            "lines_per_s": round(lines / seconds, 1),
            **per_line(before, lines),
        }


def _print_top(name: str, lines: int) -> None:
    """With BENCH_TOP_STATEMENTS=1: the phase's most frequent statements, to stderr."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(total_exec_time) FROM pg_stat_statements WHERE toplevel")
        server_ms = cursor.fetchone()[0] / lines
        cursor.execute(
            "SELECT calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 150) "
            "FROM pg_stat_statements ORDER BY calls DESC LIMIT 15"
        )
        print(f"--- {name}: statements per line ({server_ms:.2f} ms executing)", file=sys.stderr)
        for calls, query in cursor.fetchall():
            print(f"{calls / lines:6.2f}  {query}", file=sys.stderr)


def master_data():
    w1 = Organization.objects.create(code="W1", name="Main DC", receiving_days=1)
    customers = Customer.objects.bulk_create(
        Customer(number=f"C-{n:03d}", name=f"Customer {n}", default_ship_from=w1) for n in range(20)
    )
    suppliers = Supplier.objects.bulk_create(
        Supplier(number=f"S-{n}", name=f"Supplier {n}", email=f"po{n}@supplier.example")
        for n in range(SUPPLIERS)
    )
    items = Item.objects.bulk_create(
        Item(
            sku=f"SKU-{n:03d}",
            description=f"Item {n}",
            list_price=Decimal("120.00"),
            standard_cost=Decimal("80.00"),
            back_to_back=True,
        )
        for n in range(ITEMS)
    )
    SourcingRule.objects.bulk_create(
        SourcingRule(
            item=item,
            organization=w1,
            type="BUY",
            supplier=suppliers[n % SUPPLIERS],
            unit_price=Decimal("90.00"),
            lead_time_days=3,
        )
        for n, item in enumerate(items)
    )
    return w1, customers, items


# What beat would send while the bench waits (the bench runs no beat): the safety nets that
# pick up work whose message was lost — e.g. a publish refused while a worker was stopped.
SAFETY_NETS = ("supply.requeue_stale_supply_orders", "core.relay_outbox")
SAFETY_NET_PERIOD = 5  # seconds


def wait_until(predicate, what: str, worker: Process):
    from b2b_portal.celery import app

    timeout = float(os.environ.get("BENCH_WAIT_TIMEOUT", 600))
    deadline = time.monotonic() + timeout
    next_net = time.monotonic() + SAFETY_NET_PERIOD
    while time.monotonic() < deadline:
        if predicate():
            return
        if time.monotonic() >= next_net:
            for task in SAFETY_NETS:
                app.send_task(task)
            next_net = time.monotonic() + SAFETY_NET_PERIOD
        time.sleep(0.2)
    print(worker.log(), file=sys.stderr)
    raise SystemExit(
        f"bench: timed out after {timeout:.0f} s waiting for {what} (worker log above)"
    )


def start_worker() -> Process:
    env = {**os.environ, "DATABASE_URL": test_database_url(), "PYTHONUNBUFFERED": "1"}
    return Process(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "b2b_portal",
            "worker",
            "--loglevel=WARNING",  # errors still reach the log printed on a time-out
            "--concurrency=2",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "-Ofair",
            "--hostname=bench@%h",
        ],
        env=env,
        # The banner is printed whatever the log level; messages wait in the broker until
        # the worker consumes them, so "ready" needs no stricter signal here.
        ready="[queues]",
    )


def by_clients(clients: int, work, items) -> None:
    """Run work(item) for every item: in this process, or spread over `clients` processes
    working at once (several users; each process has its own database session)."""
    items = list(items)
    if clients <= 1:
        for item in items:
            work(item)
        return
    connections.close_all()  # the children must not share this process's session
    context = multiprocessing.get_context("fork")
    children = [
        context.Process(target=_client, args=(work, items[i::clients])) for i in range(clients)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join()
    failed = [child.exitcode for child in children if child.exitcode]
    if failed:
        raise SystemExit(f"bench: {len(failed)} client process(es) failed (see above)")


def _client(work, items) -> None:
    try:
        for item in items:
            work(item)
    finally:
        connections.close_all()


def run_flow(args) -> dict:
    w1, customers, items = master_data()
    worker = start_worker()
    try:
        if args.only_high_volume:
            return {"high_volume": _run_high_volume(args, Phases(), w1, customers, items, worker)}
        result = _run(args, Phases(), w1, customers, items, worker)
        result["make_transfer"] = _run_make_transfer(args, Phases(), w1, customers, worker)
        if not args.skip_high_volume:
            result["high_volume"] = _run_high_volume(args, Phases(), w1, customers, items, worker)
        return result
    finally:
        worker.stop()


def _make_transfer_data(w1):
    """Plant P1 makes DESK from a top and four legs; warehouse W2 transfers CHAIR to W1."""
    p1 = Organization.objects.create(code="P1", name="Plant", kind="PLANT", receiving_days=0)
    w2 = Organization.objects.create(code="W2", name="East DC", receiving_days=1)
    desk, top, leg, chair = Item.objects.bulk_create(
        Item(sku=sku, description=sku, list_price=Decimal("300"), back_to_back=b2b)
        for sku, b2b in (("DESK", True), ("TOP", False), ("LEG", False), ("CHAIR", True))
    )
    bom = BillOfMaterials.objects.create(item=desk, organization=p1)
    BomComponent.objects.bulk_create(
        [BomComponent(bom=bom, item=top, quantity=1), BomComponent(bom=bom, item=leg, quantity=4)]
    )
    SourcingRule.objects.bulk_create(
        [
            SourcingRule(
                item=desk, organization=p1, type="MAKE", source_organization=p1, lead_time_days=2
            ),
            SourcingRule(
                item=chair,
                organization=w1,
                type="TRANSFER",
                source_organization=w2,
                lead_time_days=2,
            ),
        ]
    )
    for item, org in ((top, p1), (leg, p1), (chair, w2)):
        inventory_adjust(item=item, organization=org, quantity=Decimal(10**7), reason="bench")
    return p1, desk, chair


def _run_make_transfer(args, phases, w1, customers, worker) -> dict:
    """N one-line Make orders (DESK at P1) and N one-line Transfer orders (CHAIR W2 → W1):
    supply creation by the worker, then the plant's release + issue + completion and the
    warehouses' ship + receive, each per document as a user does it."""
    pause = lambda: os.killpg(worker.proc.pid, signal.SIGSTOP)  # noqa: E731
    resume = lambda: os.killpg(worker.proc.pid, signal.SIGCONT)  # noqa: E731
    p1, desk, chair = _make_transfer_data(w1)
    n = max(args.orders // 4, 1)
    pause()
    for i in range(n):
        customer = customers[i % len(customers)]
        for item, ship_from, tag in ((desk, p1, "M"), (chair, None, "T")):
            sales_order_enter(
                customer=customer,
                lines=[LineInput(item=item, quantity=Decimal(1 + i % 3), ship_from=ship_from)],
                external_reference=f"B{tag}-{i}",
                submit=True,
            )
    with phases.phase("make_transfer_supply_creation", 2 * n):
        resume()
        wait_until(
            lambda: not SupplyOrder.objects.filter(status="REQUESTED").exists(),
            "make and transfer supply orders",
            worker,
        )

    def make(work_order):
        work_order_release(work_order=work_order)
        work_order_issue_materials(work_order=work_order)
        work_order_complete(work_order=work_order, quantity=work_order.quantity)

    def transfer(transfer_order):
        transfer_order_ship(transfer_order=transfer_order)
        transfer_order_receive(
            transfer_order=transfer_order,
            lines=[ReceiveLine(1, transfer_order.lines.get().quantity)],
        )

    work_orders = list(WorkOrder.objects.order_by("id"))
    with phases.phase("make_release_issue_complete", len(work_orders)):
        by_clients(args.clients, make, work_orders)
    transfer_orders = list(TransferOrder.objects.order_by("id"))
    with phases.phase("transfer_ship_receive", len(transfer_orders)):
        by_clients(args.clients, transfer, transfer_orders)
    problems = []
    waiting = FulfillmentLine.objects.filter(supply_type__in=["MAKE", "TRANSFER"]).exclude(
        status="AWAITING_SHIPPING"
    )
    if waiting.exists():
        problems.append("make/transfer lines not awaiting shipping")
    if ledger_mismatches():
        problems.append("ledger != balances")
    return {"phases": phases.results, "verified": not problems, "problems": problems}


def _run(args, phases, w1, customers, items, worker) -> dict:
    pause = lambda: os.killpg(worker.proc.pid, signal.SIGSTOP)  # noqa: E731
    resume = lambda: os.killpg(worker.proc.pid, signal.SIGCONT)  # noqa: E731
    n, m, k = args.orders, args.multi_line_orders, args.lines_per_multi
    total_lines = n + m * k
    started = time.monotonic()
    before = statements()

    clients = args.clients

    def enter(i):
        count = 1 if i < n else k
        lines = [
            LineInput(item=items[(i + j) % ITEMS], quantity=Decimal(1 + (i + j) % 5))
            for j in range(count)
        ]
        sales_order_enter(
            customer=customers[i % len(customers)],
            lines=lines,
            external_reference=f"B-{i}",
            submit=True,  # what POST /api/v1/sales-orders with "submit": true calls
        )

    pause()  # the supply phase starts when the orders are in
    with phases.phase("import_submit", total_lines):
        by_clients(clients, enter, range(n + m))

    with phases.phase("supply_creation", total_lines):
        resume()
        wait_until(
            lambda: not SupplyOrder.objects.filter(status="REQUESTED").exists(),
            "supply orders",
            worker,
        )

    with phases.phase("touchless_pos", total_lines):
        Supplier.objects.update(automatic_po=True)
        convert_touchless_requisitions.delay()  # what beat and create_supply trigger
        wait_until(
            lambda: (
                not RequisitionLine.objects.filter(status="OPEN").exists()
                and not PurchaseOrder.objects.filter(communicated_at__isnull=True).exists()
            ),
            "touchless POs sent",
            worker,
        )

    def receive(po_line):
        receipt_create(
            purchase_order=po_line.purchase_order,
            lines=[ReceiveLine(po_line.line_number, po_line.quantity)],
        )

    def ship(order_id):
        lines = list(FulfillmentLine.objects.filter(order_id=order_id, status="AWAITING_SHIPPING"))
        shipment = shipment_create(organization=w1, lines=[ShipLine(line) for line in lines])
        shipment_move(shipment=shipment, action="pick")
        shipment_move(shipment=shipment, action="pack")
        shipment_confirm(shipment=shipment, carrier="UPS", tracking_number=f"1Z{order_id}")

    pause()
    po_lines = list(PurchaseOrderLine.objects.select_related("purchase_order").order_by("id"))
    with phases.phase("receipt", total_lines):
        by_clients(clients, receive, po_lines)

    orders = list(SalesOrder.objects.order_by("id").values_list("id", flat=True))
    with phases.phase("ship_confirm", total_lines):
        by_clients(clients, ship, orders)

    with phases.phase("invoicing", total_lines):
        resume()
        wait_until(
            lambda: not FulfillmentLine.objects.exclude(status="CLOSED").exists(),
            "invoices",
            worker,
        )
    elapsed = time.monotonic() - started

    return _verified(SalesOrder.objects.all(), total_lines, phases, elapsed, before)


HIGH_VOLUME_REQUEST = 1000  # orders per bulk import request (the API's limit)
RECEIPT_POS = 10  # POs per advance ship notice received


def _run_high_volume(args, phases, w1, customers, items, worker) -> dict:
    """The same N lines through the high-volume paths: bulk import (the batch API's service),
    batch supply creation by the worker, touchless POs, receipts of whole deliveries (every
    open line of RECEIPT_POS POs each), one pick wave (a shipment per customer) picked, packed
    and ship-confirmed, batch invoicing."""
    from billing.tasks import invoice_shipped
    from supply.services.bulk import OrderEntry, sales_orders_enter

    pause = lambda: os.killpg(worker.proc.pid, signal.SIGSTOP)  # noqa: E731
    resume = lambda: os.killpg(worker.proc.pid, signal.SIGCONT)  # noqa: E731
    n, m, k = args.orders, args.multi_line_orders, args.lines_per_multi
    total_lines = n + m * k
    Supplier.objects.update(automatic_po=True)  # touchless, as at the one-at-a-time run's end
    first_order = SalesOrder.objects.order_by("-id").values_list("id", flat=True).first() or 0
    entries = [
        OrderEntry(
            customer=customers[i % len(customers)],
            lines=[
                LineInput(item=items[(i + j) % ITEMS], quantity=Decimal(1 + (i + j) % 5))
                for j in range(1 if i < n else k)
            ],
            external_reference=f"H-{i}",
            submit=True,
        )
        for i in range(n + m)
    ]
    _warm_up(customers, items)
    started = time.monotonic()
    before = statements()

    pause()
    with phases.phase("bulk_import", total_lines):
        for start in range(0, len(entries), HIGH_VOLUME_REQUEST):
            results = sales_orders_enter(entries[start : start + HIGH_VOLUME_REQUEST])
            assert all(r.created for r in results), [r.error for r in results if r.error]

    with phases.phase("batch_supply", total_lines):
        resume()
        wait_until(
            lambda: not SupplyOrder.objects.filter(status="REQUESTED").exists(),
            "supply orders",
            worker,
        )

    with phases.phase("touchless_pos", total_lines):
        convert_touchless_requisitions.delay()
        wait_until(
            lambda: (
                not RequisitionLine.objects.filter(status="OPEN").exists()
                and not PurchaseOrder.objects.filter(communicated_at__isnull=True).exists()
            ),
            "touchless POs sent",
            worker,
        )

    pause()
    open_pos = list(PurchaseOrder.objects.filter(status="OPEN").order_by("pk"))
    with phases.phase("receipt_by_po", total_lines):
        # The dock receives each advance ship notice: every open line of RECEIPT_POS POs, on
        # as many receipts as the receipt's line limit asks.
        for start in range(0, len(open_pos), RECEIPT_POS):
            delivery = open_lines_of(open_pos[start : start + RECEIPT_POS])
            for first in range(0, len(delivery), RECEIPT_MAX_LINES):
                purchase_orders_receive(delivery[first : first + RECEIPT_MAX_LINES])

    with phases.phase("pick_wave", total_lines):
        # Waves of up to WAVE_MAX_LINES lines each, until nothing is left to ship.
        while lines_ready_for_wave(organization=w1).exists():
            wave = wave_release(organization=w1, carrier="UPS")
            wave_move(wave=wave, action="pick")
            wave_move(wave=wave, action="pack")
            wave_confirm(wave=wave)

    with phases.phase("batch_invoicing", total_lines):
        invoice_shipped()
    resume()
    elapsed = time.monotonic() - started

    mine = SalesOrder.objects.filter(id__gt=first_order)
    return _verified(mine, total_lines, phases, elapsed, before)


class _WarmUp(Exception):
    pass


def _warm_up(customers, items) -> None:
    """Import a few orders and roll them back, and send a safety net to the broker, as a server
    has served requests before: the first batch of a fresh process otherwise pays for loading
    code (the broker client's too) and filling caches."""
    from core.enqueue import publish
    from supply.services.bulk import OrderEntry, sales_orders_enter

    publish(SAFETY_NETS[-1])

    entries = [
        OrderEntry(customer, [LineInput(item=item, quantity=Decimal(1))], submit=True)
        for customer, item in zip(customers, items, strict=False)
    ]
    try:
        with transaction.atomic():
            sales_orders_enter(entries)
            raise _WarmUp
    except _WarmUp:
        pass


def _verified(orders, total_lines: int, phases, elapsed: float, before) -> dict:
    """A run's figures and its check: every order of the run CLOSED with its lines unsplit, PO
    lines pegged, the ledger equal to the balances."""
    problems = []
    if orders.exclude(status="CLOSED").exists():
        problems.append("orders not closed")
    if PurchaseOrderLine.objects.filter(demand_line__isnull=True).exists():
        problems.append("unpegged PO lines")
    if ledger_mismatches():
        problems.append("ledger != balances")
    if FulfillmentLine.objects.filter(order__in=orders).count() != total_lines:
        problems.append("lines were split")
    return {
        "lines": total_lines,
        "phases": phases.results,
        "end_to_end": {
            "seconds": round(elapsed, 1),
            "lines_per_s": round(total_lines / elapsed, 1),
            **per_line(before, total_lines),
        },
        "verified": not problems,
        "problems": problems,
    }
