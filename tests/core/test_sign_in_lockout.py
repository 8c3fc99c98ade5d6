"""Brute force: ten wrong passwords for one user name from one address lock that pair for 15
minutes — on the sign-in form, the admin and the API's Basic auth — even with the right
password; other users at the same address and successful traffic are never held up."""

import base64
import datetime

import pytest
from django.test import Client
from django.utils import timezone

from core.services import api_token_create
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bruno(db):
    return UserFactory(username="bruno", roles=["buyer"], is_staff=True)


def sign_in(client, password, username="bruno", url="/accounts/login/"):
    return client.post(url, {"username": username, "password": password})


def basic(username, password):
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def test_ten_wrong_passwords_on_the_form_lock_the_user_at_this_address(bruno, time_machine):
    time_machine.move_to(timezone.now())
    client = Client()
    for _ in range(9):
        assert sign_in(client, "wrong").status_code == 200  # the form again, with its error
    assert sign_in(client, "wrong").status_code == 429  # the tenth failure locks

    locked = sign_in(client, PASSWORD)

    assert locked.status_code == 429
    assert "locked for 15 minutes, even with the right password" in locked.content.decode()
    UserFactory(username="carla", roles=["customer_service"])
    colleague = sign_in(Client(), PASSWORD, username="carla")  # same address, other user
    assert colleague.status_code == 302
    time_machine.shift(datetime.timedelta(minutes=16))
    assert sign_in(Client(), PASSWORD).status_code == 302


def test_the_admin_sign_in_locks_the_same_way(bruno):
    client = Client()
    for _ in range(10):
        sign_in(client, "wrong", url="/admin/login/")
    assert sign_in(client, PASSWORD, url="/admin/login/").status_code == 429


def test_http_basic_on_the_api_locks_the_same_way_and_says_so(bruno):
    client = Client()
    for _ in range(9):
        assert client.get("/api/v1/items", **basic("bruno", "wrong")).status_code == 401
    assert client.get("/api/v1/items", **basic("bruno", "wrong")).status_code == 429

    locked = client.get("/api/v1/items", **basic("bruno", PASSWORD))

    assert locked.status_code == 429 and locked["Retry-After"] == "900"
    assert locked.json()["code"] == "too_many_attempts"


def test_successful_sign_ins_are_never_held_up(bruno):
    client = Client()
    for _ in range(30):
        assert client.get("/api/v1/items", **basic("bruno", PASSWORD)).status_code == 200
    for _ in range(9):
        client.get("/api/v1/items", **basic("bruno", "wrong"))
    assert client.get("/api/v1/items", **basic("bruno", PASSWORD)).status_code == 200
    for _ in range(9):  # a success started the count again
        client.get("/api/v1/items", **basic("bruno", "wrong"))
    assert client.get("/api/v1/items", **basic("bruno", PASSWORD)).status_code == 200


@pytest.fixture
def five_failures_a_minute(settings):
    settings.AUTH_FAILURES_PER_ADDRESS = 5


def test_failed_sign_ins_from_one_address_are_rate_limited_whatever_the_user_name(
    bruno, five_failures_a_minute, time_machine
):
    time_machine.move_to(timezone.now().replace(second=0), tick=False)
    client = Client()
    for name in ("ann", "bob", "cat", "dan", "eve"):
        assert client.get("/api/v1/items", **basic(name, "guess")).status_code == 401

    refused = client.get("/api/v1/items", **basic("bruno", PASSWORD))  # no hash computed

    assert refused.status_code == 429 and refused.json()["code"] == "too_many_attempts"
    assert "try again in 60 seconds" in refused.json()["detail"]
    assert sign_in(client, PASSWORD).status_code == 429  # the sign-in form counts the same
    _, key = api_token_create(user=bruno, name="script")
    by_token = client.get("/api/v1/items", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert by_token.status_code == 200  # a valid token is never held up
    time_machine.shift(datetime.timedelta(seconds=61))
    assert client.get("/api/v1/items", **basic("bruno", PASSWORD)).status_code == 200


def test_unknown_api_tokens_count_as_failures_of_the_address(
    bruno, five_failures_a_minute, time_machine
):
    time_machine.move_to(timezone.now().replace(second=0), tick=False)
    client = Client()
    for attempt in range(5):
        guess = client.get("/api/v1/items", HTTP_AUTHORIZATION=f"Bearer b2b_guess{attempt}")
        assert guess.status_code == 401

    refused = client.get("/api/v1/items", HTTP_AUTHORIZATION="Bearer b2b_guess5")

    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    _, key = api_token_create(user=bruno, name="script")
    assert client.get("/api/v1/items", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_password_reset_requests_are_limited_per_address(bruno, settings):
    from core.models import OutboxMessage

    settings.PASSWORD_RESET_PER_ADDRESS = 3
    bruno.email = "bruno@example.com"
    bruno.save()
    client = Client()
    for _ in range(3):
        sent = client.post("/accounts/password_reset/", {"email": "bruno@example.com"})
        assert sent.status_code == 302

    refused = client.post("/accounts/password_reset/", {"email": "bruno@example.com"})

    assert refused.status_code == 429
    assert "Too many password-reset requests from your address" in refused.content.decode()
    # Three emails owed (the outbox sends them), none for the refused request.
    assert OutboxMessage.objects.filter(key__startswith="password-reset:").count() == 3


def test_a_broken_throttle_cache_refuses_rather_than_letting_guesses_through(bruno, settings):
    # Not an outage (that lets sign-in go on uncounted): a cache table that is not there is a
    # mistake, and guessing passwords must not become unlimited because of it.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "no_such_cache_table",
        }
    }
    client = Client(raise_request_exception=False)

    refused = sign_in(client, "wrong")

    assert refused.status_code == 500
