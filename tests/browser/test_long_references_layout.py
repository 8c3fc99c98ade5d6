"""In Chromium: with the longest references the data allows (a 40-character SKU, a 60-character
customer PO, a long customer name), no page of the order's chain is wider than a 1280-pixel
screen and no document number breaks across lines; on a 390-pixel phone the order page's
invoices read as cards without sideways scroll."""

from decimal import Decimal

import pytest

from billing.services import invoices_create_for_shipment
from orders.services import LineInput
from procurement.models import PurchaseOrder
from supply.flows.ship import shipment_confirm
from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document
from tests.factories import CustomerFactory, ItemFactory
from warehouse.shipments import ShipLine, shipment_create, shipment_move

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
LONG_SKU = "LAPTOP-15-PRO-MAX-2026-EU-KEYBOARD-SILVR"  # 40 characters, the longest allowed
LONG_PO = "PO-ACME-PURCHASING-DEPARTMENT-NORTH-AMERICA-2026-Q4-00004711"  # 60 characters

# Links and plain references whose text is a document number (SO-000001, PO-000001/1, …).
BROKEN_NUMBERS = """() => [...document.querySelectorAll("main a, main .doc-ref")]
  .filter((e) => /^[A-Z]{2,4}-\\d{6}(\\/\\d+)?$/.test(e.textContent.trim()))
  .filter((e) => e.getClientRects().length > 1
    || e.getBoundingClientRect().height > 1.6 * parseFloat(getComputedStyle(e).lineHeight || 20))
  .map((e) => e.textContent.trim())"""


def width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def long_order(world):
    customer = CustomerFactory(
        number="C-INTERNATIONAL-HOLDINGS",
        name="Acme International Holdings and Distribution Services (North America) Inc.",
        default_ship_from=world.w1,
    )
    laptop = ItemFactory(sku=LONG_SKU, description="A laptop with the longest SKU there is")
    world.rule.pk = None
    world.rule.item = laptop
    world.rule.save()
    world.stock(laptop, 1)
    order = world.order(
        LineInput(laptop, Decimal(3)), customer=customer, external_reference=LONG_PO
    )
    sales_order_submit(order=order, acting_user=world.csr)
    for supply_order in SupplyOrder.objects.all():
        supply_order_create_document(supply_order_id=supply_order.pk)
    shipped = order.lines.get(line_number=1)
    shipment = shipment_create(organization=world.w1, lines=[ShipLine(shipped)])
    shipment_move(shipment=shipment, action="pick")
    shipment_move(shipment=shipment, action="pack")
    shipment_confirm(shipment=shipment, carrier="UPS", tracking_number="1Z999AA10123456784")
    invoices_create_for_shipment(shipment_id=shipment.pk)
    return order


def test_no_page_of_the_chain_is_wider_than_the_screen(
    live_server, page, sign_in, long_order, world
):
    world.on_po(long_order.lines.get(line_number=2))
    po = PurchaseOrder.objects.get().number
    page.set_viewport_size(DESKTOP)
    pages = {
        "customer_service": {
            "worklist": "/orders/",
            "order": f"/orders/{long_order.number}/",
            "pegging-1": f"/supply/lines/{long_order.number}/1/",
            "pegging-2": f"/supply/lines/{long_order.number}/2/",
            "supply": "/supply/",
            "dashboard": "/dashboard/",
        },
        "buyer": {
            "purchase-orders": "/procurement/purchase-orders/",
            "purchase-order": f"/procurement/purchase-orders/{po}/",
        },
        "warehouse": {"shipping": "/warehouse/shipping/", "receiving": "/warehouse/receiving/"},
    }
    for role, screens in pages.items():
        page.context.clear_cookies()
        sign_in(role)
        for name, url in screens.items():
            page.goto(f"{live_server.url}{url}")
            page.screenshot(path=f"/tmp/layout-{name}.png", full_page=True)
            assert width(page) <= DESKTOP["width"], name
            assert page.evaluate(BROKEN_NUMBERS) == [], name


def test_the_order_pages_invoices_fit_a_phone(live_server, page, sign_in, long_order):
    sign_in("customer_service")
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/orders/{long_order.number}/")

    invoices = page.locator("#invoices")
    invoices.scroll_into_view_if_needed()
    page.screenshot(path="/tmp/layout-order-phone.png", full_page=True)
    assert width(page) <= PHONE["width"]
    box = invoices.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    table_scrolls = invoices.evaluate(
        "t => t.parentElement.scrollWidth > t.parentElement.clientWidth"
    )
    assert not table_scrolls, "the invoice table scrolls sideways inside its box"
