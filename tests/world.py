"""A small, realistic set of master data that most flow tests start from."""

import threading
import time
from decimal import Decimal

from django.db import DatabaseError, connection, transaction

from catalog.models import BillOfMaterials, BomComponent, SourcingRule
from orders.services import LineInput, sales_order_create
from tests.factories import (
    BuyRuleFactory,
    CustomerFactory,
    ItemFactory,
    OrganizationFactory,
    SupplierFactory,
    UserFactory,
)
from warehouse.services import inventory_adjust


class World:
    """A warehouse W1, a customer shipping from it, a back-to-back laptop bought from Contoso."""

    def __init__(self):
        self.w1 = OrganizationFactory(code="W1", receiving_days=1)
        self.customer = CustomerFactory(number="C-ACME", default_ship_from=self.w1)
        self.contoso = SupplierFactory(number="S-CONTOSO")
        self.laptop = ItemFactory(sku="LAPTOP-15", list_price=Decimal("1200"))
        self.rule = BuyRuleFactory(
            item=self.laptop,
            organization=self.w1,
            supplier=self.contoso,
            unit_price=Decimal("900"),
            lead_time_days=5,
        )
        self.csr = UserFactory(username="csr", roles=["customer_service"])

    def stock(self, item, quantity, org=None):
        inventory_adjust(
            item=item, organization=org or self.w1, quantity=Decimal(quantity), reason="count"
        )

    def make_setup(self):
        """Plant P1 makes DESK-60 from 4 LEG and 1 TOP each (a MAKE rule at P1, which also ships
        it); components stocked for 10 desks."""
        self.p1 = OrganizationFactory(code="P1", kind="PLANT", receiving_days=0)
        self.desk = ItemFactory(sku="DESK-60", list_price=Decimal("300"))
        self.leg = ItemFactory(sku="LEG", back_to_back=False)
        self.top = ItemFactory(sku="TOP", back_to_back=False)
        bom = BillOfMaterials.objects.create(item=self.desk, organization=self.p1)
        BomComponent.objects.create(bom=bom, item=self.leg, quantity=4)
        BomComponent.objects.create(bom=bom, item=self.top, quantity=1)
        SourcingRule.objects.create(
            item=self.desk,
            organization=self.p1,
            type="MAKE",
            source_organization=self.p1,
            lead_time_days=3,
        )
        self.stock(self.leg, 40, org=self.p1)
        self.stock(self.top, 10, org=self.p1)

    def transfer_setup(self):
        """Warehouse W2 holds 10 CHAIR; W1 sources CHAIR by transfer from W2."""
        self.w2 = OrganizationFactory(code="W2", receiving_days=1)
        self.chair = ItemFactory(sku="CHAIR", list_price=Decimal("80"))
        SourcingRule.objects.create(
            item=self.chair,
            organization=self.w1,
            type="TRANSFER",
            source_organization=self.w2,
            lead_time_days=2,
        )
        self.stock(self.chair, 10, org=self.w2)

    def order(self, *lines, **kwargs):
        """lines: (item, quantity) pairs or LineInput."""
        inputs = [
            line
            if isinstance(line, LineInput)
            else LineInput(item=line[0], quantity=Decimal(line[1]))
            for line in lines
        ]
        order, _ = sales_order_create(
            customer=kwargs.pop("customer", self.customer),
            lines=inputs,
            acting_user=self.csr,
            **kwargs,
        )
        return order

    def supplied(self, item, quantity, ship_from=None):
        """An order line for `quantity` of `item`, submitted, with its supply document created;
        returns the line."""
        from supply.models import SupplyOrder
        from supply.services import sales_order_submit, supply_order_create_document

        order = self.order(LineInput(item, Decimal(quantity), ship_from=ship_from))
        sales_order_submit(order=order, acting_user=self.csr)
        for supply_order in SupplyOrder.objects.filter(demand_line__order=order):
            supply_order_create_document(supply_order_id=supply_order.pk)
        return order.lines.order_by("line_number").first()

    def work_orders(self, count: int) -> None:
        """`count` one-desk orders made at P1 (make_setup first), their work orders created."""
        from supply.models import SupplyOrder
        from supply.services import sales_order_submit, supply_order_create_document

        for _ in range(count):
            order = self.order(LineInput(self.desk, Decimal(1), ship_from=self.p1))
            sales_order_submit(order=order, acting_user=self.csr)
        for supply_order in SupplyOrder.objects.filter(status="REQUESTED"):
            supply_order_create_document(supply_order_id=supply_order.pk)

    def on_po(self, line, *, communicated=True):
        """The line's requisition ordered on a PO, submitted (open under the threshold) and,
        with `communicated`, emailed to the supplier; returns the PO line."""
        from procurement.models import PurchaseOrderLine

        po = self.on_one_po([line], communicated=communicated)
        return PurchaseOrderLine.objects.select_related("purchase_order").get(
            purchase_order=po, demand_line=line
        )

    def on_one_po(self, lines, *, communicated=True):
        """The requisitions of these lines ordered on one PO (line order), submitted (open
        under the threshold) and, with `communicated`, emailed to the supplier; returns it."""
        from django.contrib.auth import get_user_model

        from core.outbox import outbox_relay
        from procurement.services import purchase_order_communicate, purchase_order_submit
        from supply.flows.buy import purchase_orders_create

        buyer = get_user_model().objects.filter(username="bruno").first()
        buyer = buyer or UserFactory(username="bruno", roles=["buyer"])
        (po,) = purchase_orders_create(
            requisition_line_ids=[line.requisition_lines.get(status="OPEN").pk for line in lines],
            acting_user=buyer,
        )
        po = purchase_order_submit(po=po, acting_user=buyer)
        if communicated and po.status == "OPEN":
            purchase_order_communicate(po=po, acting_user=buyer)
            outbox_relay()
        return po


def api_order(reference: str, *, quantity=1, lines: int = 1) -> dict:
    """The body of POST /api/v1/sales-orders entering and submitting an order of World's
    customer for `lines` lines of the laptop."""
    return {
        "customer": "C-ACME",
        "external_reference": reference,
        "submit": True,
        "lines": [{"item": "LAPTOP-15", "quantity": quantity}] * lines,
    }


def run_concurrently(work, arguments) -> list[Exception]:
    """Run work(argument) in one thread per argument, all released at once; returns errors.

    Each thread closes its database connection, so PostgreSQL sees real concurrent sessions.
    """
    import threading

    from django.db import connection

    barrier, errors = threading.Barrier(len(arguments)), []

    def run(argument):
        try:
            barrier.wait()
            work(argument)
        except Exception as exc:  # reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(a,)) for a in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def page_queries(client, url) -> int:
    """How many database queries a GET of `url` runs (it must answer 200): the query guards
    compare it for few and many rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def pegging_problems() -> list[str]:
    """What breaks the pegging invariants now (empty: none). After any change, on any side:
    - an open line's quantity is covered exactly by what is reserved for it on hand plus its
      active pegged supply still to come (less only while its supply has an open exception or
      it is backordered; a SCHEDULED line's supply order asks for the rest);
    - no reservation waits on a cancelled document or for more than the document still brings;
    - a closed, shipped or cancelled line holds nothing; every balance's reserved is the sum of
      the reservations holding its stock, and the ledger adds up to every balance."""
    from django.db.models import Count, Sum

    from manufacturing.models import WorkOrder
    from orders.models import FulfillmentLine
    from procurement.models import PurchaseOrderLine, RequisitionLine
    from supply.models import SupplyException, SupplyOrder
    from warehouse.models import InventoryBalance, Reservation, TransferOrder
    from warehouse.selectors import ledger_mismatches

    problems = []
    documents = {
        "REQUISITION": (
            RequisitionLine,
            lambda d: d.quantity if d.status == "OPEN" else 0,
        ),
        "PURCHASE_ORDER": (
            PurchaseOrderLine,
            lambda d: d.quantity - d.quantity_received if d.status == "OPEN" else 0,
        ),
        "WORK_ORDER": (
            WorkOrder,
            lambda d: d.quantity - d.quantity_completed if d.status in WorkOrder.OPEN_STATES else 0,
        ),
        "TRANSFER_ORDER": (
            TransferOrder,
            lambda d: (
                sum(x.quantity - x.quantity_received for x in d.lines.all())
                if d.status != "CANCELLED"
                else 0
            ),
        ),
    }
    S = FulfillmentLine.Status
    for line in FulfillmentLine.objects.select_related("order"):
        active = list(line.reservations.filter(status="ACTIVE"))
        on_hand = sum((r.quantity for r in active if r.supply_source == "ON_HAND"), Decimal(0))
        pegged = [r for r in active if r.supply_source in documents]
        to_come = sum((r.quantity for r in pegged), Decimal(0))
        for reservation in pegged:
            model, still = documents[reservation.supply_source]
            document = model.objects.get(pk=reservation.document_id)
            if reservation.quantity > still(document):
                problems.append(
                    f"{line}: waits for {reservation.quantity} on {reservation.document_number}"
                    f" which brings {still(document)}"
                )
        supply = line.supply_orders.exclude(status__in=["CANCELLED", "CLOSED"]).first()
        exception_open = (
            supply is not None
            and SupplyException.objects.filter(supply_order=supply, resolved_at=None).exists()
        )
        covered = on_hand + to_come
        if line.status in (S.DRAFT, S.SHIPPED, S.AWAITING_BILLING, S.CLOSED, S.CANCELLED):
            if active:
                problems.append(f"{line} is {line.status} but holds {active}")
        elif line.status == S.SCHEDULED:
            asked = supply.quantity if supply and supply.status == "REQUESTED" else 0
            if covered + asked != line.quantity and not exception_open:
                problems.append(f"{line} SCHEDULED: {covered} + {asked} != {line.quantity}")
        elif line.status == S.BACKORDERED:
            if covered > line.quantity or (covered == line.quantity and covered):
                problems.append(f"{line} BACKORDERED yet covered {covered} of {line.quantity}")
        elif line.status == S.AWAITING_SHIPPING:
            if on_hand != line.quantity or to_come:
                problems.append(f"{line} AWAITING_SHIPPING: on hand {on_hand}, coming {to_come}")
        elif line.status == S.AWAITING_SUPPLY and (
            covered > line.quantity or (covered < line.quantity and not exception_open)
        ):
            problems.append(f"{line} AWAITING_SUPPLY: covered {covered} of {line.quantity}")
        if supply is not None and supply.status == "EXCEPTION" and not exception_open:
            problems.append(f"{supply} is in EXCEPTION without an open exception")
        if exception_open and supply.status != "EXCEPTION":
            problems.append(f"{supply} is {supply.status} with an open exception")
    active_supply = SupplyOrder.objects.exclude(status__in=["CANCELLED", "CLOSED"])
    if active_supply.values("demand_line").annotate(n=Count("id")).filter(n__gt=1).exists():
        problems.append("a line has two active supply orders")
    for balance in InventoryBalance.objects.all():
        held = Reservation.objects.filter(
            item_id=balance.item_id,
            organization_id=balance.organization_id,
            status="ACTIVE",
            supply_source__in=Reservation.HOLDS_STOCK,
        ).aggregate(n=Sum("quantity"))["n"] or Decimal(0)
        if held != balance.reserved:
            problems.append(f"{balance}: reserved {balance.reserved}, held {held}")
        if balance.reserved > balance.on_hand:
            problems.append(f"{balance}: reserved more than on hand")
    problems += [f"ledger differs from {b}" for b in ledger_mismatches()]
    return problems


def assert_pegging_holds() -> None:
    problems = pegging_problems()
    assert not problems, "\n".join(problems)


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else one snapshot per transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


def run_into_lock(work, hold, probe) -> bool:
    """Run `work` in another session while this one holds the rows of `hold` locked; once it
    waits for them, tell whether the rows of `probe` are still free. Then let it finish."""
    errors = []

    def run():
        try:
            work()
        except Exception as exc:  # reported to the test
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    with transaction.atomic():
        assert list(hold.select_for_update())
        thread.start()
        deadline = time.monotonic() + 10
        while not _waiting_on_a_lock():
            assert time.monotonic() < deadline, f"never waited for the held rows: {errors}"
            time.sleep(0.02)
        try:
            with transaction.atomic():
                list(probe.select_for_update(nowait=True))
            probe_free = True
        except DatabaseError:
            probe_free = False
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert errors == []
    return probe_free
