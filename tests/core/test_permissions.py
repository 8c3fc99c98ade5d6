"""The role table (core/roles.py): each role × each screen and API operation → allowed or 403."""

import json
import re

import pytest

CS, BUYER, PM = "customer_service", "buyer", "procurement_manager"
WH, PROD, ORCH = "warehouse", "production", "orchestration_manager"
EVERYONE = {CS, BUYER, PM, WH, PROD, ORCH}

SCREENS = {
    "/orders/": EVERYONE,
    "/dashboard/": EVERYONE,
    "/profile/": EVERYONE,
    "/supply/": {CS, BUYER, ORCH},
    "/supply/orders/": {CS, BUYER, ORCH},
    "/procurement/requisitions/": {BUYER},
    "/procurement/purchase-orders/": {CS, BUYER, PM, WH, ORCH},
    "/procurement/approvals/": {PM},
    "/warehouse/receiving/": {WH},
    "/warehouse/shipping/": {WH},
    "/warehouse/transfers/": {CS, WH, ORCH},
    "/warehouse/shipments/": {CS, WH, ORCH},
    "/warehouse/receipts/": {CS, BUYER, WH, ORCH},
    "/warehouse/inventory/": {CS, BUYER, WH, PROD, ORCH},
    "/manufacturing/work-orders/": {CS, PROD, ORCH},
}
API_READS = {
    "/api/v1/items": EVERYONE,
    "/api/v1/organizations": EVERYONE,
    "/api/v1/inventory": {CS, BUYER, WH, PROD, ORCH},
    "/api/v1/shipments": {CS, WH, ORCH},
    "/api/v1/receipts": {CS, BUYER, WH, ORCH},
}
HOMES = {
    CS: "/orders/",
    BUYER: "/procurement/requisitions/",
    PM: "/procurement/approvals/",
    WH: "/warehouse/receiving/",
    PROD: "/manufacturing/work-orders/",
    ORCH: "/supply/",
}

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_each_role_opens_exactly_its_screens(client_for, role):
    client = client_for(role)
    for url, allowed in SCREENS.items():
        response = client.get(url)
        expected = 200 if role in allowed else 403
        assert response.status_code == expected, f"{role} {url}"
        if expected == 403:
            assert b"Your roles do not allow this page" in response.content


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_each_role_reads_exactly_its_api_endpoints(client_for, role):
    client = client_for(role)
    for url, allowed in API_READS.items():
        response = client.get(url)
        assert response.status_code == (200 if role in allowed else 403), f"{role} {url}"
        if response.status_code == 403:
            assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_only_the_warehouse_posts_inventory_adjustments(client_for, role):
    response = client_for(role).post(
        "/api/v1/inventory/adjustments",
        {"item": "NOPE", "organization": "NOPE", "quantity": "1", "reason": "count"},
        content_type="application/json",
    )
    # The warehouse role gets past the permission check to the validation of the body.
    assert response.status_code == (422 if role == WH else 403)


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_home_leads_each_role_to_its_worklist(client_for, role):
    response = client_for(role).get("/")
    assert response.status_code == 302
    assert response["Location"] == HOMES[role]


def test_a_user_with_several_roles_lands_on_the_first_and_sees_both_menus(client, db):
    from tests.factories import UserFactory

    user = UserFactory(roles=[WH, CS])
    client.force_login(user)
    assert client.get("/")["Location"] == "/orders/"
    page = client.get("/orders/").content.decode()
    assert 'href="/warehouse/receiving/"' in page and 'href="/orders/"' in page


def test_a_user_without_a_role_is_told_whom_to_ask(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get("/")
    assert response.status_code == 200
    assert b"Ask an administrator" in response.content


def test_anonymous_visitors_are_sent_to_the_login_form(client):
    for url in ["/", *SCREENS]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


def test_anonymous_api_calls_get_401_json(client):
    for url in API_READS:
        response = client.get(url)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


def test_the_admin_is_for_staff_only(client_for, client, db):
    from tests.factories import UserFactory

    for role in EVERYONE:
        response = client_for(role).get("/admin/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"], role
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/catalog/item/").status_code == 200
    assert client.get("/admin/catalog/billofmaterials/add/").status_code == 200


@pytest.mark.parametrize(
    ("role", "menu"),
    [
        (
            CS,
            [
                "Orders",
                "Supply",
                "Purchase orders",
                "Transfers",
                "Inventory",
                "Work orders",
                "Dashboard",
            ],
        ),
        (BUYER, ["Orders", "Supply", "Requisitions", "Purchase orders", "Inventory", "Dashboard"]),
        (PM, ["Orders", "Purchase orders", "Approvals", "Dashboard"]),
        (
            WH,
            [
                "Orders",
                "Purchase orders",
                "Receiving",
                "Shipping",
                "Transfers",
                "Inventory",
                "Dashboard",
            ],
        ),
        (PROD, ["Orders", "Inventory", "Work orders", "Dashboard"]),
        (
            ORCH,
            [
                "Orders",
                "Supply",
                "Purchase orders",
                "Transfers",
                "Inventory",
                "Work orders",
                "Dashboard",
            ],
        ),
    ],
)
def test_the_menu_shows_only_what_the_role_may_open(client_for, role, menu):
    response = client_for(role).get(HOMES[role])
    assert [item["label"] for item in response.context["nav_items"]] == menu


# --- every route × every role, from the one table (core.roles.ROUTE_PERMISSIONS) ----------------

SAMPLE = {"int": "1", "str": "X-1"}
NOT_ROLE_CHECKED = ("admin/", "static", "accounts/", "healthz", "api/")


def _screen_routes():
    """(table key, URL) of every screen, from the URL configuration."""
    from django.urls import URLResolver, get_resolver

    from core.roles import ROUTE_PERMISSIONS

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(n for n in (namespace, pattern.namespace) if n)
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            else:
                name = ":".join(n for n in (namespace, pattern.name) if n)
                yield prefix + str(pattern.pattern), name

    for route, name in walk(get_resolver().url_patterns):
        if route.startswith(NOT_ROLE_CHECKED):
            continue
        url = "/" + re.sub(r"<(\w+):(\w+)>", lambda m: SAMPLE[m.group(1)], route)
        if "<str:action>" in route:
            actions = [k for k in ROUTE_PERMISSIONS if k.startswith(f"{name}[")]
            assert actions, f"no permission entry for the actions of {name}"
            for key in actions:
                action = key[len(name) + 1 : -1]
                yield (
                    key,
                    "/"
                    + re.sub(
                        r"<(\w+):(\w+)>",
                        lambda m, a=action: a if m.group(2) == "action" else SAMPLE[m.group(1)],
                        route,
                    ),
                )
        else:
            yield name, url


def _example(schema, components):
    """A value of the type the OpenAPI schema asks for (permission checks come after it)."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[1]], components)
    for combined in ("allOf", "anyOf", "oneOf"):
        if combined in schema:
            return _example(schema[combined][0], components)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            name: _example(schema["properties"][name], components)
            for name in schema.get("required", [])
        }
    if kind == "array":
        return [_example(schema.get("items", {}), components)]
    if kind == "integer":
        return 1
    if kind == "number":
        return "1"
    if kind == "boolean":
        return True
    if schema.get("format") == "date":
        return "2099-01-01"
    if "enum" in schema:
        return schema["enum"][0]
    return "X-1"


def _api_routes():
    """(table key, method, URL, body) of every API operation, from the OpenAPI document."""
    from b2b_portal.api import api

    document = api.get_openapi_schema()
    components = document.get("components", {}).get("schemas", {})
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = None
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = _example(content["application/json"]["schema"], components)
            short = path.removeprefix("/api/v1")
            url = "/api/v1" + re.sub(r"\{(\w+)\}", "1", short)
            yield f"{method.upper()} {short}", method, url, body


def test_every_route_has_exactly_one_entry_in_the_permission_table():
    from core.roles import ROUTE_PERMISSIONS

    routes = {key for key, _ in _screen_routes()} | {key for key, *_ in _api_routes()}
    assert routes == set(ROUTE_PERMISSIONS)


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_each_role_is_refused_exactly_the_routes_its_permissions_do_not_cover(client_for, role):
    from core.roles import ROLES_BY_NAME, ROUTE_PERMISSIONS

    client = client_for(role)
    held = set(ROLES_BY_NAME[role].permissions)
    wrong = []
    for key, url in _screen_routes():
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url)
        needed = ROUTE_PERMISSIONS[key]
        if (response.status_code == 403) != (needed is not None and needed not in held):
            wrong.append(f"{key}: {response.status_code}")
    for key, method, url, body in _api_routes():
        response = getattr(client, method)(
            url, json.dumps(body) if body is not None else None, content_type="application/json"
        )
        needed = ROUTE_PERMISSIONS[key]
        if (response.status_code == 403) != (needed not in held):
            wrong.append(f"{key}: {response.status_code}")
    assert wrong == [], f"{role} is refused or let through against the table"
