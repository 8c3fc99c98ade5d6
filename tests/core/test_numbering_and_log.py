import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.exceptions import InvalidTransition
from core.models import GAPLESS_SERIES, DocumentType, TransitionLog, number_sequence_name
from core.services import (
    change_log,
    document_number_next,
    document_numbers_next,
    transition,
    use_case,
)
from tests.factories import UserFactory
from tests.testapp.models import Memo
from tests.world import run_concurrently


def number(text: str) -> int:
    return int(text.split("-")[1])


@pytest.mark.django_db
def test_numbers_ascend_per_document_type():
    with transaction.atomic():
        first, second = document_number_next("PO"), document_number_next("PO")
        batch = document_numbers_next("PO", 3)
        assert document_number_next("INV") == "INV-000001"

    assert first.startswith("PO-") and len(first) == len("PO-000001")
    assert [number(n) for n in [second, *batch]] == [number(first) + i for i in range(1, 5)]


@pytest.mark.django_db
def test_a_rolled_back_invoice_gives_its_number_back():
    with transaction.atomic():
        document_number_next("INV")
    with pytest.raises(RuntimeError), transaction.atomic():
        document_numbers_next("INV", 2)
        raise RuntimeError("the invoice could not be created")
    with transaction.atomic():
        assert document_number_next("INV") == "INV-000002"


@pytest.mark.django_db(transaction=True)
def test_numbers_are_only_issued_inside_the_creating_transaction():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        document_number_next("SO")


def _concurrent_numbers(series: str) -> list[str]:
    numbers = []

    def create_many(_):
        for _ in range(20):
            with transaction.atomic():
                numbers.append(document_number_next(series))

    assert not run_concurrently(create_many, range(4))
    return numbers


@pytest.mark.django_db(transaction=True)
def test_concurrent_creators_never_get_the_same_number():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and sequences need PostgreSQL")
    shipments = _concurrent_numbers("SHP")
    invoices = _concurrent_numbers("INV")

    assert len(set(shipments)) == 80
    assert sorted(invoices) == [f"INV-{n:06d}" for n in range(1, 81)]  # and no gap


@pytest.mark.django_db(transaction=True)
def test_a_series_with_gaps_does_not_make_concurrent_creators_wait():
    """An order being entered holds its transaction open; another CSR's order gets its number
    at once (with a counter row it would wait for the first to commit)."""
    if connection.vendor != "postgresql":
        pytest.skip("sequences need PostgreSQL")
    started, done = threading.Event(), threading.Event()

    def long_entry():
        try:
            with transaction.atomic():
                document_number_next("SO")
                started.set()
                done.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=long_entry)
    thread.start()
    try:
        assert started.wait(10)
        with transaction.atomic():
            cursor = connection.cursor()
            cursor.execute("SET LOCAL lock_timeout = '2s'")
            assert document_number_next("SO").startswith("SO-")
    finally:
        done.set()
        thread.join()


@pytest.mark.django_db
def test_every_series_with_gaps_has_its_sequence():
    if connection.vendor != "postgresql":
        pytest.skip("sequences need PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'S'")
        sequences = {row[0] for row in cursor.fetchall()}

    expected = {number_sequence_name(p) for p in DocumentType.values if p not in GAPLESS_SERIES}
    assert expected <= sequences


@pytest.mark.django_db
def test_a_transition_moves_the_state_and_logs_who_and_why():
    user = UserFactory()
    memo = Memo.objects.create(number="M-1")

    with transaction.atomic():
        transition(memo, "send", acting_user=user, reason="customer asked", demand_line_id=42)

    memo.refresh_from_db()
    assert memo.status == "SENT"
    log = TransitionLog.objects.get()
    assert (log.document_type, log.document_id, log.document_number) == (
        "testapp.memo",
        memo.pk,
        "M-1",
    )
    assert (log.from_value, log.to_value, log.field) == ("DRAFT", "SENT", "status")
    assert (log.actor, log.reason, log.demand_line_id) == (user, "customer asked", 42)


@pytest.mark.django_db
def test_an_illegal_transition_is_refused_with_a_message_and_logs_nothing():
    memo = Memo.objects.create(number="M-2")
    with (
        pytest.raises(InvalidTransition, match="Cannot file memo M-2: it is DRAFT"),
        transaction.atomic(),
    ):
        transition(memo, "file", acting_user=None)
    assert not TransitionLog.objects.exists()


@pytest.mark.django_db
def test_a_transition_checks_the_users_transition_permission():
    memo = Memo.objects.create(number="M-3")
    with transaction.atomic():
        transition(memo, "send")
    with pytest.raises(PermissionDenied), transaction.atomic():
        transition(memo, "file", acting_user=UserFactory())
    memo.refresh_from_db()
    assert memo.status == "SENT"


@pytest.mark.django_db(transaction=True)
def test_the_log_is_written_only_inside_the_changing_transaction():
    memo = Memo.objects.create(number="M-4")
    with pytest.raises(RuntimeError):
        change_log(document=memo, field="quantity", from_value=1, to_value=2)
    with transaction.atomic():
        log = change_log(document=memo, field="quantity", from_value=1, to_value=2)
    assert str(log) == "M-4 quantity: 1 → 2 by system"


@pytest.mark.django_db
def test_a_batched_use_case_writes_its_whole_log_in_one_insert():
    memo = Memo.objects.create(number="M-5")
    with use_case():
        with CaptureQueriesContext(connection) as inside:
            for value in range(1, 4):
                change_log(document=memo, field="quantity", from_value=value, to_value=value + 1)
        assert not TransitionLog.objects.filter(document_id=memo.pk).exists()
    assert not inside.captured_queries
    changes = TransitionLog.objects.filter(document_id=memo.pk).order_by("id")
    assert [(c.from_value, c.to_value) for c in changes] == [("1", "2"), ("2", "3"), ("3", "4")]


@pytest.mark.django_db
def test_a_batched_log_rolls_back_with_its_transaction_and_with_a_failed_nested_step():
    memo = Memo.objects.create(number="M-6")
    with pytest.raises(RuntimeError), use_case():
        change_log(document=memo, to_value="A")
        raise RuntimeError("the use case failed")
    assert not TransitionLog.objects.filter(document_id=memo.pk).exists()

    with use_case():
        change_log(document=memo, to_value="B", reason="kept")
        try:
            with use_case():
                change_log(document=memo, to_value="C", reason="rolled back")
                raise RuntimeError("a step that the caller recovers from")
        except RuntimeError:
            pass
        change_log(document=memo, to_value="D", reason="kept")
    assert list(
        TransitionLog.objects.filter(document_id=memo.pk).values_list("to_value", flat=True)
    ) == ["B", "D"]
