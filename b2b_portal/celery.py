"""The Celery application: tasks are found in every app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "b2b_portal.settings")

app = Celery("b2b_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
