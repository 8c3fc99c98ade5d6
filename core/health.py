"""Liveness of the parts the application needs: database and broker (and when a worker last ran)."""

from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.models import WorkerHeartbeat

# Beat records a heartbeat every 30 s: four missed beats and the worker is called stale.
HEARTBEAT_STALE_AFTER = 120


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def check_broker() -> str:
    """Whether the broker answers now: the default queue's length is read (Redis: LLEN; the
    embedded broker: a query on its SQLite file, which must open)."""
    from kombu import Connection

    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            transport=getattr(settings, "CELERY_BROKER_TRANSPORT", None),
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            connect_timeout=2,
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
            conn.default_channel._size(settings.CELERY_TASK_DEFAULT_QUEUE)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def last_worker_heartbeat() -> dict:
    heartbeat = WorkerHeartbeat.objects.order_by("-seen_at").first()
    if heartbeat is None:
        return {"worker": "unknown", "worker_seen_seconds_ago": None}
    age = (timezone.now() - heartbeat.seen_at).total_seconds()
    return {
        "worker": "ok" if age < HEARTBEAT_STALE_AFTER else "stale",
        "worker_seen_seconds_ago": round(age),
    }
