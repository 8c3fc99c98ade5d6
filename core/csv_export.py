"""CSV export of a worklist: the rows the screen's filters select, all pages, streamed."""

import csv
from collections.abc import Iterable, Sequence

from django.http import StreamingHttpResponse


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
    """A cell as a spreadsheet will read it: empty for None, and text that would start a
    formula (a customer PO typed as `=HYPERLINK(…)`) quoted so it stays text; numbers,
    negative ones too, are left as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS) and not _number(value):
        return "'" + value
    return value


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
