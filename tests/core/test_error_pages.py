"""A wrong address or a failure gets a page that says what to do next, with DEBUG on (`make
run`) as in production; a developer can still ask for Django's technical 404."""

import pytest
from django.test import Client
from django.urls import path

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug")


# This module is also the URLconf of the tests that need a view that fails.
urlpatterns = [path("boom/", _boom)]


def assert_friendly_404(response):
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Page not found" in page
    assert 'href="/">your worklist</a>' in page
    assert "Using the URLconf" not in page  # not Django's technical page (the URL list)


def test_an_unknown_address_says_where_to_go_instead(client_for):
    response = client_for("customer_service").get("/no-such-page/")

    assert_friendly_404(response)
    page = response.content.decode()
    assert "/no-such-page/" in page
    assert 'href="/orders/">Orders</a>' in page  # find an order by number there
    assert "Content-Security-Policy" in response  # the page is a portal page like the others


def test_an_unknown_address_gets_the_friendly_page_with_debug_on(client_for, settings):
    settings.DEBUG = True

    assert_friendly_404(client_for("buyer").get("/no-such-page/"))


def test_an_unknown_document_gets_the_friendly_page_with_debug_on(client_for, settings):
    settings.DEBUG = True

    assert_friendly_404(client_for("customer_service").get("/orders/SO-99999/"))


def test_a_developer_can_ask_for_the_technical_404(client_for, settings):
    settings.DEBUG = True
    settings.DEBUG_TECHNICAL_404 = True

    response = client_for("buyer").get("/no-such-page/")

    assert response.status_code == 404
    assert b"Using the URLconf" in response.content


def test_an_address_without_its_slash_still_leads_to_the_page(client_for, settings):
    settings.DEBUG = True

    response = client_for("customer_service").get("/orders")

    assert response.status_code == 301
    assert response["Location"] == "/orders/"


def test_a_visitor_not_signed_in_is_offered_the_sign_in(client, settings):
    settings.DEBUG = True

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert b'href="/accounts/login/">Sign in</a>' in response.content


def test_an_unknown_api_address_answers_in_the_api_error_shape(client_for, settings):
    for debug in (False, True):
        settings.DEBUG = debug
        response = client_for("buyer").get("/api/v1/no-such-thing")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


@pytest.mark.urls(__name__)
def test_a_failure_gets_a_page_that_says_nothing_was_saved(role_users):
    client = Client(raise_request_exception=False)
    client.force_login(role_users["buyer"])

    response = client.get("/boom/")

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page
    assert "The error has been logged" in page
    assert 'href="/">your worklist</a>' in page
    assert "bootstrap.min.css" in page  # styled like the portal, without touching the database
