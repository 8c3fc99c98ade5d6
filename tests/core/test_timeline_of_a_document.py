"""A document's timeline — what every document page shows under "Timeline" — holds its own
changes (and those of its parts), oldest first, with who made each, and nothing of another
document."""

import pytest

from core.models import TransitionLog
from core.selectors import timeline_of, timelines_of_lines
from procurement.models import PurchaseOrderLine

pytestmark = pytest.mark.django_db


def _of(document_type, ids):
    return set(
        TransitionLog.objects.filter(document_type=document_type, document_id__in=ids).values_list(
            "pk", flat=True
        )
    )


def test_a_purchase_orders_timeline_is_its_own_and_its_lines_changes_oldest_first(world):
    mine = world.on_po(world.supplied(world.laptop, 2)).purchase_order
    other = world.on_po(world.supplied(world.laptop, 3)).purchase_order
    line_ids = list(mine.lines.values_list("pk", flat=True))

    entries = list(timeline_of(mine, part_model=PurchaseOrderLine, part_ids=line_ids))

    expected = _of("procurement.purchaseorder", [mine.pk]) | _of(
        "procurement.purchaseorderline", line_ids
    )
    assert {entry.pk for entry in entries} == expected
    assert not {entry.pk for entry in entries} & (
        _of("procurement.purchaseorder", [other.pk])
        | _of("procurement.purchaseorderline", list(other.lines.values_list("pk", flat=True)))
    )
    assert [(e.at, e.pk) for e in entries] == sorted((e.at, e.pk) for e in entries)
    po_statuses = [e.to_value for e in entries if e.document_id == mine.pk and e.field == "status"]
    assert po_statuses[0] != "" and po_statuses[-1] == mine.status  # created first, now last


def test_a_timeline_reads_who_made_each_change_in_one_query(world, django_assert_num_queries):
    po = world.on_po(world.supplied(world.laptop, 2)).purchase_order

    with django_assert_num_queries(1):
        actors = [entry.actor.username for entry in timeline_of(po) if entry.actor]

    assert actors and set(actors) == {"bruno"}


def test_a_supply_orders_timeline_adds_its_lines_history_but_not_another_lines(world):
    line = world.supplied(world.laptop, 2)
    other_line = world.supplied(world.laptop, 5)
    supply_order = line.supply_orders.get()

    entries = list(timeline_of(supply_order, demand_line_id=line.pk))

    assert any(e.document_type == "supply.supplyorder" for e in entries)
    assert any(
        e.demand_line_id == line.pk and e.document_type != "supply.supplyorder" for e in entries
    )
    assert all(
        e.demand_line_id == line.pk
        or (e.document_type, e.document_id) == ("supply.supplyorder", supply_order.pk)
        for e in entries
    )
    assert not any(e.demand_line_id == other_line.pk for e in entries)
    assert [(e.at, e.pk) for e in entries] == sorted((e.at, e.pk) for e in entries)


def test_each_order_lines_history_is_its_own_oldest_first_in_one_query(
    world, django_assert_num_queries
):
    line = world.supplied(world.laptop, 2)
    world.on_po(line)
    other_line = world.supplied(world.laptop, 5)
    quiet_line_id = other_line.pk + 1000  # no such line: no entries

    with django_assert_num_queries(1):
        timelines = timelines_of_lines([line.pk, other_line.pk, quiet_line_id])
        actors = {e.actor.username for e in timelines[line.pk] if e.actor}

    mine = set(TransitionLog.objects.filter(demand_line_id=line.pk).values_list("pk", flat=True))
    assert {e.pk for e in timelines[line.pk]} == mine
    assert {"procurement.purchaseorderline"} <= {e.document_type for e in timelines[line.pk]}
    assert all(e.demand_line_id == other_line.pk for e in timelines[other_line.pk])
    assert quiet_line_id not in timelines
    assert [(e.at, e.pk) for e in timelines[line.pk]] == sorted(
        (e.at, e.pk) for e in timelines[line.pk]
    )
    assert "bruno" in actors
