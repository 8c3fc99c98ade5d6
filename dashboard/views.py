"""The dashboard: charts of the figures in dashboard.selectors, each linked to its worklist."""

import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from dashboard import selectors
from dashboard.forms import PeriodForm
from supply.selectors import lines_in_jeopardy

JEOPARDY_ROWS = 10


def _url(name: str, **params) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in ("", None)})
    return f"{reverse(name)}?{query}" if query else reverse(name)


def _iso(day: datetime.date) -> str:
    return day.isoformat()


def _lines_chart(period):
    figures = selectors.lines_by_status_and_type(period)
    labels = [label for _value, label in figures["statuses"]]
    datasets = []
    for supply_type, type_label in figures["types"]:
        values = [
            figures["counts"][status].get(supply_type, 0) for status, _ in figures["statuses"]
        ]
        if not any(values):
            continue
        links = [
            _url(
                "orders:worklist",
                line_status=status,
                supply_type=supply_type or "NONE",
                **{"from": _iso(period.start), "to": _iso(period.end)},
            )
            for status, _label in figures["statuses"]
        ]
        datasets.append({"label": type_label, "data": values, "links": links})
    rows = [
        {
            "label": label,
            "total": sum(figures["counts"][status].values()),
            "url": _url(
                "orders:worklist",
                line_status=status,
                **{"from": _iso(period.start), "to": _iso(period.end)},
            ),
        }
        for status, label in figures["statuses"]
    ]
    return {"type": "bar", "stacked": True, "labels": labels, "datasets": datasets}, rows


def _on_time_chart(period):
    weeks = selectors.on_time_by_week(period.past_weeks())
    links = [
        _url(
            "orders:worklist",
            shipped_from=_iso(week["week"]),
            shipped_to=_iso(min(week["week"] + datetime.timedelta(days=6), period.end)),
        )
        for week in weeks
    ]
    chart = {
        "type": "line",
        "labels": [week["week"].strftime("%d %b") for week in weeks],
        "datasets": [
            {"label": "On time %", "data": [week["percent"] for week in weeks], "links": links}
        ],
        "percent": True,
    }
    rows = [dict(week, url=url) for week, url in zip(weeks, links, strict=True)]
    return chart, rows, selectors.on_time_total(weeks)


def _shipped_in(period) -> str:
    """The worklist of the orders with a line shipped in the period."""
    return _url("orders:worklist", shipped_from=_iso(period.start), shipped_to=_iso(period.end))


def _lead_time_chart(period):
    counts = selectors.order_to_ship_days(period)
    link = _shipped_in(period)
    labels = [label for label, _low, _high in selectors.LEAD_TIME_BUCKETS]
    chart = {
        "type": "bar",
        "labels": labels,
        "datasets": [{"label": "Shipped lines", "data": counts, "links": [link] * len(counts)}],
    }
    return chart, [
        {"label": label, "value": n, "url": link} for label, n in zip(labels, counts, strict=True)
    ]


def _late_po_chart():
    suppliers = selectors.late_purchase_orders_by_supplier()
    links = [
        _url("procurement:purchase_orders", late="1", supplier=row["supplier"]) for row in suppliers
    ]
    chart = {
        "type": "bar",
        "horizontal": True,
        "labels": [row["name"] for row in suppliers],
        "datasets": [
            {"label": "Late PO lines", "data": [row["lines"] for row in suppliers], "links": links}
        ],
    }
    rows = [dict(row, url=url) for row, url in zip(suppliers, links, strict=True)]
    return chart, rows


def _backorder_links(today: datetime.date) -> list[str]:
    """Per bar of the age chart, the backordered lines it counts: not due yet (requested after
    today), then requested so many days ago."""
    day = lambda days: _iso(today - datetime.timedelta(days=days))  # noqa: E731
    links = [_url("orders:worklist", line_status="BACKORDERED", **{"from": day(-1)})]
    for _label, low, high in selectors.AGE_BUCKETS:
        dates = {"from": day(high) if high is not None else "", "to": day(low)}
        links.append(_url("orders:worklist", line_status="BACKORDERED", **dates))
    return links


def _age_chart(user):
    labels = [selectors.NOT_DUE, *(label for label, _low, _high in selectors.AGE_BUCKETS)]
    datasets = []
    if user.has_perm("supply.view_supplyorder"):
        exceptions = reverse("supply:supply_orders") + "#exceptions"
        datasets.append(
            {
                "label": "Open exceptions",
                "data": [None, *selectors.open_exceptions_by_age()],  # an exception is never due
                "links": [exceptions] * len(labels),
                "url": exceptions,
            }
        )
    datasets.append(
        {
            "label": "Backorders",
            "data": selectors.backorders_by_age(),
            "links": _backorder_links(timezone.localdate()),
            "url": _url("orders:worklist", line_status="BACKORDERED"),
        }
    )
    chart = {"type": "bar", "labels": labels, "datasets": datasets}
    rows = [
        {
            "label": dataset["label"],
            "total": sum(n for n in dataset["data"] if n),
            "url": dataset.pop("url"),
        }
        for dataset in datasets
    ]
    return chart, rows


@permission_required("orders.view_salesorder", raise_exception=True)
@require_GET
def dashboard(request):
    """Every role's figures; the buyer's and the orchestration manager's charts show to those
    who may open the worklists behind them."""
    form = PeriodForm(request.GET or None)
    period = form.period()
    lines_chart, line_rows = _lines_chart(period)
    on_time_chart, on_time_rows, on_time_total = _on_time_chart(period)
    lead_chart, lead_rows = _lead_time_chart(period)
    age_chart, age_rows = _age_chart(request.user)
    charts = {
        "lines": lines_chart,
        "on_time": on_time_chart,
        "lead_time": lead_chart,
        "ages": age_chart,
    }
    context = {
        "form": form,
        "period": period,
        "line_rows": line_rows,
        "on_time_rows": on_time_rows,
        "on_time_total": on_time_total,
        "lead_rows": lead_rows,
        "age_rows": age_rows,
        "jeopardy": selectors.jeopardy_summary(),
        "jeopardy_lines": list(lines_in_jeopardy()[:JEOPARDY_ROWS]),
        "jeopardy_url": _url("orders:worklist", jeopardy="1"),
        "on_time_url": _shipped_in(period.past_weeks()),
    }
    if request.user.has_perm("procurement.view_purchaseorder"):
        charts["late_pos"], context["late_po_rows"] = _late_po_chart()
    context["charts"] = charts
    return render(request, "dashboard/dashboard.html", context)
