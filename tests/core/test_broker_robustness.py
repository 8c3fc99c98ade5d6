"""A message the broker cannot read never stops a worker: it is set aside and the worker goes
on (an empty message file once stopped every worker, and with it all supply creation)."""

import pytest
import redis

from core.broker import MALFORMED_KEY
from core.models import WorkerHeartbeat
from core.tasks import record_worker_heartbeat
from tests.workers import embedded_broker_execute, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

UNREADABLE = ["", "garbage", "{}", '{"body": "x", "properties": "none"}', "\ud800"]


def test_the_embedded_worker_sets_aside_unreadable_rows_and_keeps_consuming(celery_worker):
    (queue_id,) = embedded_broker_execute("SELECT id FROM kombu_queue WHERE name = 'celery'")[0]
    for payload in UNREADABLE:
        embedded_broker_execute(
            "INSERT INTO kombu_message (queue_id, visible, payload, version) VALUES (?, 1, ?, 1)",
            (queue_id, payload.encode("utf-8", "surrogatepass").decode("utf-8", "replace")),
        )

    record_worker_heartbeat.delay()

    wait_for(WorkerHeartbeat.objects.exists, what="the worker to run the task after the bad rows")
    assert celery_worker.proc.poll() is None, celery_worker.log()
    assert celery_worker.log().count("Set aside an unreadable broker message") == len(UNREADABLE)
    hidden = embedded_broker_execute("SELECT payload FROM kombu_message WHERE visible = 0")
    assert len(hidden) == len(UNREADABLE)  # kept for inspection, never delivered again
    assert embedded_broker_execute("SELECT count(*) FROM kombu_message WHERE visible = 1") == [(0,)]


def test_the_redis_worker_sets_aside_unreadable_messages_and_keeps_consuming(
    celery_worker_redis, redis_url
):
    client = redis.Redis.from_url(redis_url)
    client.delete(MALFORMED_KEY)
    for payload in UNREADABLE:
        client.lpush("celery", payload.encode("utf-8", "surrogatepass"))

    from kombu import Connection

    with Connection(redis_url) as connection:
        record_worker_heartbeat.apply_async(connection=connection)

    wait_for(WorkerHeartbeat.objects.exists, what="the worker to run the task after the bad ones")
    assert celery_worker_redis.proc.poll() is None, celery_worker_redis.log()
    assert client.llen(MALFORMED_KEY) == len(UNREADABLE)
    assert client.llen("celery") == 0
