"""A fake DNS for the webhook tests' host names (the one resolver hook: `socket.getaddrinfo`,
which the URL check and the HTTP client both use), so that a name can point at a public
address, at loopback, or at one address for the check and another afterwards (DNS rebinding).
Names it does not know are resolved by the system (localhost, IP literals)."""

import socket

import pytest

PUBLIC = "93.184.215.14"  # a global unicast address (example.com's); nothing connects to it


class FakeDns:
    def __init__(self, real):
        self.real = real
        # name → the answers of its successive lookups (each a list of addresses, [] for "no
        # such name"); the last one answers every later lookup.
        self.names = {
            "hooks.example.com": [[PUBLIC]],
            "erp.example.com": [[PUBLIC]],
        }
        self.lookups = {}

    def point(self, name: str, *answers: list[str]) -> None:
        self.names[name] = list(answers)
        self.lookups[name] = 0

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        name = (name or "").rstrip(".").lower()
        if name not in self.names:
            if name.endswith((".test", ".invalid", ".example.com")):
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return self.real(host, port, family, type, proto, flags)
        count = self.lookups.get(name, 0)
        self.lookups[name] = count + 1
        answers = self.names[name]
        addresses = answers[min(count, len(answers) - 1)]
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        infos = []
        for address in addresses:
            six = ":" in address
            infos.append(
                (
                    socket.AF_INET6 if six else socket.AF_INET,
                    socket.SOCK_STREAM,
                    socket.IPPROTO_TCP,
                    "",
                    (address, int(port or 0), 0, 0) if six else (address, int(port or 0)),
                )
            )
        return infos


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    fake = FakeDns(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.fixture
def receiver(settings, no_po_approval_needed):
    """A real HTTP receiver on loopback that keeps what it is sent (private URLs allowed for
    it); purchase orders need no approval. A file may keep its own for other settings."""
    from tests.webhooks.receiver import Receiver

    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    receiver = Receiver()
    yield receiver
    receiver.close()
