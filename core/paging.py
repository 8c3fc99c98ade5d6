"""Pages of worklists and API lists: sorted lists are read keys first (two short queries
instead of one long one)."""

from asgiref.sync import sync_to_async
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.db.models.query import ModelIterable
from ninja import Field
from ninja.pagination import LimitOffsetPagination

PAGE_SIZE = 50


def rows_by_keys(rows, bottom: int, top: int) -> list:
    """Rows `bottom` to `top` of an ordered queryset: the keys of the slice first, then the
    rows of those keys.

    The first query carries only the filters and the order (no joined columns to show, no
    per-row figures), so PostgreSQL sorts narrow rows and stops at the page; the second reads
    the page's rows, with everything the screen shows, by primary key. On a worklist of 100k
    lines that is a few milliseconds instead of joining every matching row before sorting. A
    row that stops matching between the two queries is left out of the page.
    """
    if not _by_keys_possible(rows):
        return list(rows[bottom:top])
    keys = list(rows.values_list("pk", flat=True)[bottom:top])
    if not keys:
        return []
    found = {row.pk: row for row in rows.order_by().filter(pk__in=keys)}
    return [found[key] for key in keys if key in found]


def _by_keys_possible(rows) -> bool:
    """Model rows whose query can be filtered again and is not in key order already.

    A values() or union queryset, a sliced or a DISTINCT one is read in one query, as before;
    so is a list in primary-key order (newest first): PostgreSQL walks the key's index and
    stops at the page by itself, a second query would only add a round trip.
    """
    if not isinstance(rows, QuerySet) or rows._iterable_class is not ModelIterable:
        return False
    query = rows.query
    if query.combinator or query.is_sliced or query.distinct:
        return False
    ordering = query.order_by or rows.model._meta.ordering
    return not all(str(field).lstrip("-") in ("pk", "id") for field in ordering)


class KeysFirstPaginator(Paginator):
    """Django's paginator, reading each page with `rows_by_keys`."""

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(rows_by_keys(self.object_list, bottom, top), number, self)


# The largest offset the API takes: far beyond any list, and within the database's integers.
MAX_OFFSET = 1_000_000_000


class KeysFirstPagination(LimitOffsetPagination):
    """`?limit=&offset=` of the API lists (same input and output), read with `rows_by_keys`."""

    class Input(LimitOffsetPagination.Input):
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def paginate_queryset(self, queryset, pagination, request, **params):
        offset = pagination.offset
        limit = min(pagination.limit, self.max_limit)
        count = self._items_count(queryset)  # first, as the worklists do
        return {
            self.items_attribute: rows_by_keys(queryset, offset, offset + limit),
            "count": count,
        }

    async def apaginate_queryset(self, queryset, pagination, request, **params):
        return await sync_to_async(self.paginate_queryset)(queryset, pagination, request, **params)


def paginate(request, rows, per_page: int = PAGE_SIZE) -> tuple[Page, str]:
    """The requested page of `rows` and the query string of the other filters (for links)."""
    page = KeysFirstPaginator(rows, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
