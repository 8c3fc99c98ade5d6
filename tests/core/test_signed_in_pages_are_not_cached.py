"""Signed-in pages and every API answer tell browsers and proxies not to keep them
(Cache-Control: no-store); static files are cached as before."""

import pytest

from core.services import api_token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


def test_a_signed_in_page_is_never_stored(client):
    client.force_login(UserFactory(roles=["customer_service"]))
    page = client.get("/orders/")
    assert page.status_code == 200
    assert {"no-store", "private"} <= cache_control(page)


def test_api_answers_are_never_stored_whether_authenticated_or_refused(client):
    _, key = api_token_create(user=UserFactory(roles=["customer_service"]), name="EDI")
    answer = client.get("/api/v1/sales-orders", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200
    assert "no-store" in cache_control(answer)

    refused = client.get("/api/v1/sales-orders")
    assert refused.status_code == 401
    assert "no-store" in cache_control(refused)


def test_static_files_keep_their_caching_for_a_signed_in_user(client):
    client.force_login(UserFactory(roles=["customer_service"]))
    css = client.get("/static/core/app.css")
    assert css.status_code == 200 and "no-store" not in cache_control(css)
