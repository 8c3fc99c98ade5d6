"""Requisitions and purchase orders through the API: each endpoint, 403 per role, 409 moves."""

from decimal import Decimal

import pytest

from core.outbox import outbox_relay
from procurement.models import PurchaseOrder, RequisitionLine
from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def requisition(world, quantity=2):
    order = world.order((world.laptop, quantity))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order_create_document(
        supply_order_id=SupplyOrder.objects.get(demand_line__order=order).pk
    )
    return RequisitionLine.objects.get(demand_line__order=order)


@pytest.fixture
def as_role(client):
    users = {}

    def login(role):
        if role not in users:
            users[role] = UserFactory(username=f"{role}-user", roles=[role])
        client.force_login(users[role])

        def call(method, url, body=None):
            return getattr(client, method)(f"/api/v1{url}", body, content_type="application/json")

        return call

    return login


def test_the_buyer_lists_requisitions_and_creates_a_po_by_id_or_number(world, as_role):
    first, second = requisition(world), requisition(world, quantity=3)
    api = as_role("buyer")

    listed = api("get", "/requisition-lines?status=OPEN&supplier=S-CONTOSO").json()
    assert listed["count"] == 2
    row = listed["items"][0]
    assert (row["number"], row["supplier"], row["sales_order"], row["sales_order_line"]) == (
        first.number,
        "S-CONTOSO",
        first.demand_line.order.number,
        1,
    )

    response = api("post", "/purchase-orders", {"requisition_lines": [first.pk, second.number]})

    assert response.status_code == 201
    (po,) = response.json()["items"]
    assert (po["supplier"], po["organization"], po["status"], po["total"]) == (
        "S-CONTOSO",
        "W1",
        "DRAFT",
        "4500.00",
    )
    assert [
        (line["line_number"], line["quantity"], line["sales_order"]) for line in po["lines"]
    ] == [
        (1, "2.000", first.demand_line.order.number),
        (2, "3.000", second.demand_line.order.number),
    ]
    assert po["acknowledgment"] == "PENDING" and po["communicated_at"] is None


def test_unknown_requisitions_are_field_errors(world, as_role):
    response = as_role("buyer")(
        "post", "/purchase-orders", {"requisition_lines": [99999, "REQ-NOPE"]}
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {
        "requisition_lines[0]",
        "requisition_lines[1]",
    }


def test_ordering_a_requisition_twice_is_a_conflict(world, as_role):
    req = requisition(world)
    api = as_role("buyer")
    api("post", "/purchase-orders", {"requisition_lines": [req.pk]})
    response = api("post", "/purchase-orders", {"requisition_lines": [req.pk]})
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def test_submit_approve_communicate_acknowledge_through_the_api(
    world, as_role, settings, mailoutbox
):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1000")
    req = requisition(world)
    buyer = as_role("buyer")
    number = buyer("post", "/purchase-orders", {"requisition_lines": [req.pk]}).json()["items"][0][
        "number"
    ]

    assert buyer("post", f"/purchase-orders/{number}/submit").json()["status"] == "PENDING_APPROVAL"
    early = buyer("post", f"/purchase-orders/{number}/communicate")
    assert early.status_code == 409 and early.json()["code"] == "invalid_transition"

    manager = as_role("procurement_manager")
    assert manager("post", f"/purchase-orders/{number}/approve").json()["status"] == "OPEN"
    again = manager("post", f"/purchase-orders/{number}/approve")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"

    buyer = as_role("buyer")
    queued = buyer("post", f"/purchase-orders/{number}/communicate")
    # Queued in the outbox: communicated once the mail server has taken the email.
    assert queued.status_code == 200 and queued.json()["communicated_at"] is None
    twice = buyer("post", f"/purchase-orders/{number}/communicate")
    assert twice.status_code == 409 and "on its way" in twice.json()["detail"]
    assert outbox_relay() == 1 and len(mailoutbox) == 1
    assert buyer("get", f"/purchase-orders/{number}").json()["communicated_at"] is not None
    again = buyer("post", f"/purchase-orders/{number}/communicate")
    assert again.status_code == 409 and "already sent" in again.json()["detail"]
    assert outbox_relay() == 0 and len(mailoutbox) == 1

    promised = str(req.demand_line.promised_ship_date)
    ack = buyer(
        "post",
        f"/purchase-orders/{number}/acknowledge",
        {"accepted": True, "lines": [{"line_number": 1, "promised_date": promised}]},
    ).json()
    assert ack["acknowledgment"] == "ACCEPTED" and ack["lines"][0]["promised_date"] == promised
    order = as_role("customer_service")(
        "get", f"/sales-orders/{req.demand_line.order.number}"
    ).json()
    assert order["lines"][0]["jeopardy_days"] == 1  # promised + 1 receiving day
    listed = buyer("get", f"/purchase-orders?sales_order={req.demand_line.order.number}").json()
    assert [p["number"] for p in listed["items"]] == [number]


def test_the_submitter_cannot_approve_their_own_po(world, as_role, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1")
    req = requisition(world)
    manager_and_buyer = UserFactory(username="both", roles=["buyer", "procurement_manager"])
    from django.test import Client

    client = Client()
    client.force_login(manager_and_buyer)
    number = client.post(
        "/api/v1/purchase-orders", {"requisition_lines": [req.pk]}, content_type="application/json"
    ).json()["items"][0]["number"]
    client.post(f"/api/v1/purchase-orders/{number}/submit")

    response = client.post(f"/api/v1/purchase-orders/{number}/approve")

    assert response.status_code == 403
    assert "another procurement manager" in response.json()["detail"]
    assert PurchaseOrder.objects.get(number=number).status == "PENDING_APPROVAL"


def test_reject_needs_a_reason_and_cancel_takes_the_requisition_too(world, as_role, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1")
    req = requisition(world)
    buyer = as_role("buyer")
    number = buyer("post", "/purchase-orders", {"requisition_lines": [req.pk]}).json()["items"][0][
        "number"
    ]
    buyer("post", f"/purchase-orders/{number}/submit")
    manager = as_role("procurement_manager")
    assert manager("post", f"/purchase-orders/{number}/reject", {"reason": ""}).status_code == 422
    assert (
        manager("post", f"/purchase-orders/{number}/reject", {"reason": "too dear"}).json()[
            "status"
        ]
        == "DRAFT"
    )

    cancelled = as_role("buyer")(
        "post", f"/purchase-orders/{number}/cancel", {"reason": "re-quote"}
    )

    assert cancelled.json()["status"] == "CANCELLED"
    req.refresh_from_db()
    assert req.status == "CANCELLED"  # the line looks for its next source (here: none)
    assert req.demand_line.status == "BACKORDERED"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("customer_service", {"list_pos", "detail"}),
        (
            "buyer",
            {
                "list_reqs",
                "list_pos",
                "detail",
                "create",
                "submit",
                "communicate",
                "acknowledge",
                "cancel",
            },
        ),
        ("procurement_manager", {"list_pos", "detail", "approve", "reject"}),
        ("warehouse", {"list_pos", "detail"}),
        ("production", set()),
        ("orchestration_manager", {"list_pos", "detail"}),
    ],
)
def test_each_role_may_do_exactly_its_part(world, as_role, role, allowed, settings):
    settings.PO_APPROVAL_THRESHOLD = Decimal("1")
    req = requisition(world)
    po_number = as_role("buyer")(
        "post", "/purchase-orders", {"requisition_lines": [req.pk]}
    ).json()["items"][0]["number"]
    other = requisition(world)
    api = as_role(role)

    calls = {
        "list_reqs": api("get", "/requisition-lines"),
        "list_pos": api("get", "/purchase-orders"),
        "create": api("post", "/purchase-orders", {"requisition_lines": [other.pk]}),
        "detail": api("get", f"/purchase-orders/{po_number}"),
        "submit": api("post", f"/purchase-orders/{po_number}/submit"),
        "approve": api("post", f"/purchase-orders/{po_number}/approve"),
        "reject": api("post", f"/purchase-orders/{po_number}/reject", {"reason": "x"}),
        "communicate": api("post", f"/purchase-orders/{po_number}/communicate"),
        "acknowledge": api("post", f"/purchase-orders/{po_number}/acknowledge", {"accepted": True}),
        "cancel": api("post", f"/purchase-orders/{po_number}/cancel", {"reason": "x"}),
    }
    for action, response in calls.items():
        if action in allowed:
            assert response.status_code != 403, (role, action)
        else:
            assert response.status_code == 403, (role, action)
