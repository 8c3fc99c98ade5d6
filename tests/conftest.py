import os
import shutil
from contextlib import contextmanager
from decimal import Decimal

import pytest

from core.roles import ROLE_NAMES
from tests.factories import UserFactory

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
WORKER_FIXTURES = {"celery_worker", "celery_worker_redis"}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Tests with a real worker run after all the others (pytest-django's order kept within
    both groups). Once started, the session's worker consumes whatever any later test
    enqueues; such a task running into another test's flush (TRUNCATE) deadlocks with it."""

    def uses_worker(item):
        named = WORKER_FIXTURES & set(getattr(item, "fixturenames", ()))
        return bool(named) or item.get_closest_marker("worker") is not None

    items[:] = [item for item in items if not uses_worker(item)] + [
        item for item in items if uses_worker(item)
    ]


def require_program(path_or_name: str) -> str:
    """The program's path; a missing one skips the test locally and fails it in CI."""
    found = (
        path_or_name if os.path.isabs(path_or_name) and os.access(path_or_name, os.X_OK) else None
    )
    found = found or shutil.which(path_or_name)
    if not found:
        message = f"{path_or_name} is not installed (.ci/run installs it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture
def world(db):
    """W1, customer C-ACME, a back-to-back LAPTOP-15 bought from S-CONTOSO, user csr."""
    from tests.world import World

    return World()


@pytest.fixture(params=["INSERT", "COPY"])
def row_writes(request):
    """Run a test twice: what a batch does inside `with row_writes():` writes its rows by
    INSERT, then by COPY from the first row (on PostgreSQL; core.queries.insert_rows), while
    the one-at-a-time side it is compared with always writes by INSERT."""

    @contextmanager
    def writes():
        with pytest.MonkeyPatch.context() as patch:
            if request.param == "COPY":
                patch.setattr("core.queries.COPY_THRESHOLD", 1)
            yield

    return writes


@pytest.fixture
def role_users(db):
    """One user per role, named after the role."""
    return {role: UserFactory(username=role, roles=[role]) for role in ROLE_NAMES}


@pytest.fixture
def client_for(client, role_users):
    """A test client signed in as the user of a role."""

    def sign_in(role):
        client.force_login(role_users[role])
        return client

    return sign_in


@pytest.fixture
def csr(client, world):
    """A test client signed in as the world's customer service representative (world.csr)."""
    client.force_login(world.csr)
    return client


@pytest.fixture
def buyer(db):
    """Bruno, a buyer: the user world.on_po submits and sends purchase orders as."""
    return UserFactory(username="bruno", roles=["buyer"])


@pytest.fixture
def manager(client_for):
    """A test client signed in as the orchestration manager (role_users)."""
    return client_for("orchestration_manager")


@pytest.fixture
def admin_client(client):
    """A test client signed in as "root", a superuser with staff access to the admin (in
    place of pytest-django's admin_client)."""
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def no_po_approval_needed(settings):
    """An approval threshold above the tests' ordinary purchase orders: they are approved on
    submit and go straight on to the supplier. Files use it through
    `pytest.mark.usefixtures("no_po_approval_needed")`; a test may still set its own."""
    settings.PO_APPROVAL_THRESHOLD = Decimal("100000")


@pytest.fixture
def po_line(world):
    """The PO line of 2 laptops ordered from S-CONTOSO, its purchase order sent (world.on_po)."""
    return world.on_po(world.supplied(world.laptop, 2))


# What every test worker runs with: real email to the session's SMTP server, and safety nets
# that act within seconds (tests send the beat tasks themselves).
WORKER_SETTINGS = {
    "OUTBOX_LEASE_SECONDS": "5",  # above the SMTP server's EMAIL_TIMEOUT (tests.workers)
    "OUTBOX_BACKOFF_SECONDS": "1",
    "OUTBOX_BACKOFF_MAX_SECONDS": "2",
    "SUPPLY_STALE_AFTER_SECONDS": "2",
    "WEBHOOKS_ALLOW_PRIVATE_URLS": "1",  # the tests' receivers listen on loopback
    "WEBHOOKS_SUBSCRIPTIONS_CACHE_SECONDS": "0",  # subscriptions are made by the test process
}


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server on loopback that keeps what the workers send (tests.workers)."""
    from tests.workers import SmtpSink

    sink = SmtpSink()
    yield sink
    sink.stop()


@pytest.fixture
def mail_server(smtp_server):
    """The session's SMTP server, with what earlier tests sent forgotten (document numbers
    start again in every test)."""
    smtp_server.messages.clear()
    smtp_server.refused = smtp_server.stalled = 0
    return smtp_server


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, smtp_server):
    """A real `celery worker` process consuming the embedded broker, on the test database.

    Tests that use it need `transactional_db`: the worker cannot see uncommitted data.
    """
    from tests.workers import start_worker

    with django_db_blocker.unblock():
        worker = start_worker(env={**WORKER_SETTINGS, **smtp_server.worker_env()})
    yield worker
    worker.stop()


@pytest.fixture(scope="session")
def redis_server():
    """A throwaway redis-server on a free loopback port."""
    from tests.workers import RedisServer

    server = RedisServer(require_program("redis-server"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_url(redis_server):
    return redis_server.url


@pytest.fixture(scope="session")
def celery_worker_redis(django_db_setup, django_db_blocker, redis_url, smtp_server):
    """A real `celery worker` process consuming Redis, on the test database."""
    from tests.workers import start_worker

    with django_db_blocker.unblock():
        worker = start_worker(
            broker_url=redis_url, env={**WORKER_SETTINGS, **smtp_server.worker_env()}
        )
    yield worker
    worker.stop()


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded browser (pytest-playwright's launch options)."""
    return {
        **browser_type_launch_args,
        "executable_path": require_program(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(autouse=True)
def no_webhook_subscriptions_cached():
    """Each test starts with the subscriptions of its own database (a rolled-back test's
    subscription must not linger in the process's cache)."""
    from webhooks.services import subscriptions_changed

    subscriptions_changed()


@pytest.fixture(autouse=True)
def no_content_security_policy_violations(request):
    """Every browser test fails on anything the Content-Security-Policy blocked (an inline
    script, style or handler that crept back into a template)."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and blocked.append(message.text),
    )
    yield
    assert blocked == [], blocked


@pytest.fixture
def sign_in(live_server, page, role_users):
    """Sign in through the login form as the user of a role; returns the page."""
    from tests.factories import PASSWORD

    def as_role(role):
        page.goto(f"{live_server.url}/")
        page.get_by_label("User name").fill(role_users[role].username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        return page

    return as_role
