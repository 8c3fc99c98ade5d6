"""The order entry form as a CSR meets it: today's date shown where today is used, a plain
message for an order without lines, and a preview that follows every field of its line."""

import re

import pytest
from django.utils import timezone

from orders.models import SalesOrder

pytestmark = pytest.mark.django_db


def blank_order(**more):
    return {
        "customer": "C-ACME",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "200",
        **more,
    }


def test_the_requested_ship_date_shows_today_the_date_the_order_uses(csr):
    page = csr.get("/orders/new/").content.decode()

    today = timezone.localdate().isoformat()
    assert re.search(rf'name="lines-0-requested_ship_date"[^>]*value="{today}"', page)


def test_an_added_line_also_shows_today(csr):
    response = csr.post(
        "/orders/new/",
        blank_order(**{"lines-0-item": "LAPTOP-15", "lines-0-quantity": "1", "add_line": "1"}),
    )

    today = timezone.localdate().isoformat()
    assert re.search(rf'name="lines-1-requested_ship_date"[^>]*value="{today}"', response.text)


def test_a_line_left_at_today_is_entered_for_today(csr):
    csr.post(
        "/orders/new/",
        blank_order(
            save="1",
            **{
                "lines-0-item": "LAPTOP-15",
                "lines-0-quantity": "2",
                "lines-0-requested_ship_date": timezone.localdate().isoformat(),
            },
        ),
    )

    assert SalesOrder.objects.get().lines.get().requested_ship_date == timezone.localdate()


def test_an_order_without_lines_says_what_to_add(csr):
    today = timezone.localdate().isoformat()

    response = csr.post(
        "/orders/new/",
        blank_order(submit="1", **{"lines-0-requested_ship_date": today}),
    )

    assert response.status_code == 422
    assert "Add at least one line: item and quantity." in response.text
    assert "Please submit" not in response.text and "form." not in response.text
    assert not SalesOrder.objects.exists()


def test_an_order_whose_every_line_is_removed_says_what_to_add(csr):
    response = csr.post(
        "/orders/new/",
        blank_order(
            submit="1",
            **{"lines-0-item": "LAPTOP-15", "lines-0-quantity": "1", "lines-0-DELETE": "on"},
        ),
    )

    assert response.status_code == 422
    assert "Add at least one line: item and quantity." in response.text
    assert not SalesOrder.objects.exists()


def test_a_removed_line_is_left_out_of_the_order(csr, world):
    csr.post(
        "/orders/new/",
        blank_order(
            save="1",
            **{
                "lines-TOTAL_FORMS": "2",
                "lines-0-item": "LAPTOP-15",
                "lines-0-quantity": "1",
                "lines-1-item": "LAPTOP-15",
                "lines-1-quantity": "7",
                "lines-1-DELETE": "on",
            },
        ),
    )

    assert [line.quantity for line in SalesOrder.objects.get().lines.all()] == [1]


def test_each_line_previews_again_as_any_of_its_fields_is_typed(csr):
    page = csr.get("/orders/new/").content.decode()

    row = re.search(r'<tr class="entry-line"[^>]*>', page).group(0)
    assert 'hx-trigger="keyup changed delay:300ms, change, change from:#id_customer, load"' in row
    assert 'hx-include="closest tr, #id_customer"' in row


def test_adding_a_line_to_a_full_order_says_so_and_changes_no_line(csr):
    lines = {}
    for index in range(200):
        lines[f"lines-{index}-item"] = "LAPTOP-15"
        lines[f"lines-{index}-quantity"] = "1"
        lines[f"lines-{index}-requested_ship_date"] = f"2030-01-{index % 28 + 1:02d}"
    data = {**blank_order(add_line="1", **lines), "lines-TOTAL_FORMS": "200"}

    response = csr.post("/orders/new/", data)

    assert response.status_code == 422
    assert "An order holds at most 200 lines" in response.text
    assert 'name="lines-200-item"' not in response.text
    last = re.search(r'name="lines-199-requested_ship_date"[^>]*value="([^"]*)"', response.text)
    assert last.group(1) == "2030-01-04"  # line 200 keeps its own date


def test_an_added_line_copies_the_date_of_the_last_line_still_on_the_order(csr):
    response = csr.post(
        "/orders/new/",
        {
            **blank_order(add_line="1"),
            "lines-TOTAL_FORMS": "2",
            "lines-0-item": "LAPTOP-15",
            "lines-0-quantity": "1",
            "lines-0-requested_ship_date": "2030-05-01",
            "lines-1-item": "LAPTOP-15",
            "lines-1-quantity": "1",
            "lines-1-requested_ship_date": "2030-06-01",
            "lines-1-DELETE": "on",
        },
    )

    assert re.search(r'name="lines-2-requested_ship_date"[^>]*value="2030-05-01"', response.text)
