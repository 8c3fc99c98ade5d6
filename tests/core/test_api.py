"""API authentication and the stable error shape {"detail", "code", "errors"}."""

import base64
import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from core.models import ApiToken
from core.services import api_token_create, api_token_revoke
from tests.factories import PASSWORD, ItemFactory, OrganizationFactory, UserFactory
from warehouse.models import InventoryBalance

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status, code):
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"detail", "code", "errors"}
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    assert all(set(e) == {"field", "message"} for e in body["errors"])
    return body


def bearer(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_a_valid_token_authenticates_and_is_stored_hashed(client, buyer):
    token, key = api_token_create(user=buyer, name="EDI")
    ItemFactory(sku="LAPTOP-15")

    response = client.get("/api/v1/items", **bearer(key))

    assert response.status_code == 200
    assert response.json()["items"][0]["sku"] == "LAPTOP-15"
    token.refresh_from_db()
    assert key not in (token.key_hash, token.prefix) and len(token.key_hash) == 64
    assert token.last_used_at is not None


def test_a_revoked_token_is_refused(client, buyer):
    token, key = api_token_create(user=buyer, name="EDI")
    api_token_revoke(token=token)
    assert_error_shape(client.get("/api/v1/items", **bearer(key)), 401, "not_authenticated")


@pytest.mark.parametrize("key", ["b2b_wrong", "garbage", ""])
def test_a_wrong_token_is_refused(client, buyer, key):
    assert_error_shape(client.get("/api/v1/items", **bearer(key)), 401, "not_authenticated")


def test_a_token_of_a_deactivated_user_is_refused(client, buyer):
    _, key = api_token_create(user=buyer, name="EDI")
    buyer.is_active = False
    buyer.save()
    assert client.get("/api/v1/items", **bearer(key)).status_code == 401


def test_http_basic_authenticates_with_the_password(client, buyer):
    good = base64.b64encode(f"bruno:{PASSWORD}".encode()).decode()
    bad = base64.b64encode(b"bruno:nope").decode()
    assert client.get("/api/v1/items", HTTP_AUTHORIZATION=f"Basic {good}").status_code == 200
    response = client.get("/api/v1/items", HTTP_AUTHORIZATION=f"Basic {bad}")
    assert_error_shape(response, 401, "not_authenticated")


def test_session_writes_need_the_csrf_token(db):
    user = UserFactory(roles=["warehouse"])
    ItemFactory(sku="LEG")
    OrganizationFactory(code="P1")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    body = {"item": "LEG", "organization": "P1", "quantity": "5", "reason": "count"}

    refused = client.post("/api/v1/inventory/adjustments", body, content_type="application/json")
    assert_error_shape(refused, 403, "permission_denied")
    assert "CSRF" in refused.json()["detail"]

    client.get("/warehouse/inventory/")
    csrf = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/v1/inventory/adjustments",
        body,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert accepted.status_code == 201


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/sales-orders",
        "/api/v1/purchase-orders/PO-000001/approve",
        "/api/v1/shipments/SHP-000001/confirm",
        "/api/v1/inventory/adjustments",
    ],
)
def test_writes_without_credentials_or_with_wrong_ones_are_401_not_csrf_failures(db, url):
    UserFactory(username="bruno", roles=["buyer"])
    client = Client(enforce_csrf_checks=True)  # as a real client: nobody skips the CSRF check
    wrong = base64.b64encode(b"bruno:nope").decode()
    for headers in ({}, {"HTTP_AUTHORIZATION": f"Basic {wrong}"}, bearer("b2b_wrong")):
        response = client.post(url, {}, content_type="application/json", **headers)
        assert_error_shape(response, 401, "not_authenticated")


def test_the_create_api_token_command_prints_a_working_token(client, buyer):
    out = StringIO()
    call_command("create_api_token", "bruno", "--name", "ERP", stdout=out, stderr=StringIO())
    key = out.getvalue().strip()
    assert client.get("/api/v1/organizations", **bearer(key)).status_code == 200
    assert ApiToken.objects.get(user=buyer).name == "ERP"


def test_tokens_are_created_and_revoked_from_the_profile_page(client, buyer):
    client.force_login(buyer)
    page = client.post("/profile/tokens/", {"name": "Spreadsheet"})
    key = page.context["new_key"]
    assert key.encode() in page.content
    token = ApiToken.objects.get(user=buyer)
    assert Client().get("/api/v1/items", **bearer(key)).status_code == 200

    client.post(f"/profile/tokens/{token.pk}/revoke/")

    assert Client().get("/api/v1/items", **bearer(key)).status_code == 401
    assert key.encode() not in client.get("/profile/").content


def test_the_page_that_shows_a_new_key_is_never_cached(client, buyer):
    client.force_login(buyer)
    page = client.post("/profile/tokens/", {"name": "Spreadsheet"})
    assert "no-store" in page["Cache-Control"]


def test_a_token_valid_for_30_days_is_refused_after_them(client, buyer, time_machine):
    time_machine.move_to(timezone.now())
    client.force_login(buyer)
    key = client.post("/profile/tokens/", {"name": "Audit", "days": "30"}).context["new_key"]
    assert Client().get("/api/v1/items", **bearer(key)).status_code == 200

    time_machine.shift(datetime.timedelta(days=30, seconds=1))

    assert_error_shape(Client().get("/api/v1/items", **bearer(key)), 401, "not_authenticated")
    client.force_login(buyer)  # the session itself ended meanwhile
    assert "EXPIRED" in client.get("/profile/").content.decode()
    out = StringIO()
    call_command("create_api_token", "bruno", "--days", "1", stdout=out, stderr=StringIO())
    assert (
        ApiToken.objects.get(name="Command-line token").expires_at.date()
        == (timezone.now() + datetime.timedelta(days=1)).date()
    )


def test_staff_revoke_a_token_in_the_admin_but_cannot_edit_its_dates(client, buyer):
    token, key = api_token_create(user=buyer, name="EDI")
    client.force_login(UserFactory(username="ada", is_staff=True, is_superuser=True))
    form = client.get(f"/admin/core/apitoken/{token.pk}/change/").content.decode()
    assert 'name="revoked_at"' not in form and 'name="expires_at"' not in form

    client.post("/admin/core/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})

    assert Client().get("/api/v1/items", **bearer(key)).status_code == 401


def test_a_user_cannot_revoke_someone_elses_token(client, buyer):
    token, _ = api_token_create(user=buyer, name="EDI")
    client.force_login(UserFactory(roles=["buyer"]))
    assert client.post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.is_active


# --- error shape for each status ----------------------------------------------------------------


@pytest.fixture
def warehouse_client(client):
    client.force_login(UserFactory(roles=["warehouse"]))
    return client


def test_malformed_json_is_400(warehouse_client):
    response = warehouse_client.post(
        "/api/v1/inventory/adjustments", "{oops", content_type="application/json"
    )
    assert_error_shape(response, 400, "malformed_request")


def test_validation_errors_are_422_with_field_paths(warehouse_client):
    response = warehouse_client.post(
        "/api/v1/inventory/adjustments",
        {"item": "LEG", "quantity": "lots", "reason": ""},
        content_type="application/json",
    )
    body = assert_error_shape(response, 422, "validation_error")
    assert {e["field"] for e in body["errors"]} == {"organization", "quantity", "reason"}


def test_query_parameter_errors_name_the_parameter(warehouse_client):
    body = assert_error_shape(
        warehouse_client.get("/api/v1/items?limit=many"), 422, "validation_error"
    )
    assert body["errors"][0]["field"] == "limit"


def test_an_unknown_reference_is_a_field_error(warehouse_client):
    OrganizationFactory(code="P1")
    response = warehouse_client.post(
        "/api/v1/inventory/adjustments",
        {"item": "NOPE", "organization": "P1", "quantity": 1, "reason": "count"},
        content_type="application/json",
    )
    body = assert_error_shape(response, 422, "business_rule")
    assert body["errors"] == [{"field": "item", "message": "Unknown item “NOPE”."}]


def test_a_business_rule_refusal_says_which_rule(warehouse_client):
    item, org = ItemFactory(sku="LEG"), OrganizationFactory(code="P1")
    InventoryBalance.objects.create(item=item, organization=org, on_hand=5, reserved=5)
    response = warehouse_client.post(
        "/api/v1/inventory/adjustments",
        {"item": "LEG", "organization": "P1", "quantity": "-1", "reason": "count"},
        content_type="application/json",
    )
    body = assert_error_shape(response, 422, "business_rule")
    assert "Reserved stock cannot be adjusted away" in body["detail"]
    assert InventoryBalance.objects.get(item=item).on_hand == Decimal("5")


def test_an_adjustment_returns_the_new_balance_with_decimal_strings(warehouse_client):
    ItemFactory(sku="LEG")
    OrganizationFactory(code="P1")
    response = warehouse_client.post(
        "/api/v1/inventory/adjustments",
        {"item": "LEG", "organization": "P1", "quantity": 12.5, "reason": "found"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["balance"] == {
        "item": "LEG",
        "organization": "P1",
        "on_hand": "12.500",
        "reserved": "0.000",
        "available": "12.500",
        "in_transit": "0.000",
    }


def test_permission_refusals_are_403(client):
    client.force_login(UserFactory(roles=["procurement_manager"]))
    assert_error_shape(client.get("/api/v1/inventory"), 403, "permission_denied")


def test_unknown_records_are_404(warehouse_client):
    assert_error_shape(warehouse_client.get("/api/v1/items/NOPE"), 404, "not_found")


def test_lists_are_paginated_with_count_and_items(warehouse_client):
    ItemFactory.create_batch(7)
    body = warehouse_client.get("/api/v1/items?limit=3&offset=6").json()
    assert body["count"] == 7 and len(body["items"]) == 1


@pytest.mark.urls("tests.core.error_api_urls")
def test_an_illegal_transition_is_409(warehouse_client):
    body = assert_error_shape(warehouse_client.post("/api/transition"), 409, "invalid_transition")
    assert "CLOSED" in body["detail"]


@pytest.mark.urls("tests.core.error_api_urls")
def test_a_conflict_is_409(warehouse_client):
    assert_error_shape(warehouse_client.post("/api/duplicate"), 409, "conflict")


@pytest.mark.urls("tests.core.error_api_urls")
def test_a_crash_is_a_json_500_that_reveals_nothing(warehouse_client, caplog):
    warehouse_client.raise_request_exception = False
    body = assert_error_shape(warehouse_client.get("/api/crash"), 500, "server_error")
    assert "hunter2" not in str(body) and "Traceback" not in str(body)
    assert "hunter2" in caplog.text  # the details go to the log, not to the caller


def test_the_api_docs_and_schema_are_served_without_a_cdn(client, buyer):
    client.force_login(buyer)
    docs = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs and "cdn." not in docs
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/sales-orders" in schema["paths"]


def test_the_schema_states_what_the_api_accepts_and_every_error_it_answers(client, buyer):
    client.force_login(buyer)
    schema = client.get("/api/v1/openapi.json").json()
    paths, components = schema["paths"], schema["components"]["schemas"]

    submit = paths["/api/v1/sales-orders/{number}/submit"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "413", "422", "429"} <= set(submit)
    assert submit["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorOut"
    }
    assert components["ErrorOut"]["required"] == ["detail", "code", "errors"]
    number, text = components["LineIn"]["properties"]["quantity"]["anyOf"]
    assert (number["exclusiveMinimum"], number["multipleOf"]) == (0, 0.001)
    assert text["pattern"] == r"^\d{1,12}(\.\d{1,3})?$"
    (status,) = [
        p for p in paths["/api/v1/purchase-orders"]["get"]["parameters"] if p["name"] == "status"
    ]
    assert "PENDING_APPROVAL" in status["schema"]["enum"]
    order_status = components["SalesOrderSummary"]["properties"]["status"]["enum"]
    assert order_status == ["DRAFT", "PROCESSING", "CLOSED", "CANCELLED"]


def test_api_amounts_round_half_up():
    from pydantic import TypeAdapter

    from core.api import Amount

    assert TypeAdapter(Amount).dump_python(Decimal("10.005")) == "10.01"
