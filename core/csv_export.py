"""CSV export of a worklist: the rows the screen's filters select, all pages, streamed.

One format in every export, so a spreadsheet or a script reads them alike:

- amounts (`amount()`): two decimals, a point, no thousands separator — `1234.50`;
- quantities, prices and other decimals: as many places as they need, never an exponent —
  `12.5`, `900`;
- statuses: the code, as the API gives it — `AWAITING_SUPPLY` (pass `document.status`);
- times: the site's time zone (TIME_ZONE), `YYYY-MM-DD HH:MM:SS`; dates `YYYY-MM-DD`
  (pass the datetime or date itself);
- nothing: an empty cell.
"""

import csv
import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import timezone

from core.formatting import qty
from core.money import round_amount


def amount(value) -> str:
    """An amount as every export writes it: rounded half up to cents, two decimals."""
    return "" if value is None else f"{round_amount(value):.2f}"


class _Echo:
    """A file-like object whose write() hands back what it was given (csv.writer needs one)."""

    def write(self, value):
        return value


def wants_csv(request) -> bool:
    """The worklist was asked for as CSV (`?format=csv`, the export link of each worklist)."""
    return request.GET.get("format") == "csv"


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]):
    """A streamed CSV download: the header, then one line per row.

    Rows are read as they are written, so a large export does not sit in memory; pass an
    iterator (e.g. a queryset's .iterator(chunk_size=...)) mapped to plain values.
    """
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """A cell as a spreadsheet will read it: empty for None, times, dates and decimals in the
    one format (above), and text that would start a formula (a customer PO typed as
    `=HYPERLINK(…)`) quoted so it stays text; numbers, negative ones too, are left as they
    are."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return qty(value)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS) and not _number(value):
        return "'" + value
    return value


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
