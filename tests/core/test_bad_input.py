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


@pytest.fixture
def csr(client, world):
    client.force_login(world.csr)
    return client


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
