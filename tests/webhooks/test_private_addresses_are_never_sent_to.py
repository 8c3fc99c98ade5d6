"""Webhooks never reach the installation's own network (server-side request forgery): a URL
is read the way the HTTP client reads it, every address its host resolves to must be global
unicast — whatever form it is written in — and a name that does not resolve is refused; the
same check runs again at every delivery, the connection goes to the address checked (DNS
rebinding) and redirects are not followed. WEBHOOKS_ALLOW_PRIVATE_URLS, the explicit escape
hatch, is off here unless a test says otherwise."""

import pytest

from core.models import OutboxMessage
from core.outbox import outbox_relay
from tests.factories import UserFactory
from tests.webhooks.conftest import PUBLIC
from tests.webhooks.receiver import Receiver
from webhooks.models import DeliveryAttempt, Subscription
from webhooks.services import secret_new, subscription_create

pytestmark = pytest.mark.django_db

REFUSED_FORMS = {
    "loopback": "http://127.0.0.1:8000/x",
    "decimal": "http://2130706433:8000/x",
    "octal": "http://0177.0.0.1:8000/x",
    "hex": "http://0x7f.0.0.1:8000/x",
    "hex, one number": "http://0x7f000001:8000/x",
    "short": "http://127.1:8000/x",
    "percent-encoded": "http://%31%32%37.0.0.1:8000/x",
    "percent-encoded name": "http://%6c%6f%63%61%6c%68%6f%73%74:8000/x",
    "percent-escape left": "http://127.0.0.1%2509:8000/x",
    "IPv6 loopback": "http://[::1]:8000/x",
    "IPv4-mapped IPv6": "http://[::ffff:127.0.0.1]:8000/x",
    "IPv4-mapped IPv6, hex": "http://[::ffff:7f00:1]:8000/x",
    "6to4 of loopback": "http://[2002:7f00:1::1]:8000/x",
    "NAT64 of a private address": "http://[64:ff9b::a00:5]:8000/x",
    "IPv6 link-local with zone": "http://[fe80::1%25eth0]:8000/x",
    "IPv6 unique local": "http://[fd00::1]/x",
    "private 10/8": "http://10.0.0.5/x",
    "private 172.16/12": "http://172.16.3.4/x",
    "private 192.168/16": "http://192.168.1.10/x",
    "shared 100.64/10": "http://100.64.0.1/x",
    "cloud metadata": "http://169.254.169.254/latest/meta-data/",
    "unspecified": "http://0.0.0.0:8000/x",
    "multicast": "http://224.0.0.1/x",
    "broadcast": "http://255.255.255.255/x",
    "reserved": "http://240.0.0.1/x",
    "localhost": "http://localhost:8000/x",
    "LOCALHOST., upper case with a dot": "http://LOCALHOST.:8000/x",
    "a name resolving to a private address": "http://intranet.test/x",
    "a name resolving to a public and a loopback address": "http://mixed.test/x",
    "a name that does not resolve": "http://nowhere.invalid/x",
    "credentials": "https://user:pw@hooks.example.com/x",
    "not http": "ftp://hooks.example.com/x",
}


@pytest.fixture(autouse=True)
def no_private_urls(settings, dns):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    settings.DEBUG = False
    dns.point("intranet.test", ["10.1.2.3"])
    dns.point("mixed.test", [PUBLIC, "127.0.0.1"])


@pytest.fixture
def webhook_admin(client):
    client.force_login(UserFactory(username="ops", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("url", REFUSED_FORMS.values(), ids=REFUSED_FORMS.keys())
def test_each_form_of_a_non_public_address_is_refused_at_subscription(webhook_admin, url):
    answer = webhook_admin.post(
        "/api/v1/webhooks", {"url": url, "events": ["*"]}, content_type="application/json"
    )

    assert answer.status_code == 422, answer.content
    errors = answer.json()["errors"]
    assert [e["field"] for e in errors] == ["url"]
    assert errors[0]["message"].startswith(
        ("Only public addresses", "Write an IPv4", "Give ", "The host name", "Put no")
    )
    assert not Subscription.objects.exists()


def test_why_a_url_is_refused_is_said_in_words(webhook_admin):
    def message(url):
        return webhook_admin.post(
            "/api/v1/webhooks", {"url": url, "events": ["*"]}, content_type="application/json"
        ).json()["errors"][0]["message"]

    assert "(localhost is 127.0.0.1)" in message("http://localhost:8000/x")
    assert "four decimal numbers" in message("http://0177.0.0.1/x")
    assert "does not resolve" in message("http://nowhere.invalid/x")
    assert "no percent-escapes" in message("http://127.0.0.1%2509/x")


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("https://hooks.example.com/b2b", "https://hooks.example.com/b2b"),
        ("https://HOOKS.Example.COM/b2b?x=1", "https://hooks.example.com/b2b?x=1"),
        ("https://hooks.exa%6Dple.com/b2b", "https://hooks.example.com/b2b"),
        ("https://bücher.test/b2b", "https://xn--bcher-kva.test/b2b"),
        (f"http://{PUBLIC}:8080/b2b", f"http://{PUBLIC}:8080/b2b"),
        ("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/b2b", None),
    ],
)
def test_a_public_url_is_taken_as_the_http_client_will_send_it(dns, url, stored):
    dns.point("xn--bcher-kva.test", [PUBLIC])

    subscription = subscription_create(url=url, events=["*"])

    assert subscription.url == (stored or url)


def test_the_admin_refuses_the_same_forms(webhook_admin):
    for url in ("http://%31%32%37.0.0.1:8000/x", "http://2130706433/", "http://intranet.test/"):
        answer = webhook_admin.post(
            "/admin/webhooks/subscription/add/",
            {
                "url": url,
                "events": '["*"]',
                "description": "",
                "active": "on",
                "attempts-TOTAL_FORMS": "0",
                "attempts-INITIAL_FORMS": "0",
            },
        )
        assert answer.status_code == 200, url  # the form again, with the message
        messages = answer.context["adminform"].form.errors["url"]
        assert messages and messages[0] in answer.content.decode()
    assert not Subscription.objects.exists()


# --- at delivery --------------------------------------------------------------------------------


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


def relay_webhooks():
    while outbox_relay(lane="webhooks"):
        pass


def test_subscriptions_to_the_receiver_in_any_form_deliver_nothing(world, receiver, dns):
    """Subscriptions saved before the check (or while private URLs were allowed) are checked
    again at delivery: nothing reaches the loopback receiver, each attempt says why, and the
    delivery is FAILED at once (no retry can cure it)."""
    port = receiver.port
    dns.point("rebound.test", [PUBLIC], ["127.0.0.1"])  # public when subscribed, loopback now
    subscription_create(url=f"http://rebound.test:{port}/hooks", events=["sales_order.created"])
    forms = [
        f"http://127.0.0.1:{port}/hooks",
        f"http://2130706433:{port}/hooks",
        f"http://0177.0.0.1:{port}/hooks",
        f"http://0x7f.0.0.1:{port}/hooks",
        f"http://127.1:{port}/hooks",
        f"http://%31%32%37.0.0.1:{port}/hooks",
        f"http://[::ffff:127.0.0.1]:{port}/hooks",
        f"http://[::1]:{port}/hooks",
        f"http://localhost:{port}/hooks",
    ]
    for url in forms:
        Subscription.objects.create(url=url, events=["sales_order.created"], secret=secret_new())

    world.order((world.laptop, 1))
    relay_webhooks()

    assert receiver.requests == []
    attempts = DeliveryAttempt.objects.select_related("subscription")
    assert len(attempts) == len(forms) + 1
    for attempt in attempts:
        assert attempt.status_code is None
        assert attempt.error.startswith(("Only public addresses", "Write an IPv4")), attempt.error
    assert set(
        OutboxMessage.objects.filter(topic="webhooks.deliver").values_list("status", flat=True)
    ) == {"FAILED"}


def test_the_connection_goes_to_the_address_that_was_checked(world, receiver, dns, settings):
    """DNS rebinding: the name answers the receiver's addresses to the check and another one to
    any lookup after it; the event still reaches the receiver, under its own name — through the
    second address checked when the first does not answer."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True  # the receiver listens on 127.0.0.1 only
    checked = ["127.0.0.2", "127.0.0.1"]  # nothing listens on the first
    dns.point("receiver.test", checked, checked, ["127.0.0.3"])
    subscription_create(
        url=f"http://receiver.test:{receiver.port}/hooks", events=["sales_order.created"]
    )

    world.order((world.laptop, 1))
    relay_webhooks()

    assert [r["headers"]["host"] for r in receiver.requests] == [f"receiver.test:{receiver.port}"]
    assert DeliveryAttempt.objects.get().status_code == 200
    assert dns.lookups["receiver.test"] == 2  # once to subscribe, once for the delivery


def test_a_redirect_is_not_followed_and_counts_as_a_failed_attempt(world, receiver, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True  # both receivers listen on loopback
    elsewhere = Receiver()
    try:
        receiver.answers = [(302, {"Location": elsewhere.url})]
        subscription_create(url=receiver.url, events=["sales_order.created"])

        world.order((world.laptop, 1))
        relay_webhooks()

        assert len(receiver.requests) == 1 and elsewhere.requests == []
    finally:
        elsewhere.close()
    attempt = DeliveryAttempt.objects.get()
    assert attempt.status_code == 302 and not attempt.succeeded
    assert attempt.error == (
        f"HTTP 302: redirects are not followed (to {elsewhere.url}); subscribe the final URL."
    )
    assert OutboxMessage.objects.get(topic="webhooks.deliver").status == "PENDING"  # retried


def test_a_name_that_stops_resolving_is_tried_again_later(world, receiver, dns):
    dns.point("flaky.test", [PUBLIC], [])
    subscription_create(url="https://flaky.test/hooks", events=["sales_order.created"])

    world.order((world.laptop, 1))
    relay_webhooks()

    attempt = DeliveryAttempt.objects.get()
    assert attempt.error == "The host name “flaky.test” does not resolve: give a name that does."
    assert OutboxMessage.objects.get(topic="webhooks.deliver").status == "PENDING"
