"""`import_sales_orders` holds a file to the API's rules: a date outside 2000-01-01 …
2099-12-31, a reference with a line break or an unknown field refuses that order (the others
are imported); a CSV with a column it does not know imports nothing."""

import json
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


def order(reference, **line):
    return {
        "customer": "C-ACME",
        "external_reference": reference,
        "lines": [{"item": "LAPTOP-15", "quantity": 1, **line}],
    }


def test_json_lines_outside_the_rules_are_refused_one_by_one(world, tmp_path):
    orders = [
        order("OK-1"),
        order("FAR", requested_ship_date="9999-12-31"),
        order("TWO\nLINES"),
        {**order("TYPO"), "sumbit": True},
    ]
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(json.dumps(o) for o in orders) + "\n")

    out, err, failed = run(path)

    assert failed == "3 order(s) refused; the others were imported."
    assert "1 created, 0 already imported, 3 refused" in out
    assert f"{path}:2: 422 lines[0].requested_ship_date: Choose a date from 2000-01-01" in err
    assert f"{path}:3: 422 external_reference: Use one line of visible characters" in err
    assert f"{path}:4: 422 sumbit: Unknown field" in err
    assert list(SalesOrder.objects.values_list("external_reference", flat=True)) == ["OK-1"]


def test_a_csv_with_an_unknown_column_imports_nothing(world, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("customer,item,quantity,requested_ship_dat\nC-ACME,LAPTOP-15,1,2030-01-01\n")

    _, _, failed = run(path)

    assert failed.startswith(f"{path}: unknown column(s) requested_ship_dat (known: customer,")
    assert not SalesOrder.objects.exists()


def test_a_csv_row_dated_outside_the_window_is_refused(world, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "customer,external_reference,item,quantity,requested_ship_date\n"
        "C-ACME,C-1,LAPTOP-15,1,2030-01-01\n"
        "C-ACME,C-2,LAPTOP-15,1,0001-01-01\n"
    )

    out, err, _ = run(path)

    assert "1 created, 0 already imported, 1 refused" in out
    assert f"{path}:3: 422 lines[0].requested_ship_date: Choose a date" in err
