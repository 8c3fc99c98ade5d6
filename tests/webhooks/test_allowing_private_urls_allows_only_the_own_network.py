"""WEBHOOKS_ALLOW_PRIVATE_URLS opens webhooks to the installation's own network — RFC 1918,
loopback, shared (100.64.0.0/10) and IPv6 unique local addresses — and to nothing else that is
not public: "this network", the IETF, benchmarking and documentation ranges stay refused."""

import pytest

from tests.webhooks.people import webhook_user
from webhooks.addresses import address_allowed

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "address",
    ["10.1.2.3", "172.16.0.9", "192.168.1.10", "127.0.0.1", "100.64.0.1", "::1", "fd12:3456::1"],
)
def test_the_own_network_is_allowed_with_the_setting_only(address):
    assert address_allowed(address, allow_private=True)
    assert not address_allowed(address, allow_private=False)


@pytest.mark.parametrize(
    "address",
    [
        "0.1.2.3",  # "this network" (0.0.0.0/8)
        "192.0.0.8",  # IETF protocol assignments
        "198.18.0.1",  # benchmarking
        "192.0.2.1",  # documentation
        "198.51.100.1",
        "203.0.113.1",
        "2001:db8::1",  # IPv6 documentation
        "2001:2::1",  # IPv6 benchmarking
        "::ffff:198.18.0.1",  # IPv4-mapped benchmarking
    ],
)
def test_other_non_public_ranges_stay_refused_with_the_setting(address):
    assert not address_allowed(address, allow_private=True)


def test_the_api_refuses_a_benchmarking_address_with_the_setting(client, settings, dns):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    dns.point("bench.example.com", ["198.18.0.1"])
    client.force_login(webhook_user("erp", "add_subscription", "orders.view_salesorder"))

    answer = client.post(
        "/api/v1/webhooks",
        {"url": "https://bench.example.com/hooks", "events": ["sales_order.created"]},
        content_type="application/json",
    )

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "url"
