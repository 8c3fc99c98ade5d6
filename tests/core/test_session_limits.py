"""A session ends after SESSION_IDLE_HOURS (8) without a request and SESSION_MAX_AGE_HOURS (24)
after signing in, however busy: the next page is the sign-in form, which says why; the API
answers 401."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    UserFactory(username="carla", roles=["customer_service"])
    response = client.post("/accounts/login/", {"username": "carla", "password": PASSWORD})
    assert response.status_code == 302
    return client


def later(start, **delta):
    return time_machine.travel(start + datetime.timedelta(**delta), tick=False)


def test_a_session_left_alone_for_eight_hours_is_signed_out(signed_in):
    start = timezone.now()
    with later(start, hours=7, minutes=58):
        assert signed_in.get("/orders/").status_code == 200  # still in, and active again
    with later(start, hours=15, minutes=57):
        assert signed_in.get("/orders/").status_code == 200  # 7 h 59 idle: still in
    with later(start, hours=23, minutes=58):
        page = signed_in.get("/orders/")
        assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
        form = signed_in.get(page["Location"])
        assert "signed out after 8 hours without activity" in form.content.decode()
        assert signed_in.get("/api/v1/sales-orders").status_code == 401


def test_a_busy_session_still_ends_a_day_after_signing_in(signed_in):
    start = timezone.now()
    for hour in range(1, 24, 2):
        with later(start, hours=hour):
            assert signed_in.get("/orders/").status_code == 200
    with later(start, hours=24, minutes=1):
        page = signed_in.get("/orders/", follow=True)
    assert page.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "signed out 24 hours after signing in" in page.content.decode()

    again = signed_in.post("/accounts/login/", {"username": "carla", "password": PASSWORD})
    assert again.status_code == 302
    assert signed_in.get("/orders/").status_code == 200
    assert "signed out" not in signed_in.get("/accounts/login/").content.decode()


def test_the_limits_come_from_the_settings(signed_in, settings):
    settings.SESSION_IDLE_HOURS = 0.5
    start = timezone.now()
    with later(start, minutes=31):
        form = signed_in.get("/orders/", follow=True)
    assert "signed out after 30 minutes without activity" in form.content.decode()


def test_a_screen_updating_part_of_itself_after_the_limit_loads_the_sign_in_page(signed_in):
    with later(timezone.now(), hours=8, minutes=2):
        part = signed_in.get(
            "/orders/",
            headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/orders/?q=SO-1"},
        )
    assert part.status_code == 200 and part.content == b""
    assert part["HX-Redirect"] == "/accounts/login/?next=%2Forders%2F%3Fq%3DSO-1"


def test_a_screen_refreshing_itself_is_not_activity(signed_in):
    start = timezone.now()
    poll = {"HTTP_HX_REQUEST": "true", "HTTP_X_B2B_POLL": "1"}
    for hour in range(1, 8):
        with later(start, hours=hour):
            assert signed_in.get("/orders/", **poll).status_code == 200  # the page polls on
    with later(start, hours=8, minutes=1):
        page = signed_in.get("/orders/")

    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")


def test_the_order_page_marks_its_polling_as_a_refresh(client_for, world):
    order = world.order((world.laptop, 3))
    from supply.services import sales_order_submit

    sales_order_submit(order=order, acting_user=world.csr)

    page = client_for("customer_service").get(f"/orders/{order.number}/").content.decode()

    assert 'hx-trigger="every 2s"' in page
    assert '"X-B2B-Poll": "1"' in page
