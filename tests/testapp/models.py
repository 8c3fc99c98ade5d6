"""A document with a state machine, for testing the shared transition and logging helpers."""

from django.db import models
from django_fsm import FSMField, FSMModelMixin, transition


class Memo(FSMModelMixin, models.Model):
    number = models.CharField(max_length=20)
    status = FSMField(default="DRAFT", protected=True)

    class Meta:
        permissions = [("file_memo", "Can file memos")]

    def __str__(self):
        return self.number

    @transition(field=status, source="DRAFT", target="SENT")
    def send(self):
        pass

    @transition(field=status, source="SENT", target="FILED", permission="testapp.file_memo")
    def file(self):
        pass
