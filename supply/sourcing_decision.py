"""The sourcing decision: where supply for one sales order line comes from and when it can be
there (the promise).

Pure rules on plain values, no database: the caller loads the sourcing rules, the source
availability and the BOM shortages, locks the rule rows while choosing, and records the result
as the line's SourcingDecision.
"""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from catalog.models import SupplyType

BUY, MAKE, TRANSFER = SupplyType.BUY, SupplyType.MAKE, SupplyType.TRANSFER
LEVELS = ("item+org", "item", "org", "global")  # most specific first
NO_LEVEL = "none"
ZERO = Decimal(0)

# (rule names an item, rule names an organization) -> assignment level
_LEVEL_BY_SCOPE = {
    (True, True): "item+org",
    (True, False): "item",
    (False, True): "org",
    (False, False): "global",
}


@dataclass(frozen=True)
class RuleOption:
    rule_id: int
    type: str  # "BUY" | "MAKE" | "TRANSFER"
    rank: int
    item_id: int | None  # None = rule for any item
    organization_id: int | None  # None = rule for any organization
    supplier: str | None  # supplier number (BUY)
    source_organization: str | None  # org code (TRANSFER: ship-from warehouse; MAKE: the plant)
    unit_price: Decimal | None  # BUY price
    lead_time_days: int
    allocation_percent: Decimal = Decimal(100)
    effective_from: date | None = None
    effective_to: date | None = None


@dataclass(frozen=True)
class Candidate:
    rule_id: int
    type: str
    rank: int
    supplier: str | None
    source_organization: str | None
    available_date: date | None  # None when infeasible and no date can be computed
    cost: Decimal  # BUY: unit_price; MAKE/TRANSFER: item standard cost
    feasible: bool
    reason: str  # human sentence: why it won, lost, or is infeasible
    chosen: bool = False


@dataclass(frozen=True)
class SourcingRequest:
    today: date
    requested_date: date
    quantity: Decimal
    item_id: int
    standard_cost: Decimal
    organization_id: int  # the fulfillment organization
    organization_code: str
    receiving_days: int  # the fulfillment org's receiving (post-processing) days
    rules: tuple[RuleOption, ...]  # every rule that might apply (all levels, any dates)
    source_available: dict[str, Decimal]  # org code -> available qty of this item there
    # plant code -> SKUs of BOM components the plant lacks for this quantity; absent = no BOM
    components_short: dict[str, tuple[str, ...]]
    allocated: dict[int, Decimal]  # rule_id -> quantity already allocated to that rule
    excluded: dict[int, str] = field(default_factory=dict)  # rule_id -> why it may not supply


@dataclass(frozen=True)
class SourcingResult:
    level: str  # "item+org" | "item" | "org" | "global" | "none"
    candidates: tuple[Candidate, ...]  # the level's rules in rank order; one chosen if any
    chosen: Candidate | None  # None -> the line is BACKORDERED
    scheduled_date: date | None  # max(requested_date, chosen.available_date)


def split_quantity(*, quantity: Decimal, available: Decimal) -> tuple[Decimal, Decimal]:
    """Stock first, supply the rest: (quantity from stock, quantity to source)."""
    from_stock = min(max(available, ZERO), quantity)
    return from_stock, quantity - from_stock


def effective_rules(
    *, rules: tuple[RuleOption, ...], item_id: int, organization_id: int, today: date
) -> tuple[str, tuple[RuleOption, ...]]:
    """The most specific assignment level with a rule effective today, and only its rules.

    Levels: item+org, then item, then org, then global; rules for other items or organizations
    never apply. Effective dates are inclusive. Rules come back in rank order; no effective rule
    at any level gives ("none", ()).
    """
    for level in LEVELS:
        found = [
            rule
            for rule in rules
            if _level(rule, item_id=item_id, organization_id=organization_id) == level
            and _is_effective(rule, today=today)
        ]
        if found:
            return level, tuple(sorted(found, key=_rank_order))
    return NO_LEVEL, ()


def choose_source(request: SourcingRequest) -> SourcingResult:
    """Choose the supply source for one line from the most specific effective rules.

    The best-ranked feasible source that meets the requested date wins; same-rank sources that
    meet it share demand by allocation_percent. If none meets it, the earliest available date
    wins (ties: rank, then cost, then rule id). No feasible source -> chosen None (BACKORDERED).
    Candidates are every rule of the level used, in rank order; rules of that level that are not
    effective today are listed as infeasible.
    """
    level, _ = effective_rules(
        rules=request.rules,
        item_id=request.item_id,
        organization_id=request.organization_id,
        today=request.today,
    )
    if level == NO_LEVEL:
        return SourcingResult(level=NO_LEVEL, candidates=(), chosen=None, scheduled_date=None)

    considered = sorted(
        (
            rule
            for rule in request.rules
            if _level(rule, item_id=request.item_id, organization_id=request.organization_id)
            == level
        ),
        key=_rank_order,
    )
    assessed = [_assess(rule, request=request) for rule in considered]
    feasible = [c for c in assessed if c.feasible]
    meeting = [c for c in feasible if c.available_date <= request.requested_date]
    if meeting:
        rules_by_id = {rule.rule_id: rule for rule in considered}
        chosen, reasons = _choose_meeting_date(
            meeting, feasible=feasible, rules_by_id=rules_by_id, request=request
        )
    elif feasible:
        chosen, reasons = _choose_earliest(feasible, request=request)
    else:
        chosen, reasons = None, {}

    candidates = tuple(
        replace(
            c,
            reason=reasons.get(c.rule_id, c.reason),
            chosen=chosen is not None and c.rule_id == chosen.rule_id,
        )
        for c in assessed
    )
    if chosen is None:
        return SourcingResult(level=level, candidates=candidates, chosen=None, scheduled_date=None)
    chosen = next(c for c in candidates if c.chosen)
    return SourcingResult(
        level=level,
        candidates=candidates,
        chosen=chosen,
        scheduled_date=max(request.requested_date, chosen.available_date),
    )


def transfer_part(
    result: SourcingResult, *, source_available: dict[str, Decimal], quantity: Decimal
) -> tuple[Candidate, Decimal] | None:
    """A transfer source that has only part of the quantity supplies that part, and the rest
    goes to the next source, when it ranks better than every source that could supply it all
    (38 available of 50: 38 by transfer, 12 from the next source — not 50 from it, nor
    backordered). Returns (that transfer's candidate, the part), or None.

    A short transfer is the one infeasible candidate with an available date: a rule not in
    effect, excluded or without a usable source has none."""
    best_whole = min((c.rank for c in result.candidates if c.feasible), default=None)
    shorts = [
        (c, source_available.get(c.source_organization, ZERO))
        for c in result.candidates
        if c.type == TRANSFER
        and not c.feasible
        and c.available_date is not None
        and (best_whole is None or c.rank < best_whole)
    ]
    shorts = [(c, have) for c, have in shorts if ZERO < have < quantity]
    if not shorts:
        return None
    return min(shorts, key=lambda short: (short[0].rank, -short[1], short[0].rule_id))


def _level(rule: RuleOption, *, item_id: int, organization_id: int) -> str | None:
    """The rule's assignment level for this item and org, None when it is for another one."""
    if rule.item_id is not None and rule.item_id != item_id:
        return None
    if rule.organization_id is not None and rule.organization_id != organization_id:
        return None
    return _LEVEL_BY_SCOPE[(rule.item_id is not None, rule.organization_id is not None)]


def _is_effective(rule: RuleOption, *, today: date) -> bool:
    return (rule.effective_from is None or rule.effective_from <= today) and (
        rule.effective_to is None or rule.effective_to >= today
    )


def _rank_order(rule: RuleOption) -> tuple[int, int]:
    return rule.rank, rule.rule_id


def assess(rule: RuleOption, *, request: SourcingRequest) -> Candidate:
    """One source on its own (a rule, or one the orchestration manager names with its price
    and lead time): its available date, cost and whether it can supply the request."""
    return _assess(rule, request=request)


def _assess(rule: RuleOption, *, request: SourcingRequest) -> Candidate:
    """Available date, cost and feasibility of one rule; feasible ones get a reason later."""

    def candidate(available_date: date | None, cost: Decimal, infeasible: str = "") -> Candidate:
        return Candidate(
            rule_id=rule.rule_id,
            type=rule.type,
            rank=rule.rank,
            supplier=rule.supplier,
            source_organization=rule.source_organization,
            available_date=available_date,
            cost=cost,
            feasible=not infeasible,
            reason=infeasible,
        )

    if rule.rule_id in request.excluded:
        cost = rule.unit_price if rule.type == BUY else request.standard_cost
        return candidate(None, cost or ZERO, request.excluded[rule.rule_id])
    if not _is_effective(rule, today=request.today):
        cost = rule.unit_price if rule.type == BUY else request.standard_cost
        return candidate(None, cost or ZERO, _not_effective(rule, today=request.today))

    after_lead_time = request.today + timedelta(days=rule.lead_time_days)
    source, here, cost = rule.source_organization, request.organization_code, request.standard_cost
    if rule.type == BUY:
        # Bought goods are usable only after the fulfillment org has received them.
        receipt = after_lead_time + timedelta(days=request.receiving_days)
        return candidate(receipt, rule.unit_price or ZERO)
    if rule.type == TRANSFER:
        if source is None:
            return candidate(None, cost, "no source organization on the rule")
        if source == here:
            return candidate(None, cost, f"cannot transfer from {here} to itself")
        have = request.source_available.get(source, ZERO)
        if have < request.quantity:
            short = f"{source} has only {_num(have)} available, needs {_num(request.quantity)}"
            return candidate(after_lead_time, cost, short)
        return candidate(after_lead_time, cost)
    if rule.type == MAKE:
        if source != here:
            return candidate(None, cost, f"makes at {source}, not at {here}")
        lacking = request.components_short.get(here)
        if lacking is None:
            return candidate(after_lead_time, cost, f"no bill of materials at {here}")
        if lacking:
            return candidate(after_lead_time, cost, f"{here} lacks {', '.join(lacking)}")
        return candidate(after_lead_time, cost)
    return candidate(None, ZERO, f"unknown source type {rule.type}")


def _choose_meeting_date(
    meeting: list[Candidate],
    *,
    feasible: list[Candidate],
    rules_by_id: dict[int, RuleOption],
    request: SourcingRequest,
) -> tuple[Candidate, dict[int, str]]:
    """The best rank meeting the date wins; its same-rank peers share demand by allocation."""
    best_rank = min(c.rank for c in meeting)
    group = [c for c in meeting if c.rank == best_rank]
    shares = _shares(group, rules_by_id=rules_by_id)
    chosen = _furthest_below_share(group, shares=shares, request=request)
    reasons = {}
    for c in feasible:
        if c.rule_id == chosen.rule_id:
            reason = (
                f"chosen: rank {c.rank}, available {c.available_date}"
                f" meets requested {request.requested_date}"
            )
            if len(group) > 1:
                reason += f"; allocation: furthest below its {_percent(shares[c.rule_id])} share"
        elif c.rule_id in shares:
            reason = (
                f"allocation: nearer its {_percent(shares[c.rule_id])} share than the chosen source"
            )
        elif c.available_date > request.requested_date:
            reason = f"lost: available {c.available_date} misses requested {request.requested_date}"
        else:
            reason = f"rank {c.rank}: a better-ranked source meets the date"
        reasons[c.rule_id] = reason
    return chosen, reasons


def _choose_earliest(
    feasible: list[Candidate], *, request: SourcingRequest
) -> tuple[Candidate, dict[int, str]]:
    """No source meets the date: the earliest wins (ties: rank, then cost, then rule id)."""
    chosen = min(feasible, key=lambda c: (c.available_date, c.rank, c.cost, c.rule_id))
    reasons = {}
    for c in feasible:
        if c.rule_id == chosen.rule_id:
            reason = (
                "chosen: earliest available date"
                f" (no source meets requested {request.requested_date})"
            )
        elif c.available_date > chosen.available_date:
            reason = "lost: later than the chosen source"
        elif c.rank > chosen.rank:
            reason = "lost: same date as the chosen source, worse rank"
        elif c.cost > chosen.cost:
            reason = "lost: same date and rank as the chosen source, higher cost"
        else:
            reason = "lost: same date, rank and cost as the chosen source, higher rule id"
        reasons[c.rule_id] = reason
    return chosen, reasons


def _shares(group: list[Candidate], *, rules_by_id: dict[int, RuleOption]) -> dict[int, Decimal]:
    """allocation_percent normalised over the group; all zero means equal shares."""
    percents = {c.rule_id: max(rules_by_id[c.rule_id].allocation_percent, ZERO) for c in group}
    total = sum(percents.values(), ZERO)
    if total == 0:
        return {rule_id: Decimal(1) / len(group) for rule_id in percents}
    return {rule_id: percent / total for rule_id, percent in percents.items()}


def _furthest_below_share(
    group: list[Candidate], *, shares: dict[int, Decimal], request: SourcingRequest
) -> Candidate:
    """The source whose allocation, counting this demand, falls furthest below its share."""
    allocated = request.allocated
    total = sum((allocated.get(c.rule_id, ZERO) for c in group), ZERO) + request.quantity

    def priority(c: Candidate) -> tuple[Decimal, Decimal, int]:
        deficit = shares[c.rule_id] * total - allocated.get(c.rule_id, ZERO)
        return -deficit, c.cost, c.rule_id

    return min(group, key=priority)


def _not_effective(rule: RuleOption, *, today: date) -> str:
    if rule.effective_from is not None and rule.effective_from > today:
        return f"not effective: starts {rule.effective_from}"
    return f"not effective: ended {rule.effective_to}"


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _percent(share: Decimal) -> str:
    return f"{_num((share * 100).quantize(Decimal('0.1')))}%"
