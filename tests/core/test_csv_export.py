"""CSV exports keep what users typed as text: a cell that would start a spreadsheet formula is
quoted, numbers (negative ones too) stay numbers."""

from core.csv_export import csv_response


def test_text_that_would_run_as_a_formula_stays_text():
    rows = [["=HYPERLINK(1)", "-3"], ["@SUM(A1)", -2], ["-x", None]]
    response = csv_response("x.csv", ["PO", "quantity"], rows)

    body = b"".join(response.streaming_content).decode()

    assert body.splitlines() == ["PO,quantity", "'=HYPERLINK(1),-3", "'@SUM(A1),-2", "'-x,"]
