"""Password reset: the request only owes the email (the same work for a known and an unknown
address), a real worker sends it to a real SMTP server, and its link starts with SITE_URL
whatever Host the request named; the link sets a new password once."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import OutboxMessage
from tests.factories import UserFactory
from tests.workers import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SITE = "https://b2b.example.com"


def ask_for_reset(client, email, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/accounts/password_reset/", {"email": email}, headers=headers)
    assert response.status_code == 302 and response["Location"].endswith("/done/")
    return [q["sql"].split()[0] for q in queries.captured_queries]


def test_the_reset_email_goes_through_the_outbox_with_a_link_from_site_url(
    celery_worker, mail_server, client, settings
):
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    UserFactory(username="carla", email="carla@acme.example")

    ask_for_reset(client, "first@acme.example")  # the address's request counter starts here
    known = ask_for_reset(client, "carla@acme.example", host="evil.example")
    unknown = ask_for_reset(client, "nobody@acme.example")
    # The same statements for both: nothing tells the asker which address has an account.
    assert known == unknown
    assert mail.outbox == []  # nothing is sent while the asker waits: the worker sends it

    wait_for(
        lambda: (
            OutboxMessage.objects.filter(key__startswith="password-reset:")
            .exclude(status="DELIVERED")
            .count()
            == 0
            and len(OutboxMessage.objects.filter(key__startswith="password-reset:")) == 3
        ),
        timeout=40,
        what="the worker to send the reset emails",
    )
    assert [m["To"] for m in mail_server.messages] == ["carla@acme.example"]
    body = mail_server.messages[0].get_payload(decode=True).decode()
    link = re.search(r"(\S+/accounts/reset/\S+)", body).group(1)
    assert link.startswith(f"{SITE}/accounts/reset/"), body  # not evil.example

    path = link.removeprefix(SITE)
    form = client.get(path, follow=True)
    assert "Choose a new password" in form.content.decode()
    new = "a brand new passphrase 42"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True
    )
    assert "Password changed" in done.content.decode()
    signed_in = client.post("/accounts/login/", {"username": "carla", "password": new})
    assert signed_in.status_code == 302  # the new password works
    again = client.get(path, follow=True)  # a link works once
    assert "has been used already or has expired" in again.content.decode()


def test_a_reset_form_without_an_address_says_what_to_type(client):
    page = client.post("/accounts/password_reset/", {"email": "not an address"})
    assert page.status_code == 200
    assert "Enter a valid email address" in page.content.decode()
    assert not OutboxMessage.objects.filter(key__startswith="password-reset:").exists()
