"""A 403 — a screen or an API operation the user's roles do not allow — is logged as one
warning line naming the path, the user and the reason, without a traceback; a real fault
(500) keeps its traceback."""

import logging

import pytest

pytestmark = pytest.mark.django_db


def request_log(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "django.request"]


def test_a_refused_screen_is_one_line_without_traceback(client_for, caplog):
    client = client_for("warehouse")
    with caplog.at_level(logging.WARNING):
        assert client.get("/procurement/approvals/").status_code == 403

    (record,) = request_log(caplog)
    assert record.levelname == "WARNING"
    assert "Forbidden (Permission denied): /procurement/approvals/" in record.getMessage()
    assert "user warehouse" in record.getMessage()
    assert record.exc_info is None and "Traceback" not in caplog.text


def test_a_refused_api_operation_is_one_line_without_traceback(client_for, caplog):
    client = client_for("warehouse")
    with caplog.at_level(logging.WARNING):
        refused = client.post("/api/v1/purchase-orders/PO-000001/approve")
    assert refused.status_code == 403
    (record,) = request_log(caplog)
    assert "Forbidden: /api/v1/purchase-orders/PO-000001/approve" in record.getMessage()
    assert "Traceback" not in caplog.text


def test_a_server_error_keeps_its_traceback():
    from core.log_filters import RefusalsWithoutTraceback

    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: /x",
            (),
            sys.exc_info(),
        )
    record.status_code = 500
    assert RefusalsWithoutTraceback().filter(record) and record.exc_info is not None
