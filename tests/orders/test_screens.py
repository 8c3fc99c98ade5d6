"""Customer service screens through the HTTP client."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import SalesOrder
from supply.models import SupplyOrder
from supply.services import (
    sales_order_submit,
    supply_order_create_document,
)
from tests.world import page_queries

pytestmark = pytest.mark.django_db


def entry(**lines_and_header):
    data = {
        "customer": "C-ACME",
        "external_reference": "",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "200",
        "lines-0-item": "LAPTOP-15",
        "lines-0-quantity": "3",
        "lines-0-requested_ship_date": "",
        "lines-0-ship_from": "",
        "lines-1-item": "",
        "lines-1-quantity": "",
        "lines-1-requested_ship_date": "",
        "lines-1-ship_from": "",
    }
    data.update(lines_and_header)
    return data


def test_the_worklist_runs_the_same_queries_for_5_or_25_orders(csr, world):
    for _ in range(5):
        sales_order_submit(order=world.order((world.laptop, 2)), acting_user=world.csr)
    few = page_queries(csr, "/orders/")
    for _ in range(20):
        sales_order_submit(order=world.order((world.laptop, 2)), acting_user=world.csr)
    assert page_queries(csr, "/orders/") == few


def test_the_order_page_runs_the_same_queries_for_2_or_10_lines(csr, world):
    world.stock(world.laptop, 1)
    small = world.order(*[(world.laptop, 2)] * 1)
    large = world.order(*[(world.laptop, 2)] * 5)
    for order in (small, large):
        sales_order_submit(order=order, acting_user=world.csr)
    for supply_order in SupplyOrder.objects.all():
        supply_order_create_document(supply_order_id=supply_order.pk)
    assert small.lines.count() == 2 and large.lines.count() == 5
    assert page_queries(csr, f"/orders/{small.number}/") == page_queries(
        csr, f"/orders/{large.number}/"
    )


def test_the_worklist_filters_and_searches(csr, world):
    draft = world.order((world.laptop, 1), external_reference="ACME-PO-9")
    submitted = world.order((world.laptop, 1))
    sales_order_submit(order=submitted, acting_user=world.csr)

    def numbers(query):
        return [o.number for o in csr.get(f"/orders/?{query}").context["page"]]

    assert numbers("status=DRAFT") == [draft.number]
    assert numbers("q=ACME-PO") == [draft.number]
    assert numbers(f"q={submitted.number}") == [submitted.number]
    assert numbers("jeopardy=1") == []
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert numbers(f"from={tomorrow}") == []
    partial = csr.get("/orders/?status=DRAFT", HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and draft.number.encode() in partial.content


def test_entering_and_submitting_an_order(csr, world):
    world.stock(world.laptop, 1)
    response = csr.post("/orders/new/", entry(submit="1", external_reference="PO-5"))

    order = SalesOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.number}/"
    assert order.external_reference == "PO-5" and order.created_by == world.csr
    assert [(line.quantity, line.status) for line in order.lines.order_by("line_number")] == [
        (Decimal(1), "AWAITING_SHIPPING"),
        (Decimal(2), "SCHEDULED"),
    ]
    page = csr.get(response["Location"]).content.decode()
    assert "Why this source" in page and "S-CONTOSO" in page and "Creating supply" in page


def test_saving_a_draft_does_not_promise(csr, world):
    csr.post("/orders/new/", entry(save="1"))
    order = SalesOrder.objects.get()
    assert order.status == "DRAFT"
    page = csr.get(f"/orders/{order.number}/").content.decode()
    assert "Submit order" in page and "Not promised yet" in page
    csr.post(f"/orders/{order.number}/submit/")
    order.refresh_from_db()
    assert order.status == "PROCESSING"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"customer": ""}, "This field is required"),
        ({"lines-0-item": "NOPE"}, "No item with this SKU"),
        ({"lines-0-quantity": "0"}, "greater than zero"),
        ({"lines-0-quantity": "abc"}, "Enter a number"),
        ({"lines-0-requested_ship_date": "2020-01-01"}, "Choose today or a later date"),
        ({"lines-0-item": "", "lines-0-quantity": ""}, "This field is required"),
    ],
)
def test_bad_entries_are_shown_next_to_their_field_and_keep_what_was_typed(
    csr, world, overrides, message
):
    response = csr.post(
        "/orders/new/", entry(submit="1", external_reference="KEEP-ME", **overrides)
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert message in page and "is-invalid" in page
    assert 'value="KEEP-ME"' in page
    assert not SalesOrder.objects.exists()


def test_adding_a_line_keeps_the_entered_lines(csr, world):
    response = csr.post("/orders/new/", entry(add_line="1"))
    formset = response.context["formset"]
    assert formset.total_form_count() == 3
    assert 'value="LAPTOP-15"' in response.content.decode()
    assert not SalesOrder.objects.exists()


def test_the_preview_shows_stock_and_promise_before_submitting(csr, world):
    world.stock(world.laptop, 2)
    response = csr.get(
        "/orders/new/preview/?index=0&customer=C-ACME&lines-0-item=LAPTOP-15&lines-0-quantity=5"
    )
    text = " ".join(response.content.decode().split())
    ship = timezone.localdate() + datetime.timedelta(days=6)
    assert "<strong>2</strong> available at W1" in text
    assert "2 from stock" in text
    assert f"3 by BUY from S-CONTOSO (rank 1) · ships <strong>{ship}</strong>" in text
    assert not SalesOrder.objects.exists()


def test_cancelling_a_line_from_the_order_page(csr, world):
    order = world.order((world.laptop, 2))
    sales_order_submit(order=order, acting_user=world.csr)
    csr.post(f"/orders/{order.number}/lines/1/cancel/", {"reason": "customer called"})
    assert order.lines.get().status == "CANCELLED"


def test_changing_a_line_on_the_order_page_and_what_its_supply_did(csr, world):
    order = world.order((world.laptop, 5))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order_create_document(supply_order_id=order.lines.get().supply_orders.get().pk)

    bad = csr.post(f"/orders/{order.number}/lines/1/change/", {"quantity": "0"}, follow=True)
    assert "Line 1 not changed: Enter a quantity greater than zero" in bad.content.decode()
    answer = csr.post(
        f"/orders/{order.number}/lines/1/change/",
        {"quantity": "3", "reason": "budget"},
        follow=True,
    )

    page = answer.content.decode()
    assert "Line 1 changed; its supply follows" in page
    assert order.lines.get().quantity == 3
    requisition = order.lines.get().requisition_lines.get()
    assert requisition.number in page
    from procurement.models import RequisitionLine

    assert RequisitionLine.objects.get().quantity == 3


def test_cancelling_the_whole_order_from_its_page(csr, world):
    order = world.order((world.laptop, 2), (world.laptop, 1))
    sales_order_submit(order=order, acting_user=world.csr)

    csr.post(f"/orders/{order.number}/cancel/", {"reason": "customer went elsewhere"})

    order.refresh_from_db()
    assert order.status == "CANCELLED"


def test_the_worklist_flags_orders_that_need_attention(csr, world):
    world.rule.delete()  # nothing can supply the laptop: backordered
    flagged = world.order((world.laptop, 2))
    sales_order_submit(order=flagged, acting_user=world.csr)
    world.stock(world.laptop, 5)
    fine = world.order((world.laptop, 1))
    sales_order_submit(order=fine, acting_user=world.csr)

    page = csr.get("/orders/?attention=1").content.decode()

    assert flagged.number in page and fine.number not in page
    assert "1 line needs attention" in page
    detail = csr.get(f"/orders/{flagged.number}/").content.decode()
    assert "Needs attention" in detail


def test_other_roles_read_orders_but_cannot_enter_or_cancel(client, world, role_users):
    order = world.order((world.laptop, 2))
    client.force_login(role_users["buyer"])
    assert client.get(f"/orders/{order.number}/").status_code == 200
    assert b"Submit order" not in client.get(f"/orders/{order.number}/").content
    assert client.get("/orders/new/").status_code == 403
    assert client.post(f"/orders/{order.number}/submit/").status_code == 403
    assert (
        client.post(f"/orders/{order.number}/lines/1/cancel/", {"reason": "x"}).status_code == 403
    )
    assert order.lines.get().status == "DRAFT"


@pytest.mark.django_db
def test_line_filters_do_not_multiply_the_line_count(client, world):
    client.force_login(world.csr)
    world.order((world.laptop, 1), (world.laptop, 2), (world.laptop, 3))
    today = timezone.localdate()
    page = client.get(f"/orders/?from={today}&to={today + datetime.timedelta(days=1)}")
    assert [o.line_count for o in page.context["page"]] == [3]


@pytest.mark.django_db
def test_odd_numbers_in_the_entry_form_never_crash_it(client, world):
    client.force_login(world.csr)
    preview = client.get("/orders/new/preview/?index=0&lines-0-item=LAPTOP-15&lines-0-quantity=NaN")
    assert preview.status_code == 200
    added = client.post(
        "/orders/new/", {"customer": "C-ACME", "add_line": "1", "lines-TOTAL_FORMS": "x"}
    )
    assert added.status_code == 200
