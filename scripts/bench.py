#!/usr/bin/env python
"""`make bench`: the whole Buy flow on PostgreSQL with a real Celery worker (docs/performance.md).

Run by scripts/with-test-postgres.sh (a throwaway cluster with pg_stat_statements). Drives the
same services the API calls, at the granularity people work at: one order per create+submit,
one receipt per PO line, one shipment per order; batching only where the product batches (the
touchless PO run). The worker is paused while the main process works and resumed for the
asynchronous phases, so each phase's time and statements are its own. Prints one JSON line.
"""

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "b2b_portal.settings",
        # The bench runs the touchless path with every PO under the approval threshold.
        "PO_APPROVAL_THRESHOLD": "1000000000000",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "SECURE_HTTPS": "0",
        "B2B_LOCAL_SECRET_KEY": "1",
        "STATIC_MANIFEST": "0",
        "WHITENOISE_USE_FINDERS": "1",
        "B2B_VAR_DIR": str(ROOT / "var" / "bench"),
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    }
)


def create_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000, help="single-line orders (N)")
    parser.add_argument("--multi-line-orders", type=int, default=None, help="default N/10")
    parser.add_argument("--lines-per-multi", type=int, default=5)
    parser.add_argument("--page-lines", type=int, default=100_000, help="lines seeded for pages")
    parser.add_argument("--skip-pages", action="store_true", help="skip the page latency phase")
    parser.add_argument(
        "--skip-high-volume", action="store_true", help="skip the high-volume paths' run"
    )
    parser.add_argument(
        "--only-high-volume",
        action="store_true",
        help="run the high-volume paths only (no one-at-a-time or Make/Transfer run)",
    )
    parser.add_argument("--page-requests", type=int, default=20)
    parser.add_argument(
        "--clients",
        type=int,
        default=1,
        help="processes entering orders, receiving and shipping at once (default 1)",
    )
    parser.add_argument(
        "--broker",
        choices=["auto", "redis", "embedded"],
        default="auto",
        help="auto: a throwaway Redis when redis-server is installed, else the embedded broker",
    )
    args = parser.parse_args()
    if args.multi_line_orders is None:
        args.multi_line_orders = args.orders // 10

    # The safety net re-queues supply whose message was lost only after this long, so that it
    # never re-sends what the worker is still working through (that would count twice).
    os.environ.setdefault("SUPPLY_STALE_AFTER_SECONDS", "180")
    create_database(os.environ["DATABASE_URL"])
    # Messages left in the embedded broker by an interrupted run name rows that are gone.
    for leftover in (ROOT / "var" / "bench").glob("celery-broker.sqlite3*"):
        leftover.unlink()
    redis = None
    if args.broker == "redis" and not shutil.which("redis-server"):
        raise SystemExit("bench: --broker redis needs redis-server (apt-get install redis-server)")
    if args.broker != "embedded" and shutil.which("redis-server"):
        # Production's broker, on a throwaway server; else the embedded broker (SQLite file).
        from tests.workers import start_redis

        redis, os.environ["CELERY_BROKER_URL"] = start_redis(shutil.which("redis-server"))
    try:
        _bench(args)
    finally:
        if redis:
            redis.stop()


# The targets (#6): the bench reports against them, no test asserts them.
TARGET_END_TO_END = 100  # lines/s, the whole Buy flow
TARGET_IMPORT = 1400  # lines/s, import + submit (promising)
TARGET_PAGE_P95 = 150  # ms, every worklist page and API list at 100k lines


def against_targets(result: dict) -> dict:
    def verdict(measured, target, higher_is_better=True):
        met = measured >= target if higher_is_better else measured <= target
        return {"measured": measured, "target": target, "met": met}

    targets = {}
    if "end_to_end" in result:
        targets["end_to_end_lines_per_s"] = verdict(
            result["end_to_end"]["lines_per_s"], TARGET_END_TO_END
        )
        targets["import_submit_lines_per_s"] = verdict(
            result["phases"]["import_submit"]["lines_per_s"], TARGET_IMPORT
        )
    if "high_volume" in result:
        high = result["high_volume"]
        targets["high_volume_end_to_end_lines_per_s"] = verdict(
            high["end_to_end"]["lines_per_s"], TARGET_END_TO_END
        )
        targets["high_volume_bulk_import_lines_per_s"] = verdict(
            high["phases"]["bulk_import"]["lines_per_s"], TARGET_IMPORT
        )
    if "pages" in result:
        worst = max(page["p95_ms"] for page in result["pages"].values() if "p95_ms" in page)
        targets["worst_page_p95_ms"] = verdict(worst, TARGET_PAGE_P95, higher_is_better=False)
    return targets


def _bench(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")

    from bench_flow import run_flow

    result = {
        "n_orders": args.orders,
        "multi_line_orders": args.multi_line_orders,
        "broker": "redis" if os.environ.get("CELERY_BROKER_URL") else "embedded",
        "clients": args.clients,
    }
    started = time.monotonic()
    result.update(run_flow(args))
    if not args.skip_pages:
        from bench_pages import run_pages

        result["pages"] = run_pages(args)
    result["bench_seconds"] = round(time.monotonic() - started, 1)
    result["targets"] = against_targets(result)
    print(json.dumps(result, separators=(",", ":")))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
