"""Every role opens the dashboard in Chromium, sees its charts drawn without errors, and follows
a bar to the worklist behind it."""

import pytest
from playwright.sync_api import expect

from core.roles import ROLE_NAMES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def drawn_charts(page) -> list[str]:
    """The ids of the canvases Chart.js has drawn (a chart instance with data)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('canvas[data-chart]')]
              .filter((c) => Chart.getChart(c) && c.width > 0)
              .map((c) => c.dataset.chart)"""
    )


def click_bar(page, chart_id: str, dataset: int = 0, index: int = 0) -> None:
    """Click the bar of a chart where Chart.js drew it."""
    x, y = page.evaluate(
        """([id, dataset, index]) => {
            const canvas = document.querySelector(`canvas[data-chart="${id}"]`);
            const bar = Chart.getChart(canvas).getDatasetMeta(dataset).data[index];
            const box = canvas.getBoundingClientRect();
            return [box.left + bar.x, box.top + (bar.y + bar.base) / 2];
        }""",
        [chart_id, dataset, index],
    )
    page.mouse.click(x, y)


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_each_role_sees_the_charts_drawn_without_errors(sign_in, live_server, world, role):
    world.supplied(world.laptop, 2)
    page = sign_in(role)
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.get_by_role("link", name="Dashboard").click()

    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.wait_for_function("() => window.Chart !== undefined")
    assert {"chart-lines", "chart-on-time", "chart-lead-time", "chart-ages"} <= set(
        drawn_charts(page)
    )

    click_bar(page, "chart-lines")  # the role follows a chart to the worklist behind it

    page.wait_for_url("**/orders/?*line_status=AWAITING_SUPPLY*")
    expect(page.get_by_test_id("line-filters")).to_contain_text("lines awaiting supply")
    assert errors == []


def test_the_csr_follows_a_bar_to_the_orders_behind_it(sign_in, live_server, world, tmp_path):
    bought = world.supplied(world.laptop, 2).order
    world.stock(world.laptop, 1)
    page = sign_in("customer_service")
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_function("() => document.querySelector('canvas[data-chart]') && window.Chart")
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

    click_bar(page, "chart-lines")

    page.wait_for_url("**/orders/?*line_status=AWAITING_SUPPLY*")
    expect(page.get_by_role("link", name=bought.number)).to_be_visible()
