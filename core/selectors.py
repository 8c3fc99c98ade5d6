"""Queries over core's own records that the pages of several apps share."""

from django.db.models import Q

from core.documents import document_type_of
from core.models import TransitionLog


def timeline_of(document, *, part_model=None, part_ids=(), demand_line_id=None):
    """A document's timeline: its status and field changes, oldest first (by time, then by
    entry), each with who made it (`actor` joined, so a page pays one query).

    `part_model` and `part_ids` add the changes of the document's parts (a PO's lines, a
    work order's components); `demand_line_id` adds every change logged against that sales
    order line (what a supply order's page shows of its line's history). Nothing of another
    document is included.
    """
    entries = Q(document_type=document_type_of(document), document_id=document.pk)
    if part_model is not None:
        entries |= Q(document_type=document_type_of(part_model), document_id__in=list(part_ids))
    if demand_line_id is not None:
        entries |= Q(demand_line_id=demand_line_id)
    return TransitionLog.objects.filter(entries).select_related("actor").order_by("at", "id")


def timelines_of_lines(line_ids) -> dict[int, list[TransitionLog]]:
    """Each sales order line's history (every change logged against it, whichever document
    made it), by line id, oldest first, with who made each change — in one query for any
    number of lines. A line with no entries is absent."""
    timelines: dict[int, list[TransitionLog]] = {}
    entries = TransitionLog.objects.filter(demand_line_id__in=list(line_ids))
    for entry in entries.select_related("actor").order_by("at", "id"):
        timelines.setdefault(entry.demand_line_id, []).append(entry)
    return timelines
