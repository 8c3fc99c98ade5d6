"""`manage.py import_sales_orders FILE`: bulk order import from JSON lines or CSV."""

import csv
import json
import sys
import time
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from orders.api import MAX_BATCH, sales_orders_import

# CSV: one row per order line; consecutive rows with the same customer and external reference
# make one order.
CSV_COLUMNS = [
    "customer",
    "external_reference",
    "item",
    "quantity",
    "unit_price",
    "requested_ship_date",
    "ship_from",
    "submit",
]
SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = (
        "Import sales orders from a JSON-lines file (one order per line, as POST "
        "/api/v1/sales-orders takes it) or a CSV file (one row per order line, columns: "
        + ", ".join(CSV_COLUMNS)
        + "). Each order is checked on its own: a bad one is reported and skipped, an order "
        "already imported with the same external reference is left as it is. An order is "
        "submitted (promised) when it says so (`submit` true), as through the API; otherwise "
        "it stays a draft."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--format", choices=["auto", "jsonl", "csv"], default="auto", help="by extension"
        )

    def handle(self, *args, file: Path, format: str, **options):
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        kind = format if format != "auto" else ("csv" if file.suffix.lower() == ".csv" else "jsonl")
        orders = list(_csv_orders(file) if kind == "csv" else _jsonl_orders(file))
        total_lines = sum(len(o["order"].get("lines") or []) for o in orders)
        counts = {"created": 0, "already imported": 0, "refused": 0}
        errors = []
        started = time.monotonic()
        done_lines = 0
        for start in range(0, len(orders), MAX_BATCH):
            batch = orders[start : start + MAX_BATCH]
            results = sales_orders_import([o["order"] for o in batch])
            for source, result in zip(batch, results, strict=True):
                status = result["status"]
                if status == 201:
                    counts["created"] += 1
                elif status == 200:
                    counts["already imported"] += 1
                else:
                    counts["refused"] += 1
                    errors.append((source["where"], result))
                done_lines += len(source["order"].get("lines") or [])
            self._progress(done_lines, total_lines, started)
        seconds = max(time.monotonic() - started, 1e-9)
        sys.stderr.write("\n")
        for where, result in errors[:SHOWN_ERRORS]:
            fields = "; ".join(f"{e['field']}: {e['message']}" for e in result.get("errors") or [])
            self.stderr.write(
                f"{file}:{where}: {result['status']} {fields or result.get('detail')}"
            )
        if len(errors) > SHOWN_ERRORS:
            self.stderr.write(f"… and {len(errors) - SHOWN_ERRORS} more refused orders")
        summary = ", ".join(f"{n:,} {what}" for what, n in counts.items())
        self.stdout.write(
            f"{len(orders):,} orders ({total_lines:,} lines) in {seconds:.1f} s, "
            f"{total_lines / seconds:,.0f} lines/s: {summary}."
        )
        if counts["refused"]:
            raise CommandError(f"{counts['refused']:,} order(s) refused; the others were imported.")

    def _progress(self, done: int, total: int, started: float) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        rate = done / max(time.monotonic() - started, 1e-9)
        sys.stderr.write(
            f"\r[{'#' * filled}{' ' * (width - filled)}] {done:,}/{total:,} lines · {rate:,.0f}/s"
        )
        sys.stderr.flush()


def _jsonl_orders(file: Path):
    with file.open(encoding="utf-8") as lines:
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            try:
                order = json.loads(text, parse_float=Decimal)
            except json.JSONDecodeError as exc:
                message = f"{file}:{number}: not valid JSON ({exc}); nothing imported"
                raise CommandError(message) from exc
            if not isinstance(order, dict):
                raise CommandError(f"{file}:{number}: an order must be an object; nothing imported")
            yield {"where": number, "order": _plain(order)}


def _plain(value):
    """JSON numbers read as Decimal, given to the order schema as strings (exact)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


CSV_COLUMNS = (
    "customer",
    "external_reference",
    "item",
    "quantity",
    "unit_price",
    "requested_ship_date",
    "ship_from",
    "submit",
)


def _csv_orders(file: Path):
    with file.open(encoding="utf-8", newline="") as rows:
        reader = csv.DictReader(rows)
        missing = {"customer", "item", "quantity"} - set(reader.fieldnames or [])
        if missing:
            raise CommandError(f"{file}: missing column(s) {', '.join(sorted(missing))}")
        # A misspelt column (requested_ship_dat) must not pass silently, as an unknown field
        # of the API does not.
        unknown = [name for name in reader.fieldnames if name not in CSV_COLUMNS]
        if unknown:
            raise CommandError(
                f"{file}: unknown column(s) {', '.join(unknown)} (known: {', '.join(CSV_COLUMNS)});"
                " nothing imported"
            )
        current, key = None, None
        for number, row in enumerate(reader, start=2):
            row_key = (row["customer"], row.get("external_reference") or f"row {number}")
            if current is None or row_key != key:
                if current is not None:
                    yield current
                key = row_key
                current = {
                    "where": number,
                    "order": {
                        "customer": row["customer"],
                        "external_reference": row.get("external_reference") or "",
                        "submit": (row.get("submit") or "").strip().lower() in ("true", "1", "yes"),
                        "lines": [],
                    },
                }
            line = {"item": row["item"], "quantity": row["quantity"]}
            for column in ("unit_price", "requested_ship_date", "ship_from"):
                if row.get(column):
                    line[column] = row[column]
            current["order"]["lines"].append(line)
        if current is not None:
            yield current
