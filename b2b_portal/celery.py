"""The Celery application: tasks are found in every app's tasks.py."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "b2b_portal.settings")

app = Celery("b2b_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


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
