"""Brute force: ten wrong passwords for one user name from one address lock that pair for 15
minutes — on the sign-in form, the admin and the API's Basic auth — even with the right
password; other users at the same address and successful traffic are never held up."""

import base64
import datetime

import pytest
from django.test import Client
from django.utils import timezone

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
