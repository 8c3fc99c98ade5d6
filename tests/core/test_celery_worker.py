"""A real worker process consumes tasks from the broker: the async paths are not simulated."""

import pytest
from kombu import Connection

from core.models import WorkerHeartbeat
from core.tasks import record_worker_heartbeat
from tests.workers import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_runs_a_task_sent_through_the_embedded_broker(celery_worker, client):
    assert not WorkerHeartbeat.objects.exists()
    assert client.get("/healthz").json()["worker"] == "unknown"

    record_worker_heartbeat.delay()

    heartbeat = wait_for(WorkerHeartbeat.objects.first, what="the worker to run the task")
    assert heartbeat.hostname
    assert client.get("/healthz").json()["worker"] == "ok"
    assert "core.tasks.record_worker_heartbeat" in celery_worker.log()


def test_a_worker_runs_a_task_sent_through_redis(celery_worker_redis, redis_url):
    with Connection(redis_url) as connection:
        record_worker_heartbeat.apply_async(connection=connection)

    wait_for(WorkerHeartbeat.objects.exists, what="the worker to run the task from Redis")
    assert "succeeded" in celery_worker_redis.log()


def test_an_embedded_worker_keeps_up_with_a_burst_of_tasks(celery_worker):
    """The embedded broker is polled: at kombu's default interval (1 s), holding one acks_late
    task per process, a worker takes two tasks a second and a burst of orders waits minutes
    for its supply. It looks every 50 ms and holds a few tasks in hand."""
    sent = [record_worker_heartbeat.delay().id for _ in range(150)]

    def all_done():
        log = celery_worker.log()
        return all(f"[{task_id}] succeeded" in log for task_id in sent)

    # 150 tasks take 75 s at kombu's defaults, a few seconds with ours.
    wait_for(all_done, timeout=15, interval=0.2, what="150 tasks through the embedded broker")
