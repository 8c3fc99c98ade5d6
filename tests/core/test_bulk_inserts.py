"""Batches store their rows with one COPY on PostgreSQL: every value and id as bulk_create."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import OutboxMessage, TransitionLog
from core.queries import COPY_THRESHOLD, insert_rows
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MANY = COPY_THRESHOLD + 50


def messages(count: int, key: str = "batch") -> list[OutboxMessage]:
    sent = timezone.now() - dt.timedelta(minutes=5)
    return [
        OutboxMessage(
            topic="webhook",
            key=f"{key}-{i}",
            payload={"line": i, "note": "tab\tnew line\n back\\slash «ü»", "none": None},
            next_attempt_at=sent + dt.timedelta(seconds=i),
        )
        for i in range(count)
    ]


def test_a_batch_is_stored_value_for_value_with_the_ids_the_caller_holds():
    actor = UserFactory()
    logs = [
        TransitionLog(
            document_type="supply.supplyorder",
            document_id=i,
            document_number=f"SUP-{i:06d}",
            from_value="",
            to_value="SCHEDULED",
            reason="" if i % 2 else "Imported",
            actor=actor if i % 3 else None,
        )
        for i in range(MANY)
    ]
    sent = messages(MANY)

    insert_rows(logs)
    insert_rows(sent)

    stored = {log.pk: log for log in TransitionLog.objects.all()}
    assert [(stored[log.pk].document_number, stored[log.pk].actor_id) for log in logs] == [
        (log.document_number, log.actor_id) for log in logs
    ]
    assert [stored[log.pk].reason for log in logs[:2]] == ["Imported", ""]
    by_key = {m.key: m for m in OutboxMessage.objects.all()}
    assert [(by_key[m.key].pk, by_key[m.key].payload) for m in sent] == [
        (m.pk, m.payload) for m in sent
    ]
    assert by_key["batch-7"].next_attempt_at == sent[7].next_attempt_at
    assert by_key["batch-7"].status == OutboxMessage.Status.PENDING


def test_a_batch_takes_two_statements_however_many_rows_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes Django's bulk INSERT")
    with CaptureQueriesContext(connection) as small:
        insert_rows(messages(MANY, key="small"))
    with CaptureQueriesContext(connection) as large:
        insert_rows(messages(MANY * 8, key="large"))

    assert len(small) == len(large) == 2
    assert OutboxMessage.objects.count() == MANY * 9


def test_a_duplicate_in_a_batch_is_an_integrity_error_and_stores_nothing():
    batch = messages(MANY)
    batch[-1].key = batch[0].key

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(batch)

    assert not OutboxMessage.objects.exists()
