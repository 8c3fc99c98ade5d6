"""The Celery application: tasks are found in every app's tasks.py."""

import os
import sys

from celery import Celery
from celery.signals import beat_init, task_postrun, task_prerun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "b2b_portal.settings")

app = Celery("b2b_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _refuse_without_secret_key(**kwargs):
    """Signal handlers' exceptions are only logged: leave the process instead."""
    from django.core.exceptions import ImproperlyConfigured

    from core.checks import require_secret_key

    try:
        require_secret_key()
    except ImproperlyConfigured as refused:
        sys.stderr.write(f"{refused}\n")
        raise SystemExit(1) from refused


@task_prerun.connect
@task_postrun.connect
def _database_connections_like_a_request(task=None, **kwargs):
    """Around each task, treat database connections as Django does around a request: close
    only those that are broken or older than CONN_MAX_AGE (with a pool: give them back).
    Celery's own Django fix-up closes them around every task (a new PostgreSQL connection per
    task, about a third of a short task's time) unless CELERY_DB_REUSE_MAX is set, which the
    settings do; this handler keeps the "close it when it is broken" half."""
    from django.db import close_old_connections

    if getattr(getattr(task, "request", None), "is_eager", False):
        return  # run inline by the caller, inside its transaction: not ours to close
    close_old_connections()
