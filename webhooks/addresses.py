"""Where a webhook may be sent (against server-side request forgery), and the one way it is sent.

`destination(url)` reads a URL the way the HTTP client (requests/urllib3) will — percent-escapes
decoded, international names IDNA-encoded, the host lower-cased — resolves its host once and
answers the address to connect to, or raises `UrlRefused`:

- only `http`/`https`, no credentials in the URL;
- the host is a DNS name or an IP address written plainly: no percent-escapes or zone left
  after decoding, no IPv4 in decimal, octal or hex forms (`2130706433`, `0177.0.0.1`,
  `0x7f.1`), which parsers read differently;
- every address the name resolves to is global unicast: IPv4-mapped, 6to4, Teredo and NAT64
  IPv6 addresses are judged by the IPv4 address inside. A name that does not resolve is
  refused (fail closed).
- `WEBHOOKS_ALLOW_PRIVATE_URLS` (the explicit escape hatch for receivers on the installation's
  own network) also lets loopback, private (RFC 1918, IPv6 unique local) and shared
  (100.64.0.0/10) addresses through — never link-local (169.254.0.0/16 holds the cloud metadata
  service; fe80::/10), multicast, broadcast, reserved or unspecified ones.

`post(destination, …)` connects to an address that was checked — never resolving the name again
(DNS rebinding) — while sending the original name as `Host` and in TLS (SNI and certificate
check). It follows no redirect and uses no proxy from the environment (REQUESTS_CA_BUNDLE is
still honoured, for receivers whose certificates come from a private authority).
"""

import contextlib
import ipaddress
import os
import re
import socket
import threading
import time
from dataclasses import dataclass
from typing import NamedTuple

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.util import parse_url

# One DNS label: letters, digits and hyphens (and underscores, which some service names use).
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
# What WEBHOOKS_ALLOW_PRIVATE_URLS lets through, and nothing more (Python's `is_private` also
# takes 0.0.0.0/8, 192.0.0.0/24, the documentation and benchmarking ranges…).
_OWN_NETWORK = tuple(
    ipaddress.ip_network(network)
    for network in (
        "10.0.0.0/8",  # RFC 1918
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",  # loopback
        "100.64.0.0/10",  # shared (carrier-grade NAT)
        "::1/128",
        "fc00::/7",  # IPv6 unique local
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UrlRefused(ValueError):
    """Why a URL is not sent to. `transient`: it may pass later (the name did not resolve)."""

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class Destination:
    url: str  # as the HTTP client sends it
    host: str  # the name (or address) of the URL: the Host header, SNI and certificate check
    addresses: tuple[str, ...]  # the checked IP addresses the connection goes to, in order


def _embedded_ipv4(ip: ipaddress.IPv4Address | ipaddress.IPv6Address):
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo, NAT64), else `ip`."""
    if ip.version == 4:
        return ip
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def _never(ip) -> bool:
    """Addresses refused even where private ones are allowed."""
    return (
        ip.is_multicast
        or ip.is_unspecified
        or ip.is_link_local  # 169.254.0.0/16: the cloud metadata service; fe80::/10
        # 240.0.0.0/4 and the broadcast address; IPv6 reserved ranges (::/8 but its loopback ::1)
        or (ip.is_reserved and not ip.is_loopback)
        or getattr(ip, "is_site_local", False)  # fec0::/10
    )


def address_allowed(address: str, *, allow_private: bool) -> bool:
    """Whether a webhook may connect to this IP address: global unicast (judged by the IPv4
    address inside an IPv6 form of one), or, with `allow_private`, also loopback, private or
    shared."""
    outer = ipaddress.ip_address(address)
    ip = _embedded_ipv4(outer)
    if _never(outer) or _never(ip):
        return False
    if ip.is_global:
        return True
    return allow_private and any(
        ip.version == network.version and ip in network for network in _OWN_NETWORK
    )


def _plain_name(host: str) -> bool:
    name = host[:-1] if host.endswith(".") else host
    return 0 < len(name) <= 253 and all(_LABEL.fullmatch(label) for label in name.split("."))


def _plain_ipv4_only(host: str) -> None:
    """Refuse IPv4 written in any form but four decimal numbers (the parsers disagree on them)."""
    try:
        ipaddress.IPv4Address(host)
        return  # a.b.c.d
    except ValueError:
        pass
    last = host.rstrip(".").rsplit(".", 1)[-1]
    if re.fullmatch(r"(0x[0-9a-f]*|[0-9]+)", last):
        raise UrlRefused(
            "Write an IPv4 address as four decimal numbers (a.b.c.d), or give a host name."
        )


def destination(url: str, *, allow_private: bool) -> Destination:
    """The URL as it will be sent and the checked address to send it to; UrlRefused if not."""
    prepared = requests.PreparedRequest()
    try:
        prepared.prepare_url(url.strip(), None)
        parts = parse_url(prepared.url)
    except (requests.RequestException, ValueError) as exc:
        raise UrlRefused(f"Give a valid http:// or https:// URL ({exc}).") from exc
    if parts.scheme not in ("http", "https") or not parts.host:
        raise UrlRefused("Give an http:// or https:// URL.")
    if parts.auth:
        raise UrlRefused("Put no credentials in the URL: the signature authenticates us.")
    host = parts.host.lower()
    if host.startswith("["):  # an IPv6 literal
        literal = host[1:-1]
        if "%" in literal:
            raise UrlRefused("Give an IPv6 address without a zone (%…).")
        try:
            addresses = [str(ipaddress.IPv6Address(literal))]
        except ValueError as exc:
            raise UrlRefused("Give a valid IPv6 address in brackets.") from exc
    else:
        if not _plain_name(host):
            raise UrlRefused(
                "Give the host as a plain name or address (letters, digits, dots, hyphens): "
                "no percent-escapes or other characters."
            )
        _plain_ipv4_only(host)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise UrlRefused(
                f"The host name “{host}” does not resolve: give a name that does.", transient=True
            ) from exc
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
        if not addresses:
            raise UrlRefused(f"The host name “{host}” does not resolve.", transient=True)
    refused = [a for a in addresses if not address_allowed(a, allow_private=allow_private)]
    if refused:
        what = "" if addresses == [host] else f" ({host} is {', '.join(refused)})"
        raise UrlRefused(
            "Only public addresses are allowed: private, loopback, link-local, shared and "
            f"reserved addresses are refused{what}. Give a public URL."
        )
    return Destination(url=prepared.url, host=host, addresses=tuple(addresses))


# --- sending ----------------------------------------------------------------------------------


MAX_ADDRESSES = 3  # of a name's addresses, at most this many are tried, one after another


class DeliveryFailed(requests.RequestException):
    """The receiver could not be reached or did not answer in time (a failed attempt, retried)."""


class _Delivery:
    """The sockets of one delivery and its deadline: when it passes, every socket is shut down
    (a receiver trickling bytes cannot hold the delivery past it)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.sockets = []
        self.expired = False
        self.lock = threading.Lock()
        self.timer = threading.Timer(seconds, self.expire)
        self.timer.daemon = True

    def remaining(self) -> float:
        return self.ends - time.monotonic()

    def track(self, sock) -> None:
        with self.lock:
            self.sockets.append(sock)
            if self.expired:
                self._shut(sock)

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            for sock in self.sockets:
                self._shut(sock)

    @staticmethod
    def _shut(sock) -> None:
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)


class _Pinned:
    """A urllib3 connection that opens its socket to the `pinned` addresses (the first that
    answers, as urllib3 tries a name's addresses, at most MAX_ADDRESSES of them and within the
    delivery's deadline), not to a fresh lookup of its host; everything else (Host header, SNI,
    certificate check) keeps the host name."""

    pinned: tuple[str, ...] = ()
    delivery: _Delivery | None = None

    def _new_conn(self):
        name = self._dns_host
        timeout = self.timeout
        failure = None
        try:
            for address in self.pinned[:MAX_ADDRESSES]:
                remaining = self.delivery.remaining() if self.delivery else None
                if remaining is not None:
                    if remaining <= 0:
                        break
                    self.timeout = min(timeout, remaining) if timeout else remaining
                self._dns_host = address
                try:
                    sock = super()._new_conn()
                except (NewConnectionError, ConnectTimeoutError) as exc:
                    failure = exc
                else:
                    if self.delivery:
                        self.delivery.track(sock)
                    return sock
            raise failure or ConnectTimeoutError(
                self, f"No connection to {name} within the delivery's deadline."
            )
        finally:
            self._dns_host = name
            self.timeout = timeout


def _session(addresses: tuple[str, ...], delivery: _Delivery | None = None) -> requests.Session:
    pinned = {"pinned": addresses, "delivery": delivery}
    http = type("PinnedHTTPConnection", (_Pinned, HTTPConnection), pinned)
    https = type("PinnedHTTPSConnection", (_Pinned, HTTPSConnection), pinned)
    adapter = HTTPAdapter(max_retries=0)
    adapter.poolmanager.pool_classes_by_scheme = {
        "http": type("PinnedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
        "https": type("PinnedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
    }
    session = requests.Session()
    session.trust_env = False  # no proxy or .netrc from the environment…
    # …but a certificate authority bundle from it, as requests reads it (an internal CA)
    session.verify = (
        os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class Answer(NamedTuple):
    status_code: int
    body: str  # the start of it: at most 1 kB is read
    location: str  # of a redirect (not followed)


def post(
    target: Destination, *, data: bytes, headers: dict, timeout: float, deadline: float
) -> Answer:
    """POST to the checked address of `target`, following no redirect: `timeout` for each
    connection attempt and socket read, `deadline` seconds for the whole delivery (connecting,
    sending, the answer's headers and the start of its body). Any failure to reach the receiver
    or to read its answer in time raises DeliveryFailed (a requests.RequestException)."""
    delivery = _Delivery(deadline)
    delivery.timer.start()
    try:
        with _session(target.addresses, delivery) as session:
            answer = session.post(
                target.url,
                data=data,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            )
            try:
                excerpt = b""
                while len(excerpt) < 1024 and not delivery.expired:
                    chunk = answer.raw.read(1024 - len(excerpt), decode_content=True)
                    if not chunk:
                        break
                    excerpt += chunk
            finally:
                answer.close()
        if delivery.expired:
            raise DeliveryFailed(f"no complete answer within the {deadline:g} s deadline")
    except (requests.RequestException, Urllib3Error) as exc:
        if delivery.expired:
            raise DeliveryFailed(f"no complete answer within the {deadline:g} s deadline") from exc
        if isinstance(exc, requests.RequestException):
            raise
        # urllib3's own errors reading the body (ReadTimeoutError, ProtocolError, DecodeError)
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
    finally:
        delivery.timer.cancel()
    return Answer(
        answer.status_code,
        excerpt.decode("utf-8", "replace"),
        answer.headers.get("location", ""),
    )
