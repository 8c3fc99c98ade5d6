import socket

from celery import shared_task

from core.outbox import outbox_relay
from core.services import worker_heartbeat_record


@shared_task(name="core.tasks.record_worker_heartbeat", ignore_result=True)
def record_worker_heartbeat() -> str:
    """Proves a worker consumes the queue: /healthz shows how long ago one last did."""
    return str(worker_heartbeat_record(hostname=socket.gethostname()).seen_at)


@shared_task(name="core.relay_outbox", acks_late=True, ignore_result=True)
def relay_outbox(lane: str = "") -> int:
    """Sends what the outbox owes in one lane: after each commit that wrote to it, and from
    beat."""
    return outbox_relay(lane=lane)
