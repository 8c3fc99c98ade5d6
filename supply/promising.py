"""Promising many lines set-based: stock first, supply the rest, for one order at
submit, a bulk import of a thousand orders, or a backordered line promised again — one
implementation, whose statements do not grow with the number of lines.

The caller holds the transaction and the locks (sales orders and lines, then the balance rows
from `balances_lock`, then the rules that share demand). `Promise.line()` decides each line in
order, in memory, against the locked balances (what a line reserves is gone for the next);
`Promise.write()` then writes what was decided in one statement per kind of row: split lines,
reservations, balances, lines, sourcing decisions, supply orders, and the log in the use
case's one INSERT. Every line moves through its state machine (django-fsm) before it is
written, and each change is logged as when lines were promised one at a time.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from catalog.models import SupplyType
from core.enqueue import enqueue_on_commit
from core.formatting import qty
from core.models import DocumentType
from core.queries import bulk_update_rows, insert_rows
from core.services import change_log, document_numbers_next, transition
from orders.models import FulfillmentLine
from orders.services import line_reschedule, split_logged, split_row
from supply import sourcing, sourcing_decision
from supply.models import SourcingDecision, SupplyOrder
from warehouse.services import balances_save_reserved, reservations_on_hand_create

LineStatus = FulfillmentLine.Status
Outcome = SourcingDecision.Outcome
# The worker's task (services never import tasks), and how many supply orders it creates in
# one set-based transaction.
CREATE_SUPPLY = "supply.create_supply"
CREATE_BATCH = 200


def candidate_json(candidate: sourcing_decision.Candidate) -> dict:
    return {
        "type": candidate.type,
        "rule_id": candidate.rule_id,
        "rank": candidate.rank,
        "supplier": candidate.supplier,
        "source_organization": candidate.source_organization,
        "available_date": candidate.available_date.isoformat()
        if candidate.available_date
        else None,
        "cost": str(candidate.cost),
        "feasible": candidate.feasible,
        "reason": candidate.reason,
        "chosen": candidate.chosen,
    }


def stale_after() -> datetime.timedelta:
    """How long a supply order may wait for its document before the safety net re-queues it."""
    return datetime.timedelta(seconds=settings.SUPPLY_STALE_AFTER_SECONDS)


def promise_lines(
    lines, balances, acting_user=None, *, always_decide: bool = False
) -> list[FulfillmentLine]:
    """Promise `lines` (their ship-from organization set, their rows and the balance rows
    `balances` locked by the caller, inside `sourcing.rules_cache()` with the shared rules
    locked); returns them with the lines split off, every one promised. The new supply
    orders are handed to the worker after commit, a batch per message. With `always_decide`
    a line that stays backordered gets a new decision too (it was promised anew: a new
    ship-from), not only one that moves."""
    promise = Promise(acting_user=acting_user, always_decide=always_decide)
    plan = promise.plan_splits(lines, balances)
    # What the lines take from stock is written first: sourcing the rest reads what a transfer
    # source has left, and stock reserved here is gone for it.
    balances_save_reserved(promise.balances.values())
    # Decided order by order, line by line (split-off lines within their order), as when the
    # orders are promised one at a time: what a line transfers from a source is gone for the
    # next line.
    for line, from_stock in sorted(plan, key=lambda p: (p[0].order_id, p[0].line_number)):
        promise.line(line, from_stock)
    supply_orders = promise.write()
    for supply_order in supply_orders[::CREATE_BATCH]:
        enqueue_on_commit(CREATE_SUPPLY, supply_order.pk)
    return [line for line, _ in plan] + promise.split_while_sourcing


def sourced_decision(line, result, quantity) -> SourcingDecision:
    """The unsaved decision that sources `quantity` of a line from the result's chosen
    source, with every candidate and why."""
    chosen = result.chosen
    return SourcingDecision(
        line=line,
        outcome=Outcome.SOURCED,
        quantity=quantity,
        organization=line.ship_from,
        level=result.level,
        chosen_rule=sourcing.rule(chosen.rule_id, line.item_id, line.ship_from_id),
        chosen_type=chosen.type,
        available_date=chosen.available_date,
        candidates=[candidate_json(c) for c in result.candidates],
        reason=chosen.reason[:300],
    )


@dataclass
class _Sourced:
    line: FulfillmentLine
    decision: SourcingDecision
    need_by: datetime.date


@dataclass
class Promise:
    """The promise of a set of lines, decided line by line, written at once."""

    acting_user: object = None
    always_decide: bool = False  # a line that stays backordered is decided (and logged) again
    today: datetime.date = field(default_factory=timezone.localdate)
    on_hand: list = field(default_factory=list)  # (line, organization, quantity)
    balances: dict = field(default_factory=dict)  # the locked rows moved in memory
    lines: dict = field(default_factory=dict)  # id: line, to write
    decisions: list = field(default_factory=list)
    sourced: list = field(default_factory=list)
    allocated: Counter = field(default_factory=Counter)  # rule id: quantity chosen here
    # (item id, organization code): quantity these lines transfer from there (not yet held)
    transferred: Counter = field(default_factory=Counter)
    split_while_sourcing: list = field(default_factory=list)  # the rest after a transfer part
    splits: list = field(default_factory=list)  # (line, quantity to split off, reason)
    next_numbers: dict = field(default_factory=dict)  # order id: next free line number

    # --- deciding ------------------------------------------------------------------------------

    def plan_splits(self, lines, balances) -> list[tuple[FulfillmentLine, Decimal]]:
        """Stock first: per line (in order), how much comes from stock, against the locked
        balances moved in memory; a line that is only partly in stock is split (the split-off
        lines are created in one INSERT by `split`). Returns (line, from stock) for every line
        and split-off line."""
        plan = []
        for line in lines:
            balance = balances[line.item_id, line.ship_from_id]
            from_stock, to_source = sourcing_decision.split_quantity(
                quantity=line.quantity, available=balance.on_hand - balance.reserved
            )
            if from_stock:
                balance.reserved += from_stock
                self.balances[line.item_id, line.ship_from_id] = balance
            if from_stock and to_source:
                self.splits.append(
                    (line, to_source, f"only {qty(from_stock)} on hand at {line.ship_from.code}")
                )
            plan.append((line, from_stock))
        return plan + [(split_off, Decimal(0)) for split_off in self._split()]

    def _split(self) -> list[FulfillmentLine]:
        """The split-off lines, created in one INSERT, with the log of both sides."""
        if not self.splits:
            return []
        orders = {line.order_id for line, _, _ in self.splits}
        missing = orders - set(self.next_numbers)
        if missing:
            last = (
                FulfillmentLine.objects.filter(order_id__in=missing)
                .values_list("order_id")
                .annotate(n=Max("line_number"))
                .order_by()
            )
            self.next_numbers.update({order_id: n + 1 for order_id, n in last})
        new_lines = []
        for line, quantity, _reason in self.splits:
            number = self.next_numbers[line.order_id]
            self.next_numbers[line.order_id] = number + 1
            line.quantity -= quantity
            self.lines[line.pk] = line
            new_lines.append(split_row(line, quantity, number))
        insert_rows(new_lines)
        for (line, _quantity, reason), new_line in zip(self.splits, new_lines, strict=True):
            # What deciding the new line reads, shared with the original.
            new_line.order, new_line.item, new_line.ship_from = (
                line.order,
                line.item,
                line.ship_from,
            )
            split_logged(line, new_line, reason, self.acting_user)
        self.splits = []
        return new_lines

    def line(self, line: FulfillmentLine, from_stock: Decimal) -> None:
        """Decide one line: reserve it on hand (`from_stock` is all of it), or source it, or
        backorder it."""
        self.lines[line.pk] = line
        if from_stock:
            self._from_stock(line, from_stock)
        elif not line.item.back_to_back:
            self._backorder(
                line, reason=f"{line.item.sku} is not back-to-back: it is filled from stock only"
            )
        else:
            self._source(line)

    def _from_stock(self, line, quantity) -> None:
        organization = line.ship_from
        self.on_hand.append((line, organization, quantity))
        line.supply_type = FulfillmentLine.SupplyType.ON_HAND
        line_reschedule(
            line=line,
            scheduled=max(line.requested_ship_date, self.today),
            acting_user=self.acting_user,
        )
        self.decisions.append(
            SourcingDecision(
                line=line,
                outcome=Outcome.ON_HAND,
                quantity=quantity,
                organization=organization,
                chosen_type="ON_HAND",
                available_date=self.today,
                reason=f"{quantity.normalize():f} available on hand at {organization.code}",
            )
        )
        self._move(line, "reserve_on_hand", f"reserved on hand at {organization.code}")

    def _backorder(self, line, *, reason, result=None) -> None:
        stays = line.status == LineStatus.BACKORDERED
        if stays and not self.always_decide:
            return  # still nothing: keep the decision in force, write nothing
        self.decisions.append(
            SourcingDecision(
                line=line,
                outcome=Outcome.BACKORDERED,
                quantity=line.quantity,
                organization=line.ship_from,
                level=result.level if result else "",
                candidates=[candidate_json(c) for c in result.candidates] if result else [],
                reason=reason,
            )
        )
        if not stays:
            self._move(line, "backorder", reason)

    def _source(self, line) -> None:
        """Choose a source for the whole line and request its supply (or backorder it). A
        better-ranked transfer source that has only part of it supplies that part: the rest is
        split off and goes to the next source (sourcing_decision.transfer_part)."""
        result = self._choose(line)
        part = sourcing.transfer_part(
            line, result, taken=self.transferred, also_allocated=self.allocated
        )
        if part is not None:
            candidate, quantity = part
            reason = f"only {qty(quantity)} available at {candidate.source_organization}"
            self.splits.append((line, line.quantity - quantity, reason))
            (rest,) = self._split()
            self.split_while_sourcing.append(rest)
            result = self._choose(line)
            self._sourced(line, result)
            self.line(rest, Decimal(0))
            return
        self._sourced(line, result)

    def _choose(self, line):
        return sourcing.choose(
            line,
            line.ship_from,
            lock=True,
            also_allocated=self.allocated,
            taken=self.transferred,
        )

    def _sourced(self, line, result) -> None:
        if result.chosen is None:
            reason = (
                f"no sourcing rule applies to {line.item.sku} at {line.ship_from.code}"
                if result.level == sourcing_decision.NO_LEVEL
                else "no feasible source: " + "; ".join(c.reason for c in result.candidates)
            )
            self._backorder(line, reason=reason[:300], result=result)
            return
        chosen = result.chosen
        line.supply_type = chosen.type
        line_reschedule(line=line, scheduled=result.scheduled_date, acting_user=self.acting_user)
        self._move(
            line, "schedule", f"{chosen.type} from {chosen.supplier or chosen.source_organization}"
        )
        decision = sourced_decision(line, result, line.quantity)
        self.decisions.append(decision)
        self.allocated[chosen.rule_id] += line.quantity
        if chosen.type == SupplyType.TRANSFER:
            self.transferred[line.item_id, chosen.source_organization] += line.quantity
        need_by = max(line.requested_ship_date, decision.available_date or self.today)
        self.sourced.append(_Sourced(line, decision, need_by))

    def _move(self, line, name: str, reason: str) -> None:
        transition(
            line,
            name,
            acting_user=self.acting_user,
            demand_line_id=line.pk,
            reason=reason,
            save=False,
        )

    # --- writing -------------------------------------------------------------------------------

    def write(self) -> list[SupplyOrder]:
        """Write what was decided; returns the new supply orders (REQUESTED, to be created by
        the worker)."""
        reservations_on_hand_create(self.on_hand)
        bulk_update_rows(self.lines.values(), ["quantity", "status", "ship_from", *_PROMISE_FIELDS])
        insert_rows(self.decisions)
        supply_orders = self._supply_orders()
        return supply_orders

    def _supply_orders(self) -> list[SupplyOrder]:
        if not self.sourced:
            return []
        numbers = document_numbers_next(DocumentType.SUPPLY_ORDER, len(self.sourced))
        requeue_at = timezone.now() + stale_after()
        supply_orders = []
        for sourced, number in zip(self.sourced, numbers, strict=True):
            decision, line = sourced.decision, sourced.line
            rule = decision.chosen_rule
            buy = decision.chosen_type == SupplyType.BUY
            supply_orders.append(
                SupplyOrder(
                    number=number,
                    demand_line=line,
                    decision=decision,
                    supply_type=decision.chosen_type,
                    quantity=line.quantity,
                    need_by_date=sourced.need_by,
                    supplier=rule.supplier if buy else None,
                    source_organization=rule.source_organization,
                    unit_price=rule.unit_price if buy else None,
                    next_requeue_at=requeue_at,
                )
            )
        insert_rows(supply_orders)
        for supply_order in supply_orders:
            change_log(
                document=supply_order,
                to_value=supply_order.status,
                acting_user=self.acting_user,
                demand_line_id=supply_order.demand_line_id,
                reason="supply requested",
            )
        return supply_orders


# What a promise writes on a line besides its quantity (a split) and status.
_PROMISE_FIELDS = ["supply_type", *FulfillmentLine.SCHEDULE_FIELDS]
