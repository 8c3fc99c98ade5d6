"""The order worklist as CSV: every order its filters select (not only the page), with the
columns a CSR works with, in a constant number of queries however many orders."""

import csv
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.services import LineInput
from supply.services import sales_order_submit

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_export_link_carries_the_worklists_filters(csr, world):
    page = csr.get("/orders/?status=DRAFT&q=PO").content.decode()

    assert 'href="/orders/?status=DRAFT&amp;q=PO&amp;format=csv"' in page
    partial = csr.get("/orders/?customer=C-ACME", HTTP_HX_REQUEST="true").content.decode()
    assert 'href="/orders/?customer=C-ACME&amp;format=csv"' in partial


def test_the_csv_has_the_columns_a_csr_expects(csr, world):
    world.rule.delete()  # nothing can supply the laptop: backordered, needs attention
    order = world.order(
        LineInput(world.laptop, Decimal(2)),
        LineInput(world.laptop, Decimal(1), unit_price=Decimal("99.5")),
        external_reference="ACME-7",
    )
    sales_order_submit(order=order, acting_user=world.csr)

    (row,) = rows_of(csr.get("/orders/?format=csv"))

    today = timezone.localdate().isoformat()
    assert row == {
        "Order": order.number,
        "Customer": "C-ACME",
        "Customer name": world.customer.name,
        "Customer PO": "ACME-7",
        "Status": "PROCESSING",
        "Order date": today,
        "Requested ship date": today,
        "Next ship date": "",
        "Lines": "2",
        "Total": "2499.50",
        "Currency": "USD",
        "Lines needing attention": "2",
        "Jeopardy (days)": "0",
    }


def test_the_csv_holds_every_filtered_order_not_only_the_first_page(csr, world):
    for _ in range(55):
        world.order((world.laptop, 1))
    submitted = world.order((world.laptop, 1))
    sales_order_submit(order=submitted, acting_user=world.csr)

    drafts = rows_of(csr.get("/orders/?status=DRAFT&format=csv"))

    assert len(csr.get("/orders/?status=DRAFT").context["page"]) == 50
    assert len(drafts) == 55 and submitted.number not in {row["Order"] for row in drafts}


def test_the_csv_of_50_orders_runs_a_constant_number_of_queries(
    csr, world, django_assert_max_num_queries
):
    for _ in range(2):
        world.order((world.laptop, 1), (world.laptop, 2))
    with django_assert_max_num_queries(8) as few:
        assert len(rows_of(csr.get("/orders/?format=csv"))) == 2
    for _ in range(48):
        world.order((world.laptop, 1), (world.laptop, 2))
    with django_assert_max_num_queries(len(few)):
        assert len(rows_of(csr.get("/orders/?format=csv"))) == 50


def test_other_roles_export_what_they_may_read(client, world, role_users):
    world.order((world.laptop, 1))
    client.force_login(role_users["buyer"])

    assert len(rows_of(client.get("/orders/?format=csv"))) == 1
