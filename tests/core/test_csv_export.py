"""CSV exports keep what users typed as text: a cell that would start a spreadsheet formula is
quoted, numbers (negative ones too) stay numbers; every export writes amounts, quantities,
statuses, dates and times in one format."""

from core.csv_export import csv_response


def test_text_that_would_run_as_a_formula_stays_text():
    rows = [["=HYPERLINK(1)", "-3"], ["@SUM(A1)", -2], ["-x", None]]
    response = csv_response("x.csv", ["PO", "quantity"], rows)

    body = b"".join(response.streaming_content).decode()

    assert body.splitlines() == ["PO,quantity", "'=HYPERLINK(1),-3", "'@SUM(A1),-2", "'-x,"]


def test_amounts_quantities_dates_and_times_have_one_format(settings):
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from core.csv_export import amount

    settings.TIME_ZONE = "Europe/Paris"
    moment = datetime.datetime(2026, 12, 8, 0, 30, 5, 123456, tzinfo=datetime.UTC)
    rows = [
        [amount(Decimal("1350000")), amount(Decimal("2.005")), Decimal("1500.000")],
        [Decimal("900.0000"), Decimal("1E+1"), datetime.date(2026, 12, 8)],
        [moment, timezone.make_naive(moment, datetime.UTC), amount(None)],
    ]

    body = b"".join(csv_response("x.csv", ["a", "b", "c"], rows).streaming_content).decode()

    assert body.splitlines()[1:] == [
        "1350000.00,2.01,1500",
        "900,10,2026-12-08",
        "2026-12-08 01:30:05,2026-12-08 00:30:05,",  # aware times in the site's zone
    ]


def _csv(client, url) -> list[list[str]]:
    import csv
    import io

    response = client.get(url)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_worklist_exports_write_amounts_statuses_and_times_alike(client_for, world):
    import re

    from procurement.models import PurchaseOrder

    line = world.supplied(world.laptop, 3)
    world.on_po(line)
    po = PurchaseOrder.objects.get()

    orders = _csv(client_for("customer_service"), "/orders/?format=csv")
    purchase_orders = _csv(client_for("buyer"), "/procurement/purchase-orders/?format=csv")
    from warehouse.models import InventoryBalance

    world.stock(world.laptop, 2)
    balance = InventoryBalance.objects.get(item=world.laptop, organization=world.w1)
    ledger = _csv(client_for("warehouse"), f"/warehouse/inventory/{balance.pk}/?format=csv")

    order_row = dict(zip(orders[0], orders[1], strict=True))
    po_row = dict(zip(purchase_orders[0], purchase_orders[1], strict=True))
    line.order.refresh_from_db()
    assert (order_row["Status"], order_row["Total"]) == (line.order.status, "3600.00")
    assert (po_row["Status"], po_row["Total"]) == (po.status, "2700.00")  # a code, not a label
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", po_row["Sent to supplier"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", ledger[1][0])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", order_row["Order date"])
