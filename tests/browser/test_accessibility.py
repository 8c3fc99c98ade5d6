"""Every role's main screens in Chromium pass axe-core (vendored in tests/browser/vendor) with no
serious or critical violation; each screen is also photographed at 1280×800 for the user guide
(docs/screenshots/<role>-<page>.png), on a small but realistic set of orders in several states."""

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from manufacturing.models import WorkOrder
from orders.services import LineInput
from supply.models import SupplyOrder
from supply.services import sales_order_submit
from tests.factories import PASSWORD, CustomerFactory, ItemFactory, UserFactory
from tests.world import World
from warehouse.waves import wave_release

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
BLOCKING = ("serious", "critical")

# Who signs in for each role (realistic names: they show in the screenshots' menu bar).
PEOPLE = {
    "customer_service": "carla",
    "buyer": "bruno",
    "procurement_manager": "petra",
    "warehouse": "wendy",
    "production": "pablo",
    "orchestration_manager": "oscar",
}


@pytest.fixture
def browser_context_args(browser_context_args):
    """The size of the user guide's screenshots."""
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


@dataclass
class Business:
    """Document numbers of the scene the screens are looked at on."""

    bought_order: str
    purchase_order: str
    work_order: str
    supply_order: str
    wave: str


def business() -> Business:
    """A few days of business at W1: laptops bought on a PO sent to Contoso, a large laptop
    order whose PO waits for approval, a requisition still to order, desks made at plant P1,
    chairs transferred from W2, chairs ready to ship from W2, and an order still in draft."""
    world = World()
    world.make_setup()
    world.transfer_setup()
    for record, name in (
        (world.w1, "Warehouse Lyon"),
        (world.w2, "Warehouse Marseille"),
        (world.p1, "Plant Grenoble"),
    ):
        record.name = name
        record.save()
    world.customer.name = "Acme Industries"
    world.customer.save()
    world.contoso.name = "Contoso Ltd"
    world.contoso.save()
    for item, description in (
        (world.laptop, "Laptop 15-inch, 16 GB"),
        (world.desk, "Standing desk 160×80"),
        (world.chair, "Office chair, mesh back"),
        (world.leg, "Desk leg, steel"),
        (world.top, "Desk top, oak 160×80"),
    ):
        item.description = description
        item.save()
    globex = CustomerFactory(
        number="C-GLOBEX", name="Globex Corporation", default_ship_from=world.w1
    )
    world.csr.username = "carla"  # who enters the orders
    world.csr.save()
    for role, username in PEOPLE.items():
        UserFactory(username=username, roles=[role], first_name=username.title())

    bought = world.supplied(world.laptop, 5)
    po_line = world.on_po(bought)
    world.on_po(world.supplied(world.laptop, 12), communicated=False)  # over the threshold
    world.supplied(world.laptop, 3)  # a requisition the buyer has still to order
    world.supplied(world.desk, 2, ship_from=world.p1)
    world.supplied(world.chair, 4)
    dock = ItemFactory(sku="DOCK-USB", description="USB-C dock", back_to_back=False)
    world.stock(dock, 25)
    monitor = ItemFactory(sku="MONITOR-27", description="Monitor 27-inch", back_to_back=False)
    for lines in (
        [LineInput(world.chair, Decimal(3), ship_from=world.w2)],  # ready to ship at W2
        [LineInput(dock, Decimal(6))],  # ready to ship at W1
        [LineInput(monitor, Decimal(4))],  # no source and no stock
    ):
        sales_order_submit(order=world.order(*lines, customer=globex), acting_user=world.csr)
    world.order((dock, 2), (world.laptop, 1), customer=globex)  # still a draft
    for quantity in (4, 2):  # Acme's docks, released in a pick wave
        sales_order_submit(order=world.order((dock, quantity)), acting_user=world.csr)
    wave = wave_release(organization=world.w1, customer=world.customer, carrier="UPS")
    return Business(
        bought_order=bought.order.number,
        purchase_order=po_line.purchase_order.number,
        work_order=WorkOrder.objects.get().number,
        supply_order=SupplyOrder.objects.get(demand_line=bought).number,
        wave=wave.number,
    )


# (role, screenshot prefix, page name, address; {…} from Business)
PAGES = [
    ("customer_service", "csr", "orders", "/orders/"),
    ("customer_service", "csr", "order-entry", "/orders/new/"),
    ("customer_service", "csr", "order", "/orders/{bought_order}/"),
    ("customer_service", "csr", "dashboard", "/dashboard/"),
    ("customer_service", "csr", "not-found", "/no-such-page/"),
    ("buyer", "buyer", "requisitions", "/procurement/requisitions/"),
    ("buyer", "buyer", "purchase-orders", "/procurement/purchase-orders/"),
    ("buyer", "buyer", "purchase-order", "/procurement/purchase-orders/{purchase_order}/"),
    ("buyer", "buyer", "profile", "/profile/"),
    ("procurement_manager", "approver", "approvals", "/procurement/approvals/"),
    ("warehouse", "warehouse", "receiving", "/warehouse/receiving/"),
    ("warehouse", "warehouse", "shipping", "/warehouse/shipping/"),
    ("warehouse", "warehouse", "pick-wave", "/warehouse/waves/{wave}/"),
    ("warehouse", "warehouse", "transfers", "/warehouse/transfers/"),
    ("warehouse", "warehouse", "inventory", "/warehouse/inventory/"),
    ("production", "production", "work-orders", "/manufacturing/work-orders/"),
    ("production", "production", "work-order", "/manufacturing/work-orders/{work_order}/"),
    ("orchestration_manager", "orchestrator", "supply", "/supply/"),
    ("orchestration_manager", "orchestrator", "supply-order", "/supply/orders/{supply_order}/"),
]


def sign_in(page, live_server, role):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("User name").fill(PEOPLE[role])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now. The script is
    evaluated through the DevTools protocol, so the page's Content-Security-Policy stays on."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [v for v in results["violations"] if v["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary']!r}")
        lines.append(f"    {violation['helpUrl']}")
    return "\n".join(lines)


def settle(page, name):
    """Wait until what the screen draws after loading is there (order entry: with a line
    entered and its promise previewed, as the user guide shows it)."""
    page.wait_for_load_state("networkidle")
    if name == "order-entry":
        page.get_by_label("Customer", exact=True).select_option("C-ACME")
        page.get_by_label("Item of line 1").fill("LAPTOP-15")
        page.get_by_label("Quantity of line 1").fill("4")
        page.get_by_label("Quantity of line 1").press("Tab")
        expect(page.get_by_text("Enter item and quantity")).to_have_count(0)
        page.wait_for_load_state("networkidle")
    if name == "dashboard":
        page.wait_for_function("() => window.Chart && document.querySelector('canvas[data-chart]')")


@pytest.mark.parametrize(
    ("role", "prefix", "name", "path"), [pytest.param(*p, id=f"{p[1]}-{p[2]}") for p in PAGES]
)
def test_each_main_screen_has_no_serious_accessibility_violation(
    live_server, page, role, prefix, name, path
):
    numbers = business()
    sign_in(page, live_server, role)

    page.goto(live_server.url + path.format(**vars(numbers)))
    settle(page, name)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{prefix}-{name}.png"))

    violations = axe_violations(page)
    assert violations == [], f"{path}:\n{describe(violations)}"


def test_the_sign_in_page_has_no_serious_accessibility_violation(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "sign-in.png"))

    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_the_skip_link_appears_on_tab_and_takes_the_focus_to_the_content(live_server, page):
    UserFactory(username="bruno", roles=["buyer"])
    sign_in(page, live_server, "buyer")
    page.goto(f"{live_server.url}/notifications/")  # a page that puts the focus nowhere

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")

    expect(page.locator("main#main")).to_be_focused()


def test_the_role_label_in_the_menu_bar_is_readable(live_server, page):
    """The role next to the user name (small grey text on the dark bar) keeps WCAG AA contrast."""
    UserFactory(username="bruno", roles=["buyer"])
    sign_in(page, live_server, "buyer")
    page.evaluate(AXE.read_text())

    results = page.evaluate(
        "() => axe.run('nav small', {runOnly: ['color-contrast'], resultTypes: ['violations']})"
    )

    assert page.locator("nav small").inner_text() == "· Buyer"
    assert results["violations"] == []
