#!/usr/bin/env python
"""`make loadtest`: interactive latency with 16 users on loopback.

Run by scripts/with-test-postgres.sh (a throwaway cluster). Serves the portal with gunicorn as
in production (DEBUG off, `--workers 4 --threads 2`, collected static files) with a real Celery
worker creating the supply of every order, then for `--seconds` lets 8 users enter orders of
1–3 lines (submitted at once, through the API as an integration or the entry screen's service
does) while 8 users read the order worklist, order pages and the API's order list (signed in
through the login form), each pausing about a second between requests as a person reading the
screen does (`--think-ms 0`: back to back, the saturation run). Prints one JSON line: p50/p95/p99
in milliseconds per request kind, against the targets (order creation p95 ≤ 1 s, reads p95
≤ 300 ms). Loopback only, bounded.
"""

import argparse
import json
import os
import random
import re
import secrets
import shutil
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
VAR = ROOT / "var" / "loadtest"
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "b2b_portal.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_HTTPS": "0",  # plain HTTP on loopback, as on a trusted network
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "B2B_VAR_DIR": str(VAR),
        "LOG_LEVEL": "WARNING",
        "DATABASE_POOL_MAX_SIZE": "4",
        "PO_APPROVAL_THRESHOLD": "1000000000000",
    }
)

TARGET_CREATE_P95_MS = 1000
TARGET_READ_P95_MS = 300
PASSWORD = "load-test-" + secrets.token_hex(8)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="how long the users work")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--think-ms",
        type=float,
        default=1000,
        help="a user's pause between requests, on average (0: back to back, saturation)",
    )
    args = parser.parse_args()

    from bench import create_database

    create_database(os.environ["DATABASE_URL"])
    if VAR.exists():
        shutil.rmtree(VAR)
    VAR.mkdir(parents=True)
    redis = None
    if shutil.which("redis-server"):
        from tests.workers import start_redis

        redis, os.environ["CELERY_BROKER_URL"] = start_redis(shutil.which("redis-server"))
    try:
        print(json.dumps(run(args), separators=(",", ":")))
    finally:
        if redis:
            redis.stop()


def setup(args):
    """Migrate, collect static files, master data (as the benchmark's), the users and an
    order book to read (one order per customer)."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    from bench_flow import master_data

    from core.roles import CUSTOMER_SERVICE
    from core.services import api_token_create
    from supply.services import sales_order_enter
    from tests.factories import UserFactory

    _w1, customers, items = master_data()
    writers = []
    for n in range(args.writers):
        user = UserFactory(username=f"writer{n}", roles=[CUSTOMER_SERVICE], password=PASSWORD)
        writers.append(api_token_create(user=user, name="load test")[1])
    readers = [
        UserFactory(username=f"reader{n}", roles=[CUSTOMER_SERVICE], password=PASSWORD).username
        for n in range(args.readers)
    ]
    from orders.services import LineInput

    numbers = []
    for customer in customers:
        order, _ = sales_order_enter(
            customer=customer,
            lines=[LineInput(items[0], 1)],
            external_reference=f"SEED-{customer.number}",
            submit=True,
        )
        numbers.append(order.number)
    from django.db import connections

    connections.close_all()
    return [c.number for c in customers], [i.sku for i in items], writers, readers, numbers


def run(args) -> dict:
    customers, skus, tokens, readers, numbers = setup(args)
    from tests.workers import Process, free_port

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    web = Process(
        [
            *(sys.executable, "-m", "gunicorn", "b2b_portal.wsgi"),
            *("--bind", f"127.0.0.1:{port}", "--workers", str(args.web_workers), "--threads", "2"),
        ],
        env=env,
        ready="Booting worker",
    )
    worker = Process(
        [
            *(sys.executable, "-m", "celery", "-A", "b2b_portal", "worker"),
            *("--loglevel=WARNING", "--concurrency=2", "--without-mingle", "--without-gossip"),
        ],
        env=env,
        ready="[queues]",
    )
    try:
        time.sleep(2)  # every gunicorn worker booted
        return drive(args, base, customers, skus, tokens, readers, numbers)
    finally:
        web.stop()
        worker.stop()


def drive(args, base, customers, skus, tokens, readers, numbers) -> dict:
    import requests

    timings: dict[str, list[float]] = defaultdict(list)
    failures: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    created: list[str] = list(numbers)
    deadline = time.monotonic() + args.seconds

    def think(rng) -> None:
        # A person reads the answer before the next request: 0.5–1.5 × the mean pause.
        if args.think_ms:
            time.sleep(args.think_ms / 1000 * rng.uniform(0.5, 1.5))

    def timed(kind, call):
        started = time.perf_counter()
        response = call()
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            if response.status_code >= 400:
                failures[f"{kind} {response.status_code}"] += 1
            else:
                timings[kind].append(elapsed)
        return response

    def writer(n: int, token: str) -> None:
        rng = random.Random(args.seed + n)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        sequence = 0
        while time.monotonic() < deadline:
            sequence += 1
            body = {
                "customer": rng.choice(customers),
                "external_reference": f"LOAD-{n}-{sequence}",
                "submit": True,
                "lines": [
                    {"item": rng.choice(skus), "quantity": rng.randint(1, 5)}
                    for _ in range(rng.randint(1, 3))
                ],
            }
            response = timed(
                "create order (API, 1–3 lines, submitted)",
                lambda body=body: session.post(f"{base}/api/v1/sales-orders", json=body),
            )
            if response.status_code == 201:
                with lock:
                    created.append(response.json()["number"])
            think(rng)

    def reader(n: int, username: str) -> None:
        rng = random.Random(args.seed + 100 + n)
        session = requests.Session()
        login = session.get(f"{base}/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
        signed_in = session.post(
            f"{base}/accounts/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{base}/accounts/login/"},
        )
        if "Sign out" not in signed_in.text:
            raise SystemExit(f"loadtest: {username} could not sign in")
        while time.monotonic() < deadline:
            choice = rng.random()
            if choice < 0.4:
                timed("order worklist page", lambda: session.get(f"{base}/orders/"))
            elif choice < 0.8:
                with lock:
                    number = rng.choice(created)
                timed("order page", lambda number=number: session.get(f"{base}/orders/{number}/"))
            else:
                timed("API order list", lambda: session.get(f"{base}/api/v1/sales-orders"))
            think(rng)

    threads = [threading.Thread(target=writer, args=(n, t)) for n, t in enumerate(tokens)]
    threads += [threading.Thread(target=reader, args=(n, u)) for n, u in enumerate(readers)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started

    kinds = {
        kind: {
            "requests": len(values),
            "per_s": round(len(values) / seconds, 1),
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 95), 1),
            "p99_ms": round(percentile(values, 99), 1),
        }
        for kind, values in sorted(timings.items())
    }
    reads = [v for kind, values in timings.items() if not kind.startswith("create") for v in values]
    creates = [v for kind, values in timings.items() if kind.startswith("create") for v in values]
    create_p95 = round(percentile(creates, 95), 1) if creates else None
    read_p95 = round(percentile(reads, 95), 1) if reads else None
    return {
        "users": {"entering_orders": len(tokens), "reading": len(readers)},
        "think_ms": args.think_ms,
        "seconds": round(seconds, 1),
        "kinds": kinds,
        "failures": dict(failures),
        "targets": {
            "create_p95_ms": {
                "measured": create_p95,
                "target": TARGET_CREATE_P95_MS,
                "met": create_p95 is not None and create_p95 <= TARGET_CREATE_P95_MS,
            },
            "read_p95_ms": {
                "measured": read_p95,
                "target": TARGET_READ_P95_MS,
                "met": read_p95 is not None and read_p95 <= TARGET_READ_P95_MS,
            },
        },
    }


if __name__ == "__main__":
    main()
