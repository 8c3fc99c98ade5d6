"""Sourcing from the database: gather what the pure decision (supply.sourcing_decision) needs —
rules, availability at source organizations, BOM coverage, allocation history."""

import contextvars
import datetime
from collections import Counter, defaultdict
from contextlib import contextmanager
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from catalog.models import BillOfMaterials, Organization, SourcingRule, SupplyType
from orders.models import FulfillmentLine
from supply import sourcing_decision
from supply.models import SourcingDecision, SupplyOrder
from warehouse.models import InventoryBalance


def _today() -> datetime.date:
    return timezone.localdate()


_rules_cache: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "sourcing_rules", default=None
)


@contextmanager
def rules_cache():
    """Within one submit, read the rules of an item and organization once (they are the same
    for every line of the transaction)."""
    token = _rules_cache.set({})
    try:
        yield
    finally:
        _rules_cache.reset(token)


def rule(rule_id: int, item_id: int, organization_id: int) -> SourcingRule:
    return next(r for r in _rule_options(item_id, organization_id) if r.pk == rule_id)


def _rule_options(item_id: int, organization_id: int) -> list[SourcingRule]:
    cache = _rules_cache.get()
    if cache is not None and (item_id, organization_id) in cache:
        return cache[item_id, organization_id]
    rules = _read_rules(item_id, organization_id)
    if cache is not None:
        cache[item_id, organization_id] = rules
    return rules


def _read_rules(item_id: int, organization_id: int) -> list[SourcingRule]:
    return _rules_for([item_id], [organization_id])


def _rules_for(item_ids, organization_ids) -> list[SourcingRule]:
    """The rules for any of the items (or every item) at any of the organizations (or every
    organization), in id order."""
    return list(
        SourcingRule.objects.filter(Q(item_id__in=item_ids) | Q(item=None))
        .filter(Q(organization_id__in=organization_ids) | Q(organization=None))
        .select_related("supplier", "source_organization")
        .order_by("id")
    )


def _rules_read_ahead(pairs) -> None:
    """Fill the rules cache for many (item_id, organization_id) pairs with one query."""
    cache = _rules_cache.get()
    missing = {pair for pair in pairs if pair not in cache} if cache is not None else set()
    if not missing:
        return
    by_key = defaultdict(list)
    for rule in _rules_for({i for i, _ in missing}, {o for _, o in missing}):
        by_key[rule.item_id, rule.organization_id].append(rule)
    for item, org in missing:
        rules = by_key[item, org] + by_key[item, None] + by_key[None, org] + by_key[None, None]
        cache[item, org] = sorted(rules, key=lambda rule: rule.pk)


def balance_keys(pairs) -> list[tuple[int, int]]:
    """The balance rows promising (item_id, organization_id) pairs reads and must lock
    together, in key order (warehouse.services.balances_lock): each pair's own and those of
    the organizations its transfer rules take the item from."""
    pairs = set(pairs)
    _rules_read_ahead(pairs)
    keys = set(pairs)
    for item_id, organization_id in pairs:
        keys |= {
            (item_id, rule.source_organization_id)
            for rule in _rule_options(item_id, organization_id)
            if rule.type == SupplyType.TRANSFER and rule.source_organization_id
        }
    return sorted(keys)


def _as_option(rule: SourcingRule) -> sourcing_decision.RuleOption:
    return sourcing_decision.RuleOption(
        rule_id=rule.pk,
        type=rule.type,
        rank=rule.rank,
        item_id=rule.item_id,
        organization_id=rule.organization_id,
        supplier=rule.supplier.number if rule.supplier_id else None,
        source_organization=rule.source_organization.code if rule.source_organization_id else None,
        unit_price=rule.unit_price,
        lead_time_days=rule.lead_time_days,
        allocation_percent=rule.allocation_percent,
        effective_from=rule.effective_from,
        effective_to=rule.effective_to,
    )


def _available(*, item_ids, organization_ids) -> dict[tuple[int, int], Decimal]:
    """Available (on hand - reserved) per (item_id, organization_id)."""
    if not item_ids or not organization_ids:
        return {}
    return {
        (item_id, org_id): on_hand - reserved
        for item_id, org_id, on_hand, reserved in InventoryBalance.objects.filter(
            item_id__in=item_ids, organization_id__in=organization_ids
        ).values_list("item_id", "organization_id", "on_hand", "reserved")
    }


def _transfer_available(item_id: int, organization_ids) -> dict[int, Decimal]:
    """What each organization can still transfer of an item: available (on hand - reserved)
    less what supply orders already promised from it and not yet held by their transfer
    order (REQUESTED: the worker is still to create it)."""
    organization_ids = list(organization_ids)
    available = {
        org_id: quantity
        for (_, org_id), quantity in _available(
            item_ids=[item_id], organization_ids=organization_ids
        ).items()
    }
    if not available:
        return {}
    for org_id, total in transfer_promised(item_id, available).items():
        available[org_id] -= total
    return available


def transfer_promised(item_id: int, organization_ids=None) -> dict[int, Decimal]:
    """What supply orders promised to transfer of an item from each organization (of
    `organization_ids`, or any) and their transfer orders do not hold yet (REQUESTED)."""
    promised = SupplyOrder.objects.filter(
        status=SupplyOrder.Status.REQUESTED,
        supply_type=SupplyType.TRANSFER,
        demand_line__item_id=item_id,
    )
    if organization_ids is not None:
        promised = promised.filter(source_organization_id__in=organization_ids)
    return dict(
        promised.values("source_organization_id")
        .annotate(total=Sum("quantity"))
        .order_by()
        .values_list("source_organization_id", "total")
    )


def _components_short(item_id: int, rules: list[SourcingRule], quantity: Decimal) -> dict:
    """Per plant of a MAKE rule: the BOM components it lacks for `quantity` (absent: no BOM)."""
    plants = {r.source_organization_id for r in rules if r.type == SupplyType.MAKE}
    if not plants:
        return {}
    result = {}
    boms = BillOfMaterials.objects.filter(item_id=item_id, organization_id__in=plants)
    for bom in boms.select_related("organization").prefetch_related("components__item"):
        components = list(bom.components.all())
        stock = _available(
            item_ids=[c.item_id for c in components], organization_ids=[bom.organization_id]
        )
        result[bom.organization.code] = tuple(
            c.item.sku
            for c in components
            if stock.get((c.item_id, bom.organization_id), Decimal(0)) < c.quantity * quantity
        )
    return result


def _allocated(rule_ids) -> dict[int, Decimal]:
    """Quantity each rule was chosen for since the rules sharing demand took effect (a rule
    added later starts the count afresh, instead of catching up on years of history)."""
    starts = SourcingRule.objects.filter(pk__in=rule_ids).values_list("effective_from", flat=True)
    since = max((start for start in starts if start is not None), default=None)
    decisions = SourcingDecision.objects.filter(chosen_rule_id__in=rule_ids)
    if since is not None:
        decisions = decisions.filter(created_at__date__gte=since)
    rows = decisions.values("chosen_rule_id").annotate(total=Sum("quantity"))
    return {row["chosen_rule_id"]: row["total"] for row in rows}


def _shares_demand(result: sourcing_decision.SourcingResult, requested: datetime.date) -> list[int]:
    """The rules that share demand with the chosen one by allocation (same rank, meet date)."""
    chosen = result.chosen
    return [
        c.rule_id
        for c in result.candidates
        if c.feasible
        and c.rank == chosen.rank
        and c.available_date is not None
        and c.available_date <= requested
    ]


def choose(
    line: FulfillmentLine,
    organization: Organization,
    *,
    lock: bool,
    quantity=None,
    excluded: dict[int, str] | None = None,
    also_allocated: Counter | None = None,
    taken: Counter | None = None,
) -> sourcing_decision.SourcingResult:
    """Run the sourcing decision for a line (saved or not) at an organization, for its whole
    quantity or `quantity` of it; `excluded` rules (by id, with why) are infeasible (a source
    that just failed the line).

    With `lock`, the rules that share demand by allocation are locked before their allocated
    totals are read, so concurrent submits see each other's choices (inside a transaction).
    `also_allocated` adds what the caller chose but has not written yet (a set-based promise);
    `taken` ((item id, organization code): quantity) what it already transfers from a source.
    """
    quantity = line.quantity if quantity is None else quantity
    rules = _rule_options(line.item_id, organization.pk)
    transfer_sources = {r.source_organization_id for r in rules if r.type == SupplyType.TRANSFER}
    available = _transfer_available(line.item_id, transfer_sources)
    codes = {
        r.source_organization_id: r.source_organization.code
        for r in rules
        if r.source_organization_id
    }

    def request(allocated):
        return sourcing_decision.SourcingRequest(
            today=_today(),
            requested_date=line.requested_ship_date,
            quantity=quantity,
            item_id=line.item_id,
            standard_cost=line.item.standard_cost,
            organization_id=organization.pk,
            organization_code=organization.code,
            receiving_days=organization.receiving_days,
            rules=tuple(_as_option(r) for r in rules),
            source_available={
                codes[o]: q - (taken or {}).get((line.item_id, codes[o]), 0)
                for o, q in available.items()
                if o in codes
            },
            components_short=_components_short(line.item_id, rules, quantity),
            allocated=allocated,
            excluded=excluded or {},
        )

    result = sourcing_decision.choose_source(request({}))
    if result.chosen is not None:
        sharing = _shares_demand(result, line.requested_ship_date)
        if len(sharing) > 1:
            if lock:
                rules_locked = SourcingRule.objects.select_for_update().filter(pk__in=sharing)
                list(rules_locked.order_by("pk"))
            allocated = Counter(_allocated(sharing))
            allocated.update({r: q for r, q in (also_allocated or {}).items() if r in sharing})
            result = sourcing_decision.choose_source(request(dict(allocated)))
    return result


def transfer_part(
    line: FulfillmentLine,
    result: sourcing_decision.SourcingResult,
    *,
    taken: Counter | None,
    quantity: Decimal | None = None,
    excluded: dict[int, str] | None = None,
    also_allocated: Counter | None = None,
) -> tuple[sourcing_decision.Candidate, Decimal] | None:
    """The part of the line (of `quantity` of it) a better-ranked transfer source that is
    short can still supply (sourcing_decision.transfer_part), against what its source has
    available now less what the caller already `taken` from it — only when, for that part,
    the transfer is the source the decision then chooses (a later transfer loses to a source
    that meets the requested date: the line is not split for nothing)."""
    codes = {
        c.source_organization
        for c in result.candidates
        if c.type == SupplyType.TRANSFER and not c.feasible and c.available_date is not None
    }
    if not codes:
        return None
    organizations = dict(Organization.objects.filter(code__in=codes).values_list("pk", "code"))
    taken = taken or {}
    have = {
        organizations[org_id]: quantity - taken.get((line.item_id, organizations[org_id]), 0)
        for org_id, quantity in _transfer_available(line.item_id, organizations).items()
    }
    quantity = line.quantity if quantity is None else quantity
    part = sourcing_decision.transfer_part(result, source_available=have, quantity=quantity)
    if part is None:
        return None
    candidate, quantity = part
    for_part = choose(
        line,
        line.ship_from,
        lock=False,
        quantity=quantity,
        excluded=excluded,
        also_allocated=also_allocated,
        taken=taken,
    )
    if for_part.chosen is None or for_part.chosen.rule_id != candidate.rule_id:
        return None
    return part


MANUAL_LEVEL = "manual"


def manual_candidate(
    line: FulfillmentLine,
    organization: Organization,
    *,
    quantity: Decimal,
    type: str,
    supplier=None,
    source_organization: Organization | None = None,
    unit_price: Decimal | None = None,
    lead_time_days: int,
) -> sourcing_decision.Candidate:
    """A source the orchestration manager names — any supplier, any organization that has the
    item, the plant's own bill of materials — with its price and lead time, assessed as a rule
    would be (receiving days after a purchase, the transfer source's stock, the components at
    the plant); it needs no sourcing rule."""
    if type == SupplyType.MAKE:
        source_organization = organization
    option = sourcing_decision.RuleOption(
        rule_id=0,
        type=type,
        rank=0,
        item_id=line.item_id,
        organization_id=organization.pk,
        supplier=supplier.number if supplier is not None else None,
        source_organization=source_organization.code if source_organization else None,
        unit_price=unit_price if type == SupplyType.BUY else None,
        lead_time_days=lead_time_days,
    )
    source_available = {}
    if type == SupplyType.TRANSFER and source_organization is not None:
        found = _transfer_available(line.item_id, [source_organization.pk])
        source_available[source_organization.code] = found.get(source_organization.pk, Decimal(0))
    components_short = {}
    if type == SupplyType.MAKE:
        plant_rule = SourcingRule(type=SupplyType.MAKE, source_organization=organization)
        components_short = _components_short(line.item_id, [plant_rule], quantity)
    request = sourcing_decision.SourcingRequest(
        today=_today(),
        requested_date=line.requested_ship_date,
        quantity=quantity,
        item_id=line.item_id,
        standard_cost=line.item.standard_cost,
        organization_id=organization.pk,
        organization_code=organization.code,
        receiving_days=organization.receiving_days,
        rules=(option,),
        source_available=source_available,
        components_short=components_short,
        allocated={},
    )
    return sourcing_decision.assess(option, request=request)


def lock_shared_rules(pairs) -> None:
    """Lock, in id order, the rules that share demand by allocation for (item_id, org_id) pairs.

    Submit takes these locks up front, before any document number is drawn, so that two
    multi-line orders can never hold a rule and a counter each while waiting for the other.
    Inside `rules_cache()` it reads the rules of all the pairs in one query first.
    """
    ids = set()
    pairs = set(pairs)
    _rules_read_ahead(pairs)
    for item_id, organization_id in pairs:
        options = [_as_option(rule) for rule in _rule_options(item_id, organization_id)]
        _, effective = sourcing_decision.effective_rules(
            rules=options, item_id=item_id, organization_id=organization_id, today=_today()
        )
        ranks = Counter(option.rank for option in effective)
        ids |= {option.rule_id for option in effective if ranks[option.rank] > 1}
    if ids:
        list(SourcingRule.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
