"""Liveness of the parts the application needs: database and broker (and when a worker last ran)."""

from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.models import WorkerHeartbeat


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def check_broker() -> str:
    from kombu import Connection

    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        folder = Path(options["data_folder_in"])
        if not folder.is_dir() or not folder.stat().st_mode & 0o200:
            return "error: queue folder missing or not writable"
        return "ok"
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def last_worker_heartbeat() -> dict:
    heartbeat = WorkerHeartbeat.objects.order_by("-seen_at").first()
    if heartbeat is None:
        return {"worker": "unknown", "worker_seen_seconds_ago": None}
    age = (timezone.now() - heartbeat.seen_at).total_seconds()
    return {"worker": "ok" if age < 120 else "stale", "worker_seen_seconds_ago": round(age)}
