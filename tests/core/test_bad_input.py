"""Input no field can hold gets a clear 400/413/422 before it reaches the database, never a
500: NUL characters (PostgreSQL refuses them in text), huge offsets and quantities, bodies over
the upload limit."""

import base64
import json

import pytest

from orders.models import SalesOrder

pytestmark = pytest.mark.django_db


def order(**overrides):
    body = {"customer": "C-ACME", "lines": [{"item": "LAPTOP-15", "quantity": "2"}]}
    body.update(overrides)
    return body


def post_json(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def assert_refused(response, status, code):
    assert response.status_code == status, response.content[:300]
    assert response.json()["code"] == code


@pytest.mark.parametrize(
    "body",
    [
        order(external_reference="PO\u00001"),
        order(lines=[{"item": "LAPTOP\u0000-15", "quantity": "2"}]),
    ],
)
def test_a_nul_character_in_an_api_body_is_a_400(csr, body):
    assert_refused(post_json(csr, "/api/v1/sales-orders", body), 400, "malformed_request")
    assert not SalesOrder.objects.exists()


@pytest.mark.parametrize(
    "url",
    ["/api/v1/sales-orders?customer=%00", "/api/v1/inventory?search=a%00b"],
)
def test_a_nul_character_in_an_api_query_is_a_400(csr, url):
    assert_refused(csr.get(url), 400, "malformed_request")


@pytest.mark.parametrize("url", ["/orders/?q=%00", "/warehouse/inventory/?q=%00"])
def test_a_nul_character_in_a_screen_query_is_a_400_that_says_why(client, role_users, url):
    client.force_login(role_users["warehouse" if "warehouse" in url else "customer_service"])
    response = client.get(url)
    assert response.status_code == 400 and "NUL character" in response.content.decode()


def test_a_nul_character_in_a_form_is_a_400(csr):
    response = csr.post("/orders/new/", {"customer": "C-ACME\x00", "lines-TOTAL_FORMS": "1"})
    assert response.status_code == 400
    assert not SalesOrder.objects.exists()


def test_a_nul_character_in_a_basic_auth_user_name_is_a_400(client, world):
    credentials = base64.b64encode(b"c\x00sr:whatever").decode()
    response = client.get("/api/v1/items", HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert_refused(response, 400, "malformed_request")


def test_an_offset_beyond_any_list_is_a_422(csr):
    response = csr.get(f"/api/v1/sales-orders?offset={10**20}")
    assert_refused(response, 422, "validation_error")
    assert response.json()["errors"][0]["field"] == "offset"


def test_a_body_over_the_upload_limit_is_a_413(csr, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = order(lines=[{"item": "LAPTOP-15", "quantity": "1"}] * 100)

    assert_refused(post_json(csr, "/api/v1/sales-orders", big), 413, "too_large")
    screen = csr.post("/orders/new/", {"customer": "C-ACME", "notes": "x" * 2000})
    assert screen.status_code == 413 and "at most 1,000 bytes" in screen.content.decode()
    assert not SalesOrder.objects.exists()


@pytest.mark.parametrize("quantity", ["1e9999999", "1e999999", "12345678901234567"])
def test_the_order_entry_preview_says_a_quantity_is_too_large(csr, quantity):
    response = csr.get(
        "/orders/new/preview/?index=0&customer=C-ACME"
        f"&lines-0-item=LAPTOP-15&lines-0-quantity={quantity}"
    )
    assert response.status_code == 200 and len(response.content) < 2000
    assert "Ensure that there are no more than" in response.content.decode()


def test_huge_numbers_are_validation_errors_not_crashes(world, client_for):
    api = client_for("warehouse")
    receipt = api.post(
        "/api/v1/receipts",
        {"purchase_order": "PO-000001", "lines": [{"line_number": 2**63, "quantity": 1}]},
        content_type="application/json",
    )
    assert receipt.status_code == 422
    buyer = client_for("buyer")
    create = buyer.post(
        "/api/v1/purchase-orders",
        {"requisition_lines": [10**30, "²"]},
        content_type="application/json",
    )
    assert create.status_code == 422
    assert buyer.post("/procurement/requisitions/", {"requisition": ["²"]}).status_code == 302


@pytest.mark.django_db
def test_a_method_an_api_path_does_not_take_is_refused_in_the_error_shape(client_for):
    response = client_for("customer_service").delete("/api/v1/sales-orders")

    assert response.status_code == 405
    body = response.json()
    assert body["code"] == "method_not_allowed" and body["errors"] == []
    assert body["detail"] == f"DELETE is not allowed here: use {response['Allow']}."
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}


# --- strict bodies: JSON only, known fields only, each line once --------------------------------


UNKNOWN = "Unknown field: this request has no such field (check its spelling)."


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "customer=C-ACME"),
        ("text/plain", json.dumps(order())),
        ("application/xml", "<order/>"),
    ],
)
def test_a_body_that_is_not_sent_as_json_is_a_415_in_the_error_shape(csr, content_type, body):
    response = csr.post("/api/v1/sales-orders", body, content_type=content_type)

    assert_refused(response, 415, "unsupported_media_type")
    assert response.json() == {
        "detail": "Send the body as JSON with the header Content-Type: application/json.",
        "code": "unsupported_media_type",
        "errors": [],
    }
    assert not SalesOrder.objects.exists()


def test_json_with_a_charset_is_json(csr):
    response = csr.post(
        "/api/v1/sales-orders", json.dumps(order()), content_type="application/json; charset=utf-8"
    )
    assert response.status_code == 201


def test_unknown_body_fields_are_a_422_naming_each(csr):
    body = order(promised_dat="2030-01-01", lines=[{"item": "LAPTOP-15", "quantity": 2, "qty": 3}])

    response = post_json(csr, "/api/v1/sales-orders", body)

    assert_refused(response, 422, "validation_error")
    assert sorted(response.json()["errors"], key=lambda e: e["field"]) == [
        {"field": "lines[0].qty", "message": UNKNOWN},
        {"field": "promised_dat", "message": UNKNOWN},
    ]
    assert not SalesOrder.objects.exists()


def test_an_unknown_field_in_a_batch_order_refuses_that_order(csr):
    body = {"orders": [order(), order(external_reference="B", colour="red")]}

    results = post_json(csr, "/api/v1/sales-orders/batch", body).json()["results"]

    assert [r["status"] for r in results] == [201, 422]
    assert results[1]["errors"] == [{"field": "colour", "message": UNKNOWN}]


@pytest.mark.parametrize(
    "path", ["/api/v1/sales-orders", "/api/v1/sales-orders/SO-000001/cancel", "/api/v1/webhooks"]
)
def test_a_multipart_form_is_a_415_not_a_server_error(csr, path):
    response = csr.post(path, {"customer": "C-ACME", "reason": "x"})  # multipart/form-data

    assert_refused(response, 415, "unsupported_media_type")


def test_the_openapi_description_states_strict_bodies_and_the_415(csr):
    schema = csr.get("/api/v1/openapi.json").json()

    assert schema["components"]["schemas"]["SalesOrderIn"]["additionalProperties"] is False
    create = schema["paths"]["/api/v1/sales-orders"]["post"]["responses"]
    assert "unsupported_media_type" in create["415"]["description"]
    assert "415" not in schema["paths"]["/api/v1/sales-orders"]["get"]["responses"]


def test_every_request_body_refuses_unknown_fields(csr):
    """Every input schema, nested ones included, is built on core.api.InputSchema."""
    schema = csr.get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]

    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"].rsplit("/", 1)[1]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    bodies, seen = [], set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                bodies += [(f"{method} {path}", name) for name in refs(operation["requestBody"])]
    assert len(bodies) > 20
    lenient = []
    while bodies:
        where, name = bodies.pop()
        if name in seen:
            continue
        seen.add(name)
        if components[name].get("additionalProperties") is not False:
            lenient.append((where, name))
        bodies += [(where, nested) for nested in refs(components[name])]
    assert lenient == []


def test_a_line_acknowledged_twice_is_a_422_and_nothing_is_promised(client_for, po_line):
    response = post_json(
        client_for("buyer"),
        f"/api/v1/purchase-orders/{po_line.purchase_order.number}/acknowledge",
        {
            "accepted": True,
            "lines": [
                {"line_number": 1, "promised_date": "2030-01-10"},
                {"line_number": 1, "promised_date": "2030-02-10"},
            ],
        },
    )

    assert_refused(response, 422, "validation_error")
    assert response.json()["errors"] == [
        {
            "field": "lines[1].line_number",
            "message": "Line 1 is also given at lines[0]: give each line once.",
        }
    ]
    po_line.refresh_from_db()
    assert po_line.promised_date is None


def test_a_line_received_twice_in_one_receipt_is_a_422_and_nothing_is_received(client_for, po_line):
    number = po_line.purchase_order.number
    response = post_json(
        client_for("warehouse"),
        "/api/v1/receipts",
        {
            "purchase_order": number,
            "lines": [{"line_number": 1, "quantity": 1}, {"line_number": 1, "quantity": 1}],
        },
    )

    assert_refused(response, 422, "validation_error")
    assert response.json()["errors"][0]["field"] == "lines[1].line_number"
    po_line.refresh_from_db()
    assert po_line.quantity_received == 0


# --- references, reasons and notes: one line of visible characters -----------------------------


PLAIN = (
    "Use one line of visible characters: line breaks, tabs, direction overrides and "
    "zero-width characters are not allowed."
)
INVISIBLE = [
    "PO-1\nBcc: everyone@example.com",  # a line break splits an email header
    "PO-1\r2",
    "PO\t12",
    "PO-\u202e0101",  # right-to-left override: reads as another number
    "PO-1\u200b01",  # zero-width space: looks like PO-101
    "PO-1\u2066",  # isolate
    "\ufeffPO-1",  # byte order mark
]


@pytest.mark.parametrize("reference", INVISIBLE)
def test_an_external_reference_with_invisible_characters_is_a_422(csr, reference):
    response = post_json(csr, "/api/v1/sales-orders", order(external_reference=reference))

    assert_refused(response, 422, "validation_error")
    assert response.json()["errors"] == [{"field": "external_reference", "message": PLAIN}]
    assert not SalesOrder.objects.exists()


def test_ordinary_text_in_any_script_is_a_reference(csr):
    response = post_json(
        csr, "/api/v1/sales-orders", order(external_reference="Bestellung Ä-12 №5 注文")
    )

    assert response.status_code == 201


def test_a_cancel_reason_with_a_line_break_is_a_422_and_the_line_stays(world, client_for):
    line = world.supplied(world.laptop, 1)

    response = post_json(
        client_for("customer_service"),
        f"/api/v1/sales-orders/{line.order.number}/lines/1/cancel",
        {"reason": "customer called\nSubject: refund"},
    )

    assert_refused(response, 422, "validation_error")
    assert response.json()["errors"][0]["field"] == "reason"
    line.refresh_from_db()
    assert line.status != "CANCELLED"


def test_an_acknowledgment_note_with_a_bidi_override_is_a_422(client_for, po_line):
    response = post_json(
        client_for("buyer"),
        f"/api/v1/purchase-orders/{po_line.purchase_order.number}/acknowledge",
        {"accepted": True, "note": "ok \u202eevil"},
    )

    assert_refused(response, 422, "validation_error")
    assert response.json()["errors"] == [{"field": "note", "message": PLAIN}]
    po_line.purchase_order.refresh_from_db()
    assert po_line.purchase_order.acknowledgment == "PENDING"


def test_the_openapi_description_states_the_plain_text_rule(csr):
    schema = csr.get("/api/v1/openapi.json").json()
    reference = schema["components"]["schemas"]["SalesOrderIn"]["properties"]["external_reference"]

    assert reference["maxLength"] == 60
    assert reference["pattern"].startswith("^[^\\u0000-\\u001f")


def test_the_order_form_refuses_a_reference_with_a_line_break(csr):
    response = csr.post(
        "/orders/new/",
        {
            "customer": "C-ACME",
            "external_reference": "PO-1\nBcc: x@example.com",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "1",
            "lines-MAX_NUM_FORMS": "200",
            "lines-0-item": "LAPTOP-15",
            "lines-0-quantity": "1",
            "save": "1",
        },
    )

    assert response.status_code == 422
    assert PLAIN in response.content.decode()
    assert not SalesOrder.objects.exists()


def test_a_cancel_reason_typed_on_the_order_page_with_a_zero_width_space_is_refused(
    world, client_for
):
    line = world.supplied(world.laptop, 1)

    page = client_for("customer_service").post(
        f"/orders/{line.order.number}/lines/1/cancel/",
        {"reason": "dup\u200blicate"},
        follow=True,
    )

    assert f"Reason: {PLAIN}" in page.content.decode()
    line.refresh_from_db()
    assert line.status != "CANCELLED"


def test_a_po_cancel_reason_with_a_line_break_is_refused_on_the_po_page(client_for, po_line):
    po = po_line.purchase_order

    page = client_for("buyer").post(
        f"/procurement/purchase-orders/{po.number}/cancel/",
        {"reason": "wrong\nsupplier"},
        follow=True,
    )

    assert f"Reason: {PLAIN}" in page.content.decode()
    po.refresh_from_db()
    assert po.status == "OPEN"


def test_the_import_refuses_a_name_with_a_zero_width_space_and_keeps_address_lines(db):
    from catalog import importer

    plan = importer.validate(
        {
            "customers": [
                {
                    "number": "C-1",
                    "name": "Acme\u200b",
                    "ship_to_address": "1 Main St\nSpringfield",
                },
                {"number": "C-2", "name": "Beta", "ship_to_address": "1 Main St\n\u202eTS"},
            ]
        }
    )

    assert [(e.path, e.message) for e in plan.errors] == [
        ("customers[0].name", PLAIN),
        ("customers[1].ship_to_address", PLAIN),
    ]


# --- create_api_token ----------------------------------------------------------------------------


@pytest.mark.parametrize("days", ["0", "-5", "3651"])
def test_create_api_token_refuses_a_validity_of_no_days_or_too_many(world, days):
    from django.core.management import CommandError, call_command

    from core.models import ApiToken

    with pytest.raises(CommandError, match="valid for 1 to 3650 days"):
        call_command("create_api_token", "csr", "--days", days)
    assert not ApiToken.objects.exists()


def test_create_api_token_for_one_day_expires_the_next_day(world):
    import datetime
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    from core.models import ApiToken

    call_command("create_api_token", "csr", "--days", "1", stdout=StringIO(), stderr=StringIO())
    token = ApiToken.objects.get()
    assert token.expires_at.date() == (timezone.now() + datetime.timedelta(days=1)).date()
