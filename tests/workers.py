"""Real processes for tests: Celery workers (embedded SQLite broker or a throwaway Redis),
redis-server, and an SMTP server that keeps what it receives."""

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """The URL of the database the tests run on (the test database, not the configured one)."""
    s = connection.settings_dict
    if s["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Process:
    """A child process whose output is kept (last lines) and watched for a ready line."""

    def __init__(self, args, *, env, ready: str, timeout: float = 60):
        self.output: deque[str] = deque(maxlen=400)
        self._ready = threading.Event()
        self.proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._pump, args=(ready,), daemon=True).start()
        if not self._ready.wait(timeout):
            self.stop()
            raise RuntimeError(f"{args[0]} did not start:\n" + "\n".join(self.output))

    def _pump(self, ready):
        for line in self.proc.stdout:
            self.output.append(line.rstrip())
            if ready in line:
                self._ready.set()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def log(self) -> str:
        return "\n".join(self.output)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)


def embedded_broker_file() -> Path:
    return Path(settings.CELERY_BROKER_URL.removeprefix("sqlite:///"))


def embedded_broker_execute(sql: str, params=()) -> list:
    """Run SQL on the embedded broker's SQLite file (as another process would)."""
    with sqlite3.connect(embedded_broker_file(), timeout=30) as db:
        return db.execute(sql, params).fetchall()


def purge_embedded_broker() -> None:
    """Forget messages left by earlier runs or by tests that ran without a worker."""
    with contextlib.suppress(sqlite3.OperationalError):  # no table yet: nothing to forget
        embedded_broker_execute("DELETE FROM kombu_message")


def start_worker(*, broker_url: str | None = None, env: dict | None = None) -> "Worker":
    if not broker_url:
        purge_embedded_broker()
    return Worker(broker_url=broker_url, env=env)


class Worker:
    """A real `celery worker` (main process + 2 pool processes) on the test database, that a
    test may SIGKILL whole (its process group) and start again. `log()` holds every run's."""

    def __init__(self, *, broker_url: str | None = None, env: dict | None = None):
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": test_database_url(),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        if broker_url:
            self.env["CELERY_BROKER_URL"] = broker_url
        self.broker_url = broker_url
        self.earlier_runs: list[str] = []
        self.start()

    def start(self) -> None:
        self.process = Process(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "b2b_portal",
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
                "--without-mingle",
                "--without-gossip",
                f"--hostname=test-worker-{os.getpid()}-{id(self)}@%h",
            ],
            env=self.env,
            ready="ready.",
        )

    @property
    def proc(self) -> subprocess.Popen:
        return self.process.proc

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once, as a crash or an OOM kill would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self.earlier_runs.append(self.process.log())

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        self.process.stop()

    def log(self) -> str:
        return "\n".join([*self.earlier_runs, self.process.log()])


REDIS_NO_DISK = ("--save", "", "--appendonly", "no")


class RedisServer:
    """A throwaway redis-server on a loopback port, which a test may kill and start again."""

    def __init__(self, program: str):
        self.program = program
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.start()

    def start(self) -> None:
        self.process = Process(
            [self.program, *("--port", str(self.port), "--bind", "127.0.0.1"), *REDIS_NO_DISK],
            env=dict(os.environ),
            ready="Ready to accept connections",
        )

    def kill(self) -> None:
        self.process.kill()

    def stop(self) -> None:
        self.process.stop()


def start_redis(redis_server: str) -> tuple[RedisServer, str]:
    server = RedisServer(redis_server)
    return server, server.url


def post_json(url: str, key: str, body: dict) -> int:
    """POST JSON with an API token, as an integration would; returns the status code."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class WebServer:
    """gunicorn serving the portal on a loopback port, on the test database, as in production
    (DEBUG off); `env` adds settings such as the broker."""

    def __init__(self, *, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = Process(
            [
                *(sys.executable, "-m", "gunicorn", "b2b_portal.wsgi"),
                *("--bind", f"127.0.0.1:{self.port}", "--workers", "2", "--threads", "4"),
            ],
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "tests.settings",
                "DATABASE_URL": test_database_url(),
                "PYTHONUNBUFFERED": "1",
                **(env or {}),
            },
            ready="Booting worker",
        )

    def stop(self) -> None:
        self.process.stop()

    def log(self) -> str:
        return self.process.log()


def wait_for(predicate, *, timeout: float = 30, interval: float = 0.1, what: str = "condition"):
    """Poll until predicate() is truthy; fail with `what` after the deadline (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class SmtpSink:
    """A real SMTP server on loopback (aiosmtpd) that keeps every message it accepts. While
    `refusing`, it answers every message with a temporary failure (451), as a mail server that
    is down for maintenance would; while `stalling`, it keeps the sender waiting."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command
        self.messages: list = []
        self.refusing = False
        self.stalling = False
        self.refused = self.stalled = 0
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    async def handle_DATA(self, server, session, envelope):
        if self.stalling:  # a mail server that hangs: the sender waits, then gives up
            self.stalled += 1
            await asyncio.sleep(30)
            return "451 Requested action aborted: timed out"
        if self.refusing:
            self.refused += 1
            return "451 Requested action aborted: try again later"
        from email import message_from_bytes

        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(message["Subject"]) for message in self.messages]

    def worker_env(self) -> dict:
        """What a worker needs to send its email here."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
            "EMAIL_TIMEOUT": "2",
        }

    def stop(self):
        self._controller.stop()
