"""Unit tests for the promising rules (docs/architecture.md): pure values, no database."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from supply.sourcing_decision import (
    BUY,
    MAKE,
    TRANSFER,
    RuleOption,
    SourcingRequest,
    SourcingResult,
    choose_source,
    effective_rules,
    split_quantity,
)

TODAY = date(2026, 12, 1)
ITEM, OTHER_ITEM = 10, 11
ORG, OTHER_ORG = 20, 21
STANDARD_COST = Decimal("7.50")


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def rule(rule_id: int, type: str = BUY, **changes) -> RuleOption:
    """An item+org rule effective forever; BUY from S1 at 10, TRANSFER from W2, MAKE at P1."""
    base = RuleOption(
        rule_id=rule_id,
        type=type,
        rank=1,
        item_id=ITEM,
        organization_id=ORG,
        supplier="S1" if type == BUY else None,
        source_organization={TRANSFER: "W2", MAKE: "P1"}.get(type),
        unit_price=Decimal(10) if type == BUY else None,
        lead_time_days=2,
    )
    return replace(base, **changes)


def request(*rules: RuleOption, **changes) -> SourcingRequest:
    """5 units for W1, requested in 10 days, with 1 receiving day and nothing else known."""
    base = SourcingRequest(
        today=TODAY,
        requested_date=days(10),
        quantity=Decimal(5),
        item_id=ITEM,
        standard_cost=STANDARD_COST,
        organization_id=ORG,
        organization_code="W1",
        receiving_days=1,
        rules=rules,
        source_available={},
        components_short={},
        allocated={},
    )
    return replace(base, **changes)


def reasons(result: SourcingResult) -> dict[int, str]:
    return {c.rule_id: c.reason for c in result.candidates}


def assert_consistent(result: SourcingResult) -> None:
    """Exactly one candidate is flagged chosen when there is a choice, none otherwise."""
    flagged = [c for c in result.candidates if c.chosen]
    assert flagged == ([result.chosen] if result.chosen else [])


# --- stock first, supply the rest -------------------------------------------------------------


@pytest.mark.parametrize(
    ("available", "expected"),
    [
        pytest.param("0", ("0", "5"), id="nothing-available"),
        pytest.param("-2", ("0", "5"), id="negative-available"),
        pytest.param("3", ("3", "2"), id="some-available"),
        pytest.param("5", ("5", "0"), id="exactly-enough"),
        pytest.param("9", ("5", "0"), id="more-than-enough"),
    ],
)
def test_split_quantity_takes_stock_first_and_sources_the_rest(available, expected):
    from_stock, to_source = split_quantity(quantity=Decimal(5), available=Decimal(available))

    assert (from_stock, to_source) == tuple(Decimal(q) for q in expected)


# --- assignment precedence --------------------------------------------------------------------

ITEM_ORG = rule(1)
ITEM_ANY_ORG = rule(2, organization_id=None)
ANY_ITEM_ORG = rule(3, item_id=None)
GLOBAL = rule(4, item_id=None, organization_id=None)
OTHER_ITEM_ORG = rule(5, item_id=OTHER_ITEM)
ITEM_OTHER_ORG = rule(6, organization_id=OTHER_ORG)
OTHER_ITEM_ANY_ORG = rule(7, item_id=OTHER_ITEM, organization_id=None)
ANY_ITEM_OTHER_ORG = rule(8, item_id=None, organization_id=OTHER_ORG)
FOREIGN = (OTHER_ITEM_ORG, ITEM_OTHER_ORG, OTHER_ITEM_ANY_ORG, ANY_ITEM_OTHER_ORG)


@pytest.mark.parametrize(
    ("rules", "level", "rule_ids"),
    [
        pytest.param(
            (GLOBAL, ANY_ITEM_ORG, ITEM_ANY_ORG, ITEM_ORG, *FOREIGN),
            "item+org",
            [1],
            id="item+org-beats-all",
        ),
        pytest.param((GLOBAL, ANY_ITEM_ORG, ITEM_ANY_ORG, *FOREIGN), "item", [2], id="item"),
        pytest.param((GLOBAL, ANY_ITEM_ORG, *FOREIGN), "org", [3], id="org"),
        pytest.param((GLOBAL, *FOREIGN), "global", [4], id="global"),
        pytest.param(FOREIGN, "none", [], id="other-items-and-orgs-never-apply"),
        pytest.param((), "none", [], id="no-rules"),
    ],
)
def test_the_most_specific_level_with_effective_rules_is_used_alone(rules, level, rule_ids):
    found_level, found = effective_rules(
        rules=rules, item_id=ITEM, organization_id=ORG, today=TODAY
    )
    result = choose_source(request(*rules))

    assert (found_level, [r.rule_id for r in found]) == (level, rule_ids)
    assert (result.level, [c.rule_id for c in result.candidates]) == (level, rule_ids)
    assert_consistent(result)


def test_a_more_specific_level_wins_even_when_a_less_specific_one_is_faster():
    slow_rank_3 = rule(1, rank=3, lead_time_days=30)
    fast_global = rule(2, item_id=None, organization_id=None, lead_time_days=1)

    result = choose_source(request(fast_global, slow_rank_3))

    assert result.level == "item+org"
    assert [c.rule_id for c in result.candidates] == [1]
    assert result.chosen.rule_id == 1


def test_rules_come_back_in_rank_order():
    rules = (rule(1, rank=3), rule(2, rank=1), rule(3, rank=2))

    _, found = effective_rules(rules=rules, item_id=ITEM, organization_id=ORG, today=TODAY)

    assert [r.rule_id for r in found] == [2, 3, 1]


# --- effective dates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("effective_from", "effective_to", "effective"),
    [
        pytest.param(None, None, True, id="open-ended"),
        pytest.param(TODAY, None, True, id="starts-today"),
        pytest.param(days(1), None, False, id="starts-tomorrow"),
        pytest.param(None, TODAY, True, id="ends-today"),
        pytest.param(None, days(-1), False, id="ended-yesterday"),
        pytest.param(TODAY, TODAY, True, id="one-day-window-today"),
    ],
)
def test_effective_dates_are_inclusive(effective_from, effective_to, effective):
    dated = rule(1, item_id=None, organization_id=None)
    dated = replace(dated, effective_from=effective_from, effective_to=effective_to)

    level, found = effective_rules(rules=(dated,), item_id=ITEM, organization_id=ORG, today=TODAY)

    assert (level, bool(found)) == (("global", True) if effective else ("none", False))


def test_an_expired_item_org_rule_falls_back_to_the_item_level():
    expired = rule(1, effective_to=days(-1))

    result = choose_source(request(expired, ITEM_ANY_ORG))

    assert result.level == "item"
    assert result.chosen.rule_id == ITEM_ANY_ORG.rule_id


def test_a_rule_not_yet_effective_in_the_level_used_is_listed_as_infeasible():
    future = rule(1, rank=1, effective_from=days(3))
    current = rule(2, rank=2)

    result = choose_source(request(future, current))

    assert result.chosen.rule_id == 2
    assert not result.candidates[0].feasible
    assert reasons(result)[1] == f"not effective: starts {days(3)}"


# --- available date, cost and feasibility per source type -------------------------------------


@pytest.mark.parametrize(
    ("lead_time_days", "receiving_days", "available"),
    [
        pytest.param(5, 0, days(5), id="no-receiving-days"),
        pytest.param(5, 2, days(7), id="receiving-days-added"),
        pytest.param(0, 3, days(3), id="stocked-at-supplier"),
    ],
)
def test_buy_is_available_after_lead_time_and_receiving(lead_time_days, receiving_days, available):
    buy = rule(1, lead_time_days=lead_time_days, unit_price=Decimal("12.3400"))

    result = choose_source(request(buy, receiving_days=receiving_days))

    assert result.chosen.available_date == available
    assert result.chosen.cost == Decimal("12.3400")
    assert result.chosen.supplier == "S1"


@pytest.mark.parametrize(
    ("source", "available", "feasible", "available_date", "reason"),
    [
        pytest.param("W2", {"W2": Decimal(5)}, True, days(4), None, id="exactly-enough"),
        pytest.param("W2", {"W2": Decimal(50)}, True, days(4), None, id="plenty"),
        pytest.param(
            "W2",
            {"W2": Decimal("3.000")},
            False,
            days(4),
            "W2 has only 3 available, needs 5",
            id="short",
        ),
        pytest.param(
            "W2", {"W3": Decimal(9)}, False, days(4), "W2 has only 0 available, needs 5", id="none"
        ),
        pytest.param(
            "W1",
            {"W1": Decimal(9)},
            False,
            None,
            "cannot transfer from W1 to itself",
            id="same-org",
        ),
    ],
)
def test_transfer_needs_the_quantity_available_at_another_org(
    source, available, feasible, available_date, reason
):
    transfer = rule(1, TRANSFER, source_organization=source, lead_time_days=4)

    result = choose_source(request(transfer, source_available=available))
    (candidate,) = result.candidates

    assert (candidate.feasible, candidate.available_date) == (feasible, available_date)
    assert candidate.cost == STANDARD_COST
    if feasible:
        assert result.chosen == candidate
    else:
        assert (result.chosen, candidate.reason) == (None, reason)


@pytest.mark.parametrize(
    ("plant", "components_short", "available_date", "reason"),
    [
        pytest.param("P1", {"P1": ()}, days(6), None, id="every-component-on-hand"),
        pytest.param("P1", {}, days(6), "no bill of materials at P1", id="no-bom"),
        pytest.param(
            "P1",
            {"P1": ("LEG", "DESK-TOP")},
            days(6),
            "P1 lacks LEG, DESK-TOP",
            id="short-components",
        ),
        pytest.param(
            "P2", {"P2": ()}, None, "makes at P2, not at P1", id="not-at-the-fulfillment-org"
        ),
    ],
)
def test_make_happens_only_at_the_fulfillment_plant_with_every_component(
    plant, components_short, available_date, reason
):
    make = rule(1, MAKE, source_organization=plant, lead_time_days=6)

    result = choose_source(request(make, organization_code="P1", components_short=components_short))
    (candidate,) = result.candidates

    assert (candidate.feasible, candidate.available_date) == (reason is None, available_date)
    assert candidate.cost == STANDARD_COST
    if reason is None:
        assert result.chosen == candidate
    else:
        assert (result.chosen, candidate.reason) == (None, reason)


# --- choosing among feasible sources ----------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "requested", "chosen_id"),
    [
        pytest.param(
            (rule(1, rank=1, lead_time_days=8), rule(2, rank=2, lead_time_days=1)),
            days(10),
            1,
            id="best-rank-meeting-the-date-beats-a-faster-rank-2",
        ),
        pytest.param(
            (rule(1, rank=1, lead_time_days=20), rule(2, rank=2, lead_time_days=5)),
            days(10),
            2,
            id="rank-2-wins-when-rank-1-misses-the-date",
        ),
        pytest.param(
            (rule(1, rank=1, lead_time_days=5), rule(2, rank=1, lead_time_days=20)),
            days(10),
            1,
            id="same-rank-missing-the-date-does-not-share",
        ),
        pytest.param(
            (rule(1, rank=1, lead_time_days=10), rule(2, rank=2, lead_time_days=5)),
            days(2),
            2,
            id="none-meets-the-date-earliest-wins",
        ),
        pytest.param(
            (rule(1, rank=2, lead_time_days=5), rule(2, rank=1, lead_time_days=5)),
            days(2),
            2,
            id="tie-on-date-better-rank-wins",
        ),
        pytest.param(
            (
                rule(1, lead_time_days=5, unit_price=Decimal(12)),
                rule(2, lead_time_days=5, unit_price=Decimal(9)),
            ),
            days(2),
            2,
            id="tie-on-date-and-rank-cheaper-wins",
        ),
        pytest.param(
            (rule(2, lead_time_days=5), rule(1, lead_time_days=5)),
            days(2),
            1,
            id="full-tie-lower-rule-id-wins",
        ),
        pytest.param(
            (
                rule(1, TRANSFER, rank=1, lead_time_days=1),
                rule(2, rank=2, lead_time_days=30),
            ),
            days(10),
            2,
            id="infeasible-better-rank-is-skipped",
        ),
    ],
)
def test_choice_prefers_rank_when_the_date_is_met_else_the_earliest_date(
    rules, requested, chosen_id
):
    result = choose_source(request(*rules, requested_date=requested))

    assert result.chosen.rule_id == chosen_id
    assert_consistent(result)


def test_reasons_explain_a_win_on_rank():
    result = choose_source(
        request(rule(1, rank=1, lead_time_days=8), rule(2, rank=2, lead_time_days=1))
    )

    assert reasons(result) == {
        1: f"chosen: rank 1, available {days(9)} meets requested {days(10)}",
        2: "rank 2: a better-ranked source meets the date",
    }


def test_reasons_explain_a_win_on_the_earliest_date():
    rules = (
        rule(1, rank=1, lead_time_days=10),
        rule(2, rank=2, lead_time_days=5),
        rule(3, rank=3, lead_time_days=5),
    )

    result = choose_source(request(*rules, requested_date=days(2)))

    assert reasons(result) == {
        1: "lost: later than the chosen source",
        2: f"chosen: earliest available date (no source meets requested {days(2)})",
        3: "lost: same date as the chosen source, worse rank",
    }


# --- allocation among same-rank sources -------------------------------------------------------


@pytest.mark.parametrize(
    ("percents", "expected"),
    [
        pytest.param(("60", "40"), {1: 6, 2: 4}, id="60-40"),
        pytest.param(("50", "50"), {1: 5, 2: 5}, id="50-50"),
        pytest.param(("0", "0"), {1: 5, 2: 5}, id="all-zero-shares-equally"),
        pytest.param(("30", "20"), {1: 6, 2: 4}, id="percents-are-normalised"),
    ],
)
def test_same_rank_sources_meeting_the_date_share_demand_by_allocation(percents, expected):
    rules = tuple(
        rule(rule_id, allocation_percent=Decimal(percent))
        for rule_id, percent in enumerate(percents, start=1)
    )
    allocated: dict[int, Decimal] = {}

    for _ in range(10):
        result = choose_source(request(*rules, quantity=Decimal(1), allocated=dict(allocated)))
        allocated[result.chosen.rule_id] = allocated.get(result.chosen.rule_id, 0) + Decimal(1)

    assert allocated == expected


def test_allocation_picks_the_source_furthest_below_its_share_of_history():
    rules = (
        rule(1, allocation_percent=Decimal(60)),
        rule(2, allocation_percent=Decimal(40)),
    )

    result = choose_source(request(*rules, allocated={1: Decimal(60), 2: Decimal(30)}))

    assert result.chosen.rule_id == 2
    assert reasons(result) == {
        1: "allocation: nearer its 60% share than the chosen source",
        2: (
            f"chosen: rank 1, available {days(3)} meets requested {days(10)};"
            " allocation: furthest below its 40% share"
        ),
    }


def test_allocation_ties_go_to_the_cheaper_source():
    rules = (
        rule(1, allocation_percent=Decimal(50), unit_price=Decimal(11)),
        rule(2, allocation_percent=Decimal(50), unit_price=Decimal(10)),
    )

    assert choose_source(request(*rules)).chosen.rule_id == 2


# --- backorder and scheduled date -------------------------------------------------------------


def test_no_feasible_source_backorders_the_line_with_every_reason():
    rules = (
        rule(1, TRANSFER, rank=1),
        rule(2, MAKE, rank=2),
        rule(3, TRANSFER, rank=3, source_organization="W1"),
    )

    result = choose_source(request(*rules, source_available={"W2": Decimal(2)}))

    assert (result.level, result.chosen, result.scheduled_date) == ("item+org", None, None)
    assert not any(c.feasible or c.chosen for c in result.candidates)
    assert reasons(result) == {
        1: "W2 has only 2 available, needs 5",
        2: "makes at P1, not at W1",
        3: "cannot transfer from W1 to itself",
    }


def test_no_rules_at_any_level_gives_no_candidates():
    result = choose_source(request(OTHER_ITEM_ORG, rule(2, effective_to=days(-1))))

    assert result == SourcingResult(level="none", candidates=(), chosen=None, scheduled_date=None)


@pytest.mark.parametrize(
    ("lead_time_days", "requested", "scheduled"),
    [
        pytest.param(3, days(10), days(10), id="available-early-ships-on-request"),
        pytest.param(9, days(10), days(10), id="available-on-the-requested-date"),
        pytest.param(14, days(10), days(15), id="available-late-ships-when-available"),
    ],
)
def test_scheduled_date_is_the_later_of_requested_and_available(
    lead_time_days, requested, scheduled
):
    result = choose_source(
        request(rule(1, lead_time_days=lead_time_days), requested_date=requested)
    )

    assert result.scheduled_date == scheduled
