"""PostgreSQL goes away for a few seconds in the middle of order entry (a restart, a failover):
every request is answered 503 with Retry-After — in the API's error shape, or a page on the
screens — never 500; an order the database committed is answered as created; and once the
server is back, the web processes, the worker and the outbox carry on by themselves, with each
acknowledged order there exactly once and its resend answering the same order.

The tests stop and start the PostgreSQL server the test database lives on (the throwaway
cluster of scripts/with-test-postgres.sh, found from the server's data directory); they skip
on SQLite and on a server this machine cannot control. The sign-in throttle's own part (its
cache unreachable while the database is up) runs on both."""

import base64
import json
import os
import pwd
import re
import shlex
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from celery.signals import before_task_publish
from django.db import OperationalError, connection, connections
from django.db.utils import ConnectionHandler
from django.test import Client

from core.models import OutboxMessage
from core.outage import read_while_unavailable
from core.services import api_token_create
from core.tasks import relay_outbox
from orders.models import FulfillmentLine, SalesOrder
from procurement.models import RequisitionLine
from supply.tasks import requeue_stale_supply_orders
from tests.conftest import WORKER_SETTINGS
from tests.factories import PASSWORD, UserFactory
from tests.workers import WebServer, free_port, wait_for
from tests.world import api_order

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

OUTAGE_SECONDS = 6
CLIENTS = 4


class PostgresServer:
    """The PostgreSQL server of the test database, which a test stops and starts again as a
    restart would (`pg_ctl stop -m fast`: sessions are ended, new ones refused)."""

    def __init__(self):
        if connection.vendor != "postgresql":
            pytest.skip("the database outage is PostgreSQL's (SQLite has no server to stop)")
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('data_directory')")
            self.datadir = Path(cursor.fetchone()[0])
        opts = self.datadir / "postmaster.opts"
        if not os.access(opts, os.R_OK):
            pytest.skip(f"the PostgreSQL server's data directory {self.datadir} is not here")
        program, *args = shlex.split(opts.read_text())
        self.pg_ctl = str(Path(program).with_name("pg_ctl"))
        # The server's own options (port, socket directory, settings) without its data dir.
        at = args.index("-D")
        self.options = shlex.join(args[:at] + args[at + 2 :])
        owner = pwd.getpwuid(self.datadir.stat().st_uid).pw_name
        if os.geteuid() == 0 and owner != "root":
            self.as_owner = ["runuser", "-u", owner, "--"]
        elif os.geteuid() == self.datadir.stat().st_uid:
            self.as_owner = []
        else:
            pytest.skip(f"the PostgreSQL server belongs to {owner}: this user cannot stop it")
        self.log = self.datadir / "server.log"

    def _pg_ctl(self, *args):
        subprocess.run(
            [*self.as_owner, self.pg_ctl, "-D", str(self.datadir), "-w", "-t", "60", *args],
            check=True,
            capture_output=True,
        )

    def stop(self):
        self._pg_ctl("-m", "fast", "stop")

    def start(self):
        self._pg_ctl("-l", str(self.log), "-o", self.options, "start")
        connections.close_all()  # this process's connections died with the server

    def log_since(self, offset: int) -> str:
        with self.log.open(errors="replace") as log:
            log.seek(offset)
            return log.read()

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0


@pytest.fixture
def postgres_server():
    server = PostgresServer()
    yield server
    try:
        connection.ensure_connection()
    except Exception:  # the test failed with the server stopped: bring it back for the others
        server.start()


class Answer:
    def __init__(self, status: int, headers, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)


def call(url: str, *, method="GET", body=None, headers=None) -> Answer:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read())


def post_form(url: str, fields: dict, *, headers: dict) -> Answer:
    request = urllib.request.Request(
        url, data=urllib.parse.urlencode(fields).encode(), method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read())


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def basic(username: str, password: str) -> dict:
    pair = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def assert_unavailable_in_the_error_shape(answer: Answer):
    assert answer.status == 503
    assert int(answer.headers["Retry-After"]) > 0
    body = answer.json()
    assert body["code"] == "database_unavailable"
    assert "again in" in body["detail"] and body["errors"] == []


class OrderEntryClient(threading.Thread):
    """An integration entering orders one after the other with an API token, as in the
    field: each order is sent again until it is acknowledged (201, or 200 for a resend), then
    read back by token and by HTTP Basic."""

    def __init__(self, web: WebServer, name: int, key: str, password_user: tuple[str, str]):
        super().__init__(daemon=True)
        self.web, self.prefix, self.key, self.password_user = (
            web,
            f"DBOUT-{name}-",
            key,
            password_user,
        )
        self.answers: list[tuple[str, Answer]] = []
        self.acknowledged: dict[str, str] = {}  # external reference → order number
        self.stop_after: int | None = None  # orders to enter, once the test says so

    def run(self):
        n = 0
        while self.stop_after is None or len(self.acknowledged) < self.stop_after:
            reference = f"{self.prefix}{n}"
            while reference not in self.acknowledged:
                answer = self.send("create", "POST", "/api/v1/sales-orders", api_order(reference))
                if answer.status in (200, 201):
                    self.acknowledged[reference] = answer.json()["number"]
                elif answer.status != 503:
                    return  # the assertions report it
                else:
                    time.sleep(0.2)  # a client waiting before it sends again (not a test wait)
            number = self.acknowledged[reference]
            self.send("read", "GET", f"/api/v1/sales-orders/{number}")
            self.send("read basic", "GET", f"/api/v1/sales-orders/{number}", auth="basic")
            n += 1

    def send(self, what, method, path, body=None, *, auth="token") -> Answer:
        headers = bearer(self.key) if auth == "token" else basic(*self.password_user)
        answer = call(f"{self.web.url}{path}", method=method, body=body, headers=headers)
        self.answers.append((what, answer))
        return answer


@pytest.fixture
def web(transactional_db):
    """gunicorn on the test database, with the workers' settings (tests.workers)."""
    server = WebServer(env=WORKER_SETTINGS)
    yield server
    server.stop()


def test_a_database_restart_during_order_entry_is_answered_503_and_loses_nothing(
    world, postgres_server, celery_worker, mail_server, web
):
    world.customer.email = "purchasing@acme.example"  # each order owes an acknowledgment
    world.customer.save()
    _, key = api_token_create(user=world.csr, name="integration")
    world.csr.set_password("order-entry-7")
    world.csr.save()
    screens_user = UserFactory(username="screens", roles=["customer_service"])
    browser = Client()
    browser.force_login(screens_user)
    session = {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"}
    login_page = call(f"{web.url}/accounts/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.body.decode())[1]
    csrf_cookie = login_page.headers["Set-Cookie"].split(";")[0]
    server_log_from = postgres_server.log_size()

    clients = [OrderEntryClient(web, n, key, ("csr", "order-entry-7")) for n in range(CLIENTS)]
    for client in clients:
        client.start()
    wait_for(
        lambda: sum(len(c.acknowledged) for c in clients) >= CLIENTS,
        timeout=60,
        what="orders entered before the outage",
    )
    postgres_server.stop()
    stopped_at = time.monotonic()
    try:
        screen = call(f"{web.url}/orders/", headers=session)
        first = next(n for c in clients for n in list(c.acknowledged.values()))
        read = call(f"{web.url}/api/v1/sales-orders/{first}", headers=bearer(key))
        sign_in = call(f"{web.url}/api/v1/sales-orders", headers=basic("csr", "order-entry-7"))
        form_sign_in = post_form(
            f"{web.url}/accounts/login/",
            {"username": "screens", "password": "wrong", "csrfmiddlewaretoken": csrf},
            headers={"Cookie": csrf_cookie, "Referer": f"{web.url}/accounts/login/"},
        )
        health = call(f"{web.url}/healthz")

        def outage_lasted():
            unavailable = sum(a.status == 503 for c in clients for _, a in c.answers)
            return time.monotonic() - stopped_at >= OUTAGE_SECONDS and unavailable >= CLIENTS

        wait_for(outage_lasted, timeout=60, interval=0.2, what="the clients refused with 503")
    finally:
        postgres_server.start()
    for client in clients:
        client.stop_after = len(client.acknowledged) + 3  # three more each, after the restart
    expected = sum(c.stop_after for c in clients)  # each stops at exactly its own count
    for client in clients:
        client.join(120)
    log = web.log()

    assert screen.status == 503 and int(screen.headers["Retry-After"]) > 0
    assert screen.headers["Content-Type"].startswith("text/html")
    assert "Back in a moment" in screen.body.decode()
    assert form_sign_in.status == 503 and "Back in a moment" in form_sign_in.body.decode()
    assert_unavailable_in_the_error_shape(sign_in)
    assert_unavailable_in_the_error_shape(read)
    assert health.status == 503 and health.json()["database"].startswith("error:")
    answers = [(what, a) for c in clients for what, a in c.answers]
    by_status = Counter((what, a.status) for what, a in answers)
    assert {status for _, status in by_status} <= {200, 201, 503}, (by_status, log[-3000:])
    for _, answer in answers:
        if answer.status == 503:
            assert_unavailable_in_the_error_shape(answer)
    assert by_status[("create", 503)] > 0, by_status
    assert "Internal Server Error" not in log and "Traceback" not in log, log[-3000:]
    assert not any(c.is_alive() for c in clients)
    acknowledged = {ref: number for c in clients for ref, number in c.acknowledged.items()}
    assert len(acknowledged) == expected

    # Every acknowledged order is there once, and its resend answers the same order.
    orders = SalesOrder.objects.filter(external_reference__startswith="DBOUT-")
    assert dict(orders.values_list("external_reference", "number")) == acknowledged
    for reference in list(acknowledged)[:: max(1, len(acknowledged) // 8)]:
        again = call(
            f"{web.url}/api/v1/sales-orders",
            method="POST",
            body=api_order(reference),
            headers=bearer(key),
        )
        assert (again.status, again.json()["number"]) == (200, acknowledged[reference])
    # A resend finds its order before inserting: no duplicate-key error in the server's log.
    assert "duplicate key" not in postgres_server.log_since(server_log_from)

    # The worker reconnects by itself: each line gets its requisition (beat's safety net
    # included, sent here as beat would every 30 s), and the outbox sends each acknowledgment.
    lines = FulfillmentLine.objects.filter(order__in=orders)

    def supplied():
        requeue_stale_supply_orders.delay()
        return RequisitionLine.objects.filter(demand_line__in=lines).count() == len(acknowledged)

    wait_for(supplied, timeout=90, interval=1, what="a requisition for every line")
    assert lines.count() == len(acknowledged)

    def acknowledgments_sent():
        relay_outbox.delay()
        return not OutboxMessage.objects.exclude(status="DELIVERED").exists()

    wait_for(acknowledgments_sent, timeout=90, interval=1, what="the outbox delivered")
    numbers = set(acknowledged.values())
    sent = Counter(s for s in mail_server.subjects() if any(n in s for n in numbers))
    assert {subject.split()[1] for subject in sent} == numbers, sent
    assert celery_worker.alive()


def test_a_committed_order_is_answered_created_when_the_database_leaves_before_the_read_back(
    world, postgres_server, client, settings
):
    """The database stops right after the order's commit (as its first task is published):
    the read-back is tried again until the server is back, and the answer is the order."""
    settings.ORDER_READ_BACK_SECONDS = 30
    client.force_login(world.csr)
    restarted = []

    def stop_once(**kwargs):
        if not restarted:
            restarted.append(True)
            postgres_server.stop()
            threading.Timer(1.0, postgres_server.start).start()

    before_task_publish.connect(stop_once, weak=False)
    try:
        response = client.post(
            "/api/v1/sales-orders", api_order("READ-BACK"), content_type="application/json"
        )
    finally:
        before_task_publish.disconnect(stop_once)
    connections.close_all()

    assert restarted
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == SalesOrder.objects.get(external_reference="READ-BACK").number
    assert body["lines"][0]["status"] != "DRAFT"


def test_a_committed_order_is_answered_from_what_was_committed_when_the_database_stays_away(
    world, postgres_server, client, settings
):
    settings.ORDER_READ_BACK_SECONDS = 0.5
    client.force_login(world.csr)
    stopped = []

    def stop_once(**kwargs):
        if not stopped:
            stopped.append(True)
            postgres_server.stop()

    before_task_publish.connect(stop_once, weak=False)
    try:
        response = client.post(
            "/api/v1/sales-orders", api_order("COMMITTED"), content_type="application/json"
        )
        later = client.get("/api/v1/sales-orders")  # the server still down: 503, not 500
    finally:
        before_task_publish.disconnect(stop_once)
        postgres_server.start()

    assert response.status_code == 201, response.content
    body = response.json()
    order = SalesOrder.objects.get(external_reference="COMMITTED")
    assert (body["number"], body["customer"], body["status"]) == (
        order.number,
        "C-ACME",
        order.status,
    )
    assert [(line["item"], line["quantity"]) for line in body["lines"]] == [("LAPTOP-15", "1.000")]
    assert later.status_code == 503
    assert later["Retry-After"] == str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)


def test_a_read_is_tried_again_until_the_database_is_back(world, postgres_server):
    postgres_server.stop()
    threading.Timer(1.0, postgres_server.start).start()

    count = read_while_unavailable(lambda: SalesOrder.objects.count(), seconds=30)

    assert count == 0


@pytest.fixture
def throttle_cache_down(settings):
    """The sign-in throttle's cache on a server that is not there (a Redis port nobody
    listens on), while the database is up."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }


@pytest.mark.django_db
def test_sign_in_goes_on_when_the_throttle_cannot_count(throttle_cache_down):
    UserFactory(username="bruno", roles=["buyer"])
    user = UserFactory(username="tokens", roles=["customer_service"])
    _, key = api_token_create(user=user, name="integration")
    client = Client()

    wrong = client.post("/accounts/login/", {"username": "bruno", "password": "wrong"})
    right = client.post("/accounts/login/", {"username": "bruno", "password": PASSWORD})
    by_basic = Client().get(
        "/api/v1/items", HTTP_AUTHORIZATION=basic("bruno", PASSWORD)["Authorization"]
    )
    unknown_token = Client().get("/api/v1/items", HTTP_AUTHORIZATION="Bearer b2b_not-a-token")
    by_token = Client().get("/api/v1/items", HTTP_AUTHORIZATION=f"Bearer {key}")

    assert wrong.status_code == 200 and "correct username and password" in wrong.content.decode()
    assert right.status_code == 302
    assert (by_basic.status_code, unknown_token.status_code, by_token.status_code) == (
        200,
        401,
        200,
    )


def test_a_screen_answers_the_503_page_under_debug_too(world, postgres_server, client, settings):
    settings.DEBUG = True  # `make run`: Django would show its technical 500 page
    postgres_server.stop()
    try:
        response = client.post("/accounts/login/", {"username": "csr", "password": PASSWORD})
    finally:
        postgres_server.start()

    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
    assert "Back in a moment" in response.content.decode()
    assert 'href="/">your worklist</a>' in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's connect timeout")
def test_a_server_that_never_answers_is_given_up_on_after_the_connect_timeout(settings):
    """Packets dropped, not refused (a failover, a cut network): a new connection gives up
    after DATABASE_CONNECT_TIMEOUT instead of the kernel's two minutes, so the request can be
    answered 503 while a person still waits."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts the connection, never says a word
    try:
        settings_db = {**settings.DATABASES["default"], "HOST": "127.0.0.1"}
        settings_db["PORT"] = silent.getsockname()[1]
        wrapper = ConnectionHandler({"default": settings_db})["default"]
        started = time.monotonic()
        with pytest.raises(OperationalError) as refused:
            wrapper.ensure_connection()
        waited = time.monotonic() - started
    finally:
        silent.close()

    assert waited < 10, waited
    assert "timeout" in str(refused.value).lower()
