"""The one way services hand work to Celery: by task name, after the transaction commits.

Services never import tasks (an app's tasks sit above its services). Publishing happens after
commit, so a worker never looks for rows that are not there yet; and if the broker is down at
that moment the business action still succeeds: the failure is logged and the task's database
safety net (a beat task, docs/architecture.md) does the work a little later.
"""

import logging
import time

from django.db import transaction

logger = logging.getLogger(__name__)

# One quick retry, not kombu's default three: the user's request is waiting, and a lost
# message costs only the safety net's delay.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# After a failed publish this process sends nothing for a while: a request that queues one
# task per order line must not wait for a dead broker once per line.
BROKER_RETRY_AFTER = 10.0
_broker_down_until = 0.0


def publish(task_name: str, *args) -> bool:
    """Send the task now; False (logged) when the broker cannot take it."""
    global _broker_down_until
    from b2b_portal.celery import app

    if time.monotonic() < _broker_down_until:
        logger.warning("Broker unavailable, %s%r not sent (safety net will do it)", task_name, args)
        return False
    try:
        app.send_task(task_name, args=args, retry=True, retry_policy=PUBLISH_RETRY)
    except Exception as exc:  # kombu, redis and socket errors alike: the broker is unreachable
        _broker_down_until = time.monotonic() + BROKER_RETRY_AFTER
        logger.warning(
            "Broker unavailable, %s%r not sent (safety net will do it): %s: %s",
            task_name,
            args,
            type(exc).__name__,
            exc,
        )
        return False
    return True


def enqueue_on_commit(task_name: str, *args) -> None:
    """Send the task once the current transaction commits (at once outside a transaction).
    The same task with the same arguments goes once per transaction, however often asked."""
    key = (task_name, args)
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        getattr(func, "task_key", None) == key for _, func, _ in connection.run_on_commit
    ):
        return

    def send():
        publish(task_name, *args)

    send.task_key = key
    transaction.on_commit(send)
