"""A small, realistic set of master data that most flow tests start from."""

from decimal import Decimal

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
