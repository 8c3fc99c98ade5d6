"""HTTPS deliveries go to the address checked but speak TLS to the name in the URL: the
receiver sees that name in SNI and Host, and its certificate must be for that name (a
certificate for another name is a failed attempt, whatever address it answers on). A private
certificate authority is trusted through REQUESTS_CA_BUNDLE, as requests does."""

import subprocess

import pytest

from core.outbox import outbox_relay
from tests.conftest import require_program
from tests.webhooks.receiver import Receiver
from webhooks.models import DeliveryAttempt
from webhooks.services import subscription_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def authority(tmp_path, monkeypatch):
    """A throwaway certificate authority, trusted for the test; `issue(name)` gives a
    certificate and key for a name."""
    openssl = require_program("/usr/bin/openssl")

    def run(*args):
        subprocess.run([openssl, *args], cwd=tmp_path, check=True, capture_output=True)

    run(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=B2B test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "ca.pem"))

    def issue(name):
        (tmp_path / f"{name}.ext").write_text(
            f"subjectAltName=DNS:{name}\nbasicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
            "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n"
        )
        run(
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
            "-out", f"{name}.csr", "-subj", f"/CN={name}",
        )  # fmt: skip
        run(
            "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-out", f"{name}.pem", "-extfile", f"{name}.ext",
        )  # fmt: skip
        return str(tmp_path / f"{name}.pem"), str(tmp_path / f"{name}.key")

    return issue


def deliver_to(receiver, world):
    subscription_create(
        url=f"https://receiver.test:{receiver.port}/hooks", events=["sales_order.created"]
    )
    world.order((world.laptop, 1))
    outbox_relay(lane="webhooks")
    return DeliveryAttempt.objects.get()


def test_tls_speaks_to_the_name_while_connecting_to_the_checked_address(
    world, settings, dns, authority
):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True  # the receiver listens on loopback
    dns.point("receiver.test", ["127.0.0.1"], ["127.0.0.1"], ["127.0.0.9"])  # then elsewhere
    receiver = Receiver(tls=authority("receiver.test"))
    try:
        attempt = deliver_to(receiver, world)
    finally:
        receiver.close()

    assert attempt.status_code == 200, attempt.error
    assert receiver.server_names == ["receiver.test"]
    assert receiver.requests[0]["headers"]["host"] == f"receiver.test:{receiver.port}"


def test_a_certificate_for_another_name_fails_the_attempt(world, settings, dns, authority):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    dns.point("receiver.test", ["127.0.0.1"])
    receiver = Receiver(tls=authority("someone-else.test"))
    try:
        attempt = deliver_to(receiver, world)
    finally:
        receiver.close()

    assert attempt.status_code is None and receiver.requests == []
    assert "SSLError" in attempt.error and "receiver.test" in attempt.error
