"""`manage.py import_sales_orders FILE`: JSON lines or CSV, each order on its own, a progress
bar and a summary; a bad order is reported with where it is and what is wrong."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from orders.models import SalesOrder

pytestmark = pytest.mark.django_db


def run(path):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_sales_orders", str(path), stdout=out, stderr=err)
        failed = None
    except CommandError as error:
        failed = str(error)
    return out.getvalue(), err.getvalue(), failed


def test_json_lines_import_each_order_and_report_the_bad_ones(world, tmp_path, capsys):
    orders = [
        {
            "customer": "C-ACME",
            "external_reference": "J-1",
            "submit": True,
            "lines": [{"item": "LAPTOP-15", "quantity": 2}],
        },
        {
            "customer": "C-ACME",
            "external_reference": "J-2",
            "lines": [{"item": "NOPE", "quantity": 1}],
        },
        {
            "customer": "C-ACME",
            "external_reference": "J-3",
            "submit": False,
            "lines": [{"item": "LAPTOP-15", "quantity": 1.5}],
        },
    ]
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(json.dumps(o) for o in orders) + "\n")

    out, err, failed = run(path)

    assert "3 orders (3 lines)" in out and "2 created, 0 already imported, 1 refused" in out
    assert f"{path}:2: 422 lines[0].item: Unknown item “NOPE”." in err
    assert failed == "1 order(s) refused; the others were imported."
    assert "3/3 lines" in capsys.readouterr().err  # the progress bar
    assert SalesOrder.objects.get(external_reference="J-1").status == "PROCESSING"
    draft = SalesOrder.objects.get(external_reference="J-3")
    assert (draft.status, draft.lines.get().quantity) == ("DRAFT", Decimal("1.5"))

    out, _, failed = run(path)  # imported again: nothing new
    assert "0 created, 2 already imported, 1 refused" in out
    assert SalesOrder.objects.count() == 2


def test_csv_rows_of_one_order_become_its_lines(world, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "customer,external_reference,item,quantity,requested_ship_date,submit\n"
        "C-ACME,C-1,LAPTOP-15,1,,true\n"
        "C-ACME,C-1,LAPTOP-15,2,,true\n"
        "C-ACME,C-2,LAPTOP-15,3,,\n"
    )

    out, _, failed = run(path)

    assert failed is None and "2 created" in out
    first = SalesOrder.objects.get(external_reference="C-1")
    assert (first.status, first.lines.count()) == ("PROCESSING", 2)
    second = SalesOrder.objects.get(external_reference="C-2")
    assert (second.status, second.lines.get().quantity) == ("DRAFT", 3)


def test_a_file_that_is_not_json_lines_imports_nothing(world, tmp_path):
    path = tmp_path / "orders.jsonl"
    path.write_text('{"customer": "C-ACME", "lines": []}\nnot json\n')

    _, _, failed = run(path)

    assert failed.startswith(f"{path}:2: not valid JSON")
    assert SalesOrder.objects.count() == 0
