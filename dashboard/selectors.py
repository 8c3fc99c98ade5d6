"""The dashboard's figures: each one query (or two), grouped in the database, whatever the
number of orders. A figure is computed here and nowhere else; the screen and its tests read it
from these functions, and every figure carries the worklist filter that lists its rows.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from catalog.models import SupplyType
from orders.models import FulfillmentLine
from procurement.selectors import late_purchase_order_lines
from supply.models import SupplyException
from warehouse.models import Shipment, ShipmentLine

# Age buckets of open exceptions and backorders, in days: (label, lowest, highest or None).
AGE_BUCKETS = [
    ("0–1 d", 0, 1),
    ("2–3 d", 2, 3),
    ("4–7 d", 4, 7),
    ("8–14 d", 8, 14),
    ("15+ d", 15, None),
]
# Order-to-ship days (from the order's submission to the shipment's ship date).
LEAD_TIME_BUCKETS = [
    ("Same day", 0, 0),
    ("1 d", 1, 1),
    ("2 d", 2, 2),
    ("3–5 d", 3, 5),
    ("6–10 d", 6, 10),
    ("11–20 d", 11, 20),
    ("21+ d", 21, None),
]
DEFAULT_WEEKS = 12
MAX_DAYS = 731  # the longest range the dashboard shows (two years)
# A backorder whose requested ship date is still ahead is not late yet: its own bucket, before
# the ages past the requested date.
NOT_DUE = "Not due yet"


@dataclass(frozen=True)
class Period:
    """The dashboard's date range (inclusive); shipments by ship date, lines by requested date."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def default(cls, today: datetime.date | None = None) -> "Period":
        """The last DEFAULT_WEEKS weeks up to today, stretched forward to the latest requested
        ship date of a line still open: the lines open now are counted whatever their date
        (at most MAX_DAYS in all)."""
        today = today or timezone.localdate()
        start = cls.weeks_back(today)
        latest = FulfillmentLine.objects.filter(
            status__in=FulfillmentLine.OPEN_STATES, requested_ship_date__gt=today
        ).aggregate(latest=Max("requested_ship_date"))["latest"]
        end = min(latest or today, start + datetime.timedelta(days=MAX_DAYS))
        return cls(start, end)

    @staticmethod
    def weeks_back(end: datetime.date) -> datetime.date:
        """The first day of the DEFAULT_WEEKS weeks that end on `end`."""
        return end - datetime.timedelta(weeks=DEFAULT_WEEKS) + datetime.timedelta(days=1)

    def past_weeks(self, today: datetime.date | None = None) -> "Period":
        """The part of the period up to today: shipments have no future."""
        today = today or timezone.localdate()
        return Period(self.start, max(self.start, min(self.end, today)))

    def weeks(self) -> list[datetime.date]:
        """The Mondays of the weeks the period touches."""
        monday = self.start - datetime.timedelta(days=self.start.weekday())
        weeks = []
        while monday <= self.end:
            weeks.append(monday)
            monday += datetime.timedelta(weeks=1)
        return weeks


@dataclass
class Bar:
    """One figure of a chart: its label, its value, and the worklist that lists its rows."""

    label: str
    value: float
    url: str = ""
    extra: dict = field(default_factory=dict)


def _bucket(days: int, buckets) -> int:
    for index, (_label, low, high) in enumerate(buckets):
        if days >= low and (high is None or days <= high):
            return index
    return 0


def lines_by_status_and_type(period: Period) -> dict:
    """Lines whose requested ship date falls in the period, counted by status and supply type:
    {"statuses": [(value, label)], "types": [(value, label)], "counts": {status: {type: n}}}.
    A line not sourced yet has the type "" ("Not sourced")."""
    rows = (
        FulfillmentLine.objects.filter(requested_ship_date__range=(period.start, period.end))
        .values_list("status", "supply_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[str, dict[str, int]] = {}
    for status, supply_type, n in rows:
        counts.setdefault(status, {})[supply_type] = n
    types = [*SupplyType.choices, ("", "Not sourced")]
    statuses = [
        (value, label) for value, label in FulfillmentLine.Status.choices if value in counts
    ]
    return {"statuses": statuses, "types": types, "counts": counts}


def _shipped_lines(period: Period):
    return ShipmentLine.objects.filter(
        active=True,
        shipment__status=Shipment.Status.SHIPPED,
        shipment__ship_date__range=(period.start, period.end),
    )


def on_time_by_week(period: Period) -> list[dict]:
    """Per week of the period: shipped lines, those shipped on or before their promised date,
    and the percentage (None for a week without shipments)."""
    on_time = Q(shipment__ship_date__lte=F("demand_line__promised_ship_date"))
    rows = (
        _shipped_lines(period)
        .values_list("shipment__ship_date")
        .annotate(shipped=Count("id"), on_time=Count("id", filter=on_time))
        .order_by()
    )
    weeks = {monday: [0, 0] for monday in period.weeks()}
    for ship_date, shipped, punctual in rows:
        monday = ship_date - datetime.timedelta(days=ship_date.weekday())
        weeks[monday][0] += shipped
        weeks[monday][1] += punctual
    return [
        {
            "week": monday,
            "shipped": shipped,
            "on_time": punctual,
            "percent": round(100 * punctual / shipped, 1) if shipped else None,
        }
        for monday, (shipped, punctual) in weeks.items()
    ]


def on_time_total(weeks: list[dict]) -> float | None:
    shipped = sum(week["shipped"] for week in weeks)
    return round(100 * sum(week["on_time"] for week in weeks) / shipped, 1) if shipped else None


def order_to_ship_days(period: Period) -> list[int]:
    """Shipped lines of the period by days from the order's submission to the ship date, in
    LEAD_TIME_BUCKETS. Grouped by (submission day, ship date) in the database: the rows read
    are at most days × days, not one per line."""
    rows = (
        _shipped_lines(period)
        .annotate(submitted=TruncDate("demand_line__order__submitted_at"))
        .values_list("submitted", "shipment__ship_date")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = [0] * len(LEAD_TIME_BUCKETS)
    for submitted, ship_date, n in rows:
        if submitted is None:
            continue
        counts[_bucket(max((ship_date - submitted).days, 0), LEAD_TIME_BUCKETS)] += n
    return counts


def late_purchase_orders_by_supplier(limit: int = 10) -> list[dict]:
    """Suppliers with late PO lines (need-by passed, not fully received), most late lines first:
    [{"supplier", "name", "lines", "orders"}]."""
    rows = (
        late_purchase_order_lines()
        .values_list("purchase_order__supplier__number", "purchase_order__supplier__name")
        .annotate(lines=Count("id"), orders=Count("purchase_order", distinct=True))
        .order_by("-lines", "purchase_order__supplier__number")[:limit]
    )
    return [
        {"supplier": number, "name": name, "lines": lines, "orders": orders}
        for number, name, lines, orders in rows
    ]


def _days_by_bucket(moments, today: datetime.date) -> list[int]:
    counts = [0] * len(AGE_BUCKETS)
    for moment, n in moments:
        day = timezone.localdate(moment) if isinstance(moment, datetime.datetime) else moment
        counts[_bucket(max((today - day).days, 0), AGE_BUCKETS)] += n
    return counts


def open_exceptions_by_age(today: datetime.date | None = None) -> list[int]:
    """Open supply exceptions by days since raised, in AGE_BUCKETS."""
    rows = (
        SupplyException.objects.filter(resolved_at__isnull=True)
        .annotate(day=TruncDate("raised_at"))
        .values_list("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    return _days_by_bucket(rows, today or timezone.localdate())


def backorders_by_age(today: datetime.date | None = None) -> list[int]:
    """Backordered lines not due yet (requested ship date still ahead), then by days past
    their requested ship date in AGE_BUCKETS: [not due, *AGE_BUCKETS]."""
    today = today or timezone.localdate()
    rows = (
        FulfillmentLine.objects.filter(status=FulfillmentLine.Status.BACKORDERED)
        .values_list("requested_ship_date")
        .annotate(n=Count("id"))
        .order_by()
    )
    not_due = [(day, n) for day, n in rows if day > today]
    due = [(day, n) for day, n in rows if day <= today]
    return [sum(n for _day, n in not_due), *_days_by_bucket(due, today)]


def jeopardy_summary() -> dict:
    """Open lines in jeopardy: how many, and how many days late the worst one is."""
    open_late = FulfillmentLine.objects.filter(
        status__in=FulfillmentLine.OPEN_STATES, jeopardy_days__gt=0
    )
    figures = open_late.aggregate(lines=Count("id"), worst=Max("jeopardy_days"))
    return {"lines": figures["lines"], "worst_days": figures["worst"] or 0}
