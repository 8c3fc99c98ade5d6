"""The dashboard page: each role sees its charts, every figure links to the worklist that
lists its rows, a wrong date range is a field error, and the page's queries do not grow with
the data."""

import datetime
import json
import re

import pytest

from supply.services import sales_order_submit
from tests.world import page_queries

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def charts_of(response) -> dict:
    """The chart specifications on the page, by their element id."""
    html = response.content.decode()
    return {
        chart_id: json.loads(body)
        for chart_id, body in re.findall(
            r'<script id="(chart-[a-z-]+)" type="application/json">(.*?)</script>', html, re.S
        )
    }


def test_a_buyer_sees_late_pos_and_a_production_operator_does_not(client_for):
    buyer = charts_of(client_for("buyer").get("/dashboard/"))
    assert set(buyer) == {"chart-lines", "chart-on-time", "chart-lead-time", "chart-ages"}
    # The late-PO chart is drawn only when there is a late PO; its table is there regardless.
    assert "Late POs by supplier" in client_for("buyer").get("/dashboard/").content.decode()
    production = client_for("production").get("/dashboard/").content.decode()
    assert "Late POs by supplier" not in production
    assert "Open exceptions" not in production  # no access to the supply workbench
    assert "Backorders by age" in production


def test_every_bar_links_to_the_filtered_worklist_that_lists_its_lines(client_for, world):
    order = world.supplied(world.laptop, 3).order
    csr = client_for("customer_service")

    lines = charts_of(csr.get("/dashboard/"))["chart-lines"]

    (bought,) = lines["datasets"]
    assert (lines["labels"], bought["label"], bought["data"]) == (["Awaiting supply"], "Buy", [1])
    worklist = csr.get(bought["links"][0])
    assert worklist.status_code == 200
    assert order.number in worklist.content.decode()


def test_the_worklist_behind_a_figure_lists_only_matching_orders(client_for, world):
    bought = world.supplied(world.laptop, 3).order
    world.stock(world.laptop, 1)
    from_stock = world.order((world.laptop, 1))
    sales_order_submit(order=from_stock, acting_user=world.csr)
    csr = client_for("customer_service")

    page = csr.get("/orders/", {"line_status": "AWAITING_SUPPLY", "supply_type": "BUY"})

    assert bought.number in page.content.decode()
    assert from_stock.number not in page.content.decode()
    on_hand = csr.get("/orders/", {"supply_type": "ON_HAND"}).content.decode()
    assert from_stock.number in on_hand and bought.number not in on_hand


def test_a_range_that_ends_before_it_starts_is_refused_with_a_field_message(client_for):
    response = client_for("customer_service").get(
        "/dashboard/", {"start": "2026-05-01", "end": "2026-04-01"}
    )

    assert response.status_code == 200
    assert "The end date must be on or after the start date." in response.content.decode()


def test_an_unreadable_date_is_a_field_message_not_an_error(client_for):
    csr = client_for("customer_service")
    unreadable = csr.get("/dashboard/", {"start": "yesterday"})
    ancient = csr.get("/dashboard/", {"end": "0001-01-05"})

    assert unreadable.status_code == ancient.status_code == 200
    assert "Enter a valid date." in unreadable.content.decode()
    assert "Choose a date from 2000-01-01 to 2099-12-31." in ancient.content.decode()


def test_the_dashboard_runs_the_same_queries_for_one_order_or_many(client_for, world):
    csr = client_for("orchestration_manager")
    world.supplied(world.laptop, 1)
    few = page_queries(csr, "/dashboard/")
    for quantity in range(2, 12):
        world.supplied(world.laptop, quantity)

    assert page_queries(csr, "/dashboard/") == few


def test_the_worklist_says_which_line_filters_a_figure_opened_it_with(client_for, world):
    world.supplied(world.laptop, 3)

    page = client_for("customer_service").get(
        "/orders/",
        {
            "line_status": "AWAITING_SUPPLY",
            "supply_type": "BUY",
            "shipped_from": "2026-11-30",
            "shipped_to": "2026-12-06",
        },
    )

    text = page.content.decode()
    assert "Orders with lines awaiting supply, supply buy, shipped 30 Nov 2026 – 6 Dec 2026" in text
    assert '<input type="hidden" name="line_status" value="AWAITING_SUPPLY">' in text
