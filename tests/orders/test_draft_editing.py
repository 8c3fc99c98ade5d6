"""A draft order is edited before it is submitted: header and lines (change, add, remove), from
its page; saved as a draft again or submitted. Only a draft changes this way."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.exceptions import BusinessRuleError, Conflict, InvalidTransition
from core.models import TransitionLog
from orders.services import LineInput, sales_order_draft_update
from supply.services import sales_order_submit
from tests.factories import CustomerFactory, ItemFactory

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


def lines_of(order):
    return [
        (line.line_number, line.item.sku, line.quantity, line.status)
        for line in order.lines.select_related("item").order_by("line_number")
    ]


def test_a_draft_changes_its_lines_adds_and_removes_some(world):
    dock = ItemFactory(sku="DOCK", list_price=Decimal("80"))
    order = world.order((world.laptop, 2), (world.laptop, 5))

    sales_order_draft_update(
        order=order,
        customer=world.customer,
        external_reference="PO-77",
        lines=[
            LineInput(world.laptop, Decimal(3), requested_ship_date=TOMORROW, line_number=1),
            LineInput(dock, Decimal(4)),
        ],
        acting_user=world.csr,
    )

    order.refresh_from_db()
    assert order.status == "DRAFT" and order.external_reference == "PO-77"
    assert lines_of(order) == [
        (1, "LAPTOP-15", Decimal(3), "DRAFT"),
        (3, "DOCK", Decimal(4), "DRAFT"),
    ]
    first, added = order.lines.order_by("line_number")
    assert first.requested_ship_date == TOMORROW
    assert added.unit_price == Decimal("80") and added.requested_ship_date == timezone.localdate()


def test_every_change_to_a_draft_is_in_its_change_log(world):
    order = world.order((world.laptop, 2), (world.laptop, 5))
    line = order.lines.get(line_number=1)

    sales_order_draft_update(
        order=order,
        customer=world.customer,
        external_reference="PO-1",
        lines=[LineInput(world.laptop, Decimal(3), line_number=1), LineInput(world.laptop, 1)],
        acting_user=world.csr,
    )

    changes = {
        (entry.field, entry.from_value, entry.to_value)
        for entry in TransitionLog.objects.filter(reason__in=["draft edited", "added to the draft"])
    }
    assert ("quantity", "2", "3") in changes
    assert ("external_reference", "", "PO-1") in changes
    assert ("lines", "line 2: 5 LAPTOP-15", "removed") in changes
    assert ("status", "", "DRAFT") in changes  # line 3 added
    assert TransitionLog.objects.filter(demand_line_id=line.pk, field="quantity").get().actor == (
        world.csr
    )


def test_a_draft_moves_to_another_customer(world):
    other = CustomerFactory(number="C-OTHER", default_ship_from=world.w1)
    order = world.order((world.laptop, 2))

    sales_order_draft_update(
        order=order,
        customer=other,
        lines=[LineInput(world.laptop, Decimal(2), line_number=1)],
        acting_user=world.csr,
    )

    order.refresh_from_db()
    assert order.customer == other


def test_a_customer_po_used_on_another_order_is_refused(world):
    world.order((world.laptop, 1), external_reference="PO-TAKEN")
    order = world.order((world.laptop, 2))

    with pytest.raises(Conflict, match="already has customer PO “PO-TAKEN”"):
        sales_order_draft_update(
            order=order,
            customer=world.customer,
            external_reference="PO-TAKEN",
            lines=[LineInput(world.laptop, Decimal(2), line_number=1)],
        )
    order.refresh_from_db()
    assert order.external_reference == ""


def test_a_submitted_order_is_not_edited_as_a_draft(world):
    order = world.order((world.laptop, 2))
    sales_order_submit(order=order, acting_user=world.csr)

    with pytest.raises(InvalidTransition, match="only a draft"):
        sales_order_draft_update(
            order=order,
            customer=world.customer,
            lines=[LineInput(world.laptop, Decimal(9), line_number=1)],
        )
    assert order.lines.get().quantity == 2


def test_a_line_number_the_draft_does_not_have_is_refused(world):
    order = world.order((world.laptop, 2))

    with pytest.raises(BusinessRuleError, match="no draft line 7"):
        sales_order_draft_update(
            order=order,
            customer=world.customer,
            lines=[LineInput(world.laptop, Decimal(1), line_number=7)],
        )


def test_a_refused_submit_leaves_the_draft_as_it_was(world):
    order = world.order((world.laptop, 2))

    def refuse(saved):
        raise BusinessRuleError("nothing can supply it")

    with pytest.raises(BusinessRuleError):
        sales_order_draft_update(
            order=order,
            customer=world.customer,
            lines=[LineInput(world.laptop, Decimal(6), line_number=1)],
            then=refuse,
        )
    assert lines_of(order) == [(1, "LAPTOP-15", Decimal(2), "DRAFT")]


# --- through the screens --------------------------------------------------------------------


def edit_form(order, lines, **header):
    data = {
        "customer": order.customer.number,
        "external_reference": order.external_reference,
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": str(sum(1 for line in lines if line.get("line_number"))),
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "200",
        **header,
    }
    for index, line in enumerate(lines):
        for name, value in line.items():
            data[f"lines-{index}-{name}"] = value
    return data


def test_the_order_page_of_a_draft_offers_to_edit_it(csr, world):
    order = world.order((world.laptop, 2))

    page = csr.get(f"/orders/{order.number}/").content.decode()

    assert f'href="/orders/{order.number}/edit/"' in page and "Edit draft" in page


def test_the_order_page_of_a_submitted_order_does_not(csr, world):
    order = world.order((world.laptop, 2))
    sales_order_submit(order=order, acting_user=world.csr)

    page = csr.get(f"/orders/{order.number}/").content.decode()

    assert "Edit draft" not in page
    response = csr.get(f"/orders/{order.number}/edit/", follow=True)
    assert "was submitted: change its lines one by one" in response.content.decode()


def test_the_edit_form_shows_the_draft_as_it_is(csr, world):
    order = world.order(LineInput(world.laptop, Decimal("2.5"), requested_ship_date=TOMORROW))

    page = csr.get(f"/orders/{order.number}/edit/").content.decode()

    assert "Edit draft" in page
    assert 'name="lines-0-line_number" value="1"' in page
    assert 'value="LAPTOP-15"' in page and 'value="2.5"' in page
    assert f'value="{TOMORROW.isoformat()}"' in page
    assert '<option value="C-ACME" selected>' in page


def test_saving_the_edit_form_keeps_a_draft(csr, world):
    order = world.order((world.laptop, 2), (world.laptop, 5))

    response = csr.post(
        f"/orders/{order.number}/edit/",
        edit_form(
            order,
            [
                {"line_number": "1", "item": "LAPTOP-15", "quantity": "4"},
                {"line_number": "2", "item": "LAPTOP-15", "quantity": "5", "DELETE": "on"},
                {"item": "LAPTOP-15", "quantity": "1"},
            ],
            save="1",
        ),
    )

    assert response.status_code == 302 and response["Location"] == f"/orders/{order.number}/"
    assert lines_of(order) == [
        (1, "LAPTOP-15", Decimal(4), "DRAFT"),
        (3, "LAPTOP-15", Decimal(1), "DRAFT"),
    ]


def test_submitting_the_edit_form_promises_the_changed_order(csr, world):
    world.stock(world.laptop, 10)
    order = world.order((world.laptop, 2))

    csr.post(
        f"/orders/{order.number}/edit/",
        edit_form(order, [{"line_number": "1", "item": "LAPTOP-15", "quantity": "6"}], submit="1"),
    )

    order.refresh_from_db()
    assert order.status == "PROCESSING"
    assert lines_of(order) == [(1, "LAPTOP-15", Decimal(6), "AWAITING_SHIPPING")]


def test_a_bad_edit_is_shown_on_the_form_and_changes_nothing(csr, world):
    order = world.order((world.laptop, 2))

    response = csr.post(
        f"/orders/{order.number}/edit/",
        edit_form(order, [{"line_number": "1", "item": "NOPE", "quantity": "6"}], save="1"),
    )

    assert response.status_code == 422
    assert "No item with this SKU" in response.content.decode()
    assert lines_of(order) == [(1, "LAPTOP-15", Decimal(2), "DRAFT")]


def test_other_roles_cannot_edit_a_draft(client, world, role_users):
    order = world.order((world.laptop, 2))
    client.force_login(role_users["buyer"])

    assert client.get(f"/orders/{order.number}/edit/").status_code == 403
    assert b"Edit draft" not in client.get(f"/orders/{order.number}/").content
