from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Organization
from core.csv_export import csv_response, wants_csv
from core.exceptions import BusinessRuleError, FieldErrors
from core.formatting import qty, quantity_problem
from core.forms import PlainTextField, posted_text
from core.paging import paginate
from core.selectors import timeline_of
from manufacturing import selectors
from manufacturing.models import WorkOrder, WorkOrderComponent
from manufacturing.services import (
    work_order_issue_materials,
    work_order_release,
    work_order_scrap_components,
)
from supply.flows.make import work_order_cancel, work_order_complete
from supply.selectors import supply_orders_of_work_order


@permission_required("manufacturing.view_workorder", raise_exception=True)
@require_GET
def work_orders(request):
    """The production worklist: open work orders first by due date; filters and paging."""
    filters = {
        "status": request.GET.get("status", ""),
        "organization": request.GET.get("organization", ""),
        "q": request.GET.get("q", "").strip()[:40],
    }
    if filters["status"] not in WorkOrder.Status.values:
        filters["status"] = ""
    rows = selectors.work_orders(**filters)
    if not filters["status"]:
        rows = rows.filter(status__in=WorkOrder.OPEN_STATES).order_by("due_date", "id")
    if wants_csv(request):  # every work order the filters select, not just this page
        return csv_response(
            "work-orders.csv", WORK_ORDER_CSV_HEADER, map(_csv_row, rows.iterator(chunk_size=2000))
        )
    page, query = paginate(request, rows)
    context = {
        "page": page,
        "query": query,
        "filters": filters,
        "statuses": WorkOrder.Status.choices,
        "open_states": WorkOrder.OPEN_STATES,
        "plants": Organization.objects.filter(kind=Organization.Kind.PLANT).order_by("code"),
    }
    template = "manufacturing/work_orders.html"
    return render(request, f"{template}#results" if request.htmx else template, context)


WORK_ORDER_CSV_HEADER = [
    "Work order",
    "Status",
    "Plant",
    "Item",
    "Quantity",
    "Completed",
    "Due",
    "Sales order",
    "Line",
    "Customer",
]


def _csv_row(work_order: WorkOrder) -> list:
    line = work_order.demand_line
    return [
        work_order.number,
        work_order.status,
        work_order.organization.code,
        work_order.item.sku,
        work_order.quantity,
        work_order.quantity_completed,
        work_order.due_date,
        line.order.number if line else "",
        line.line_number if line else "",
        line.order.customer.number if line else "",
    ]


def _work_order(number: str) -> WorkOrder:
    return get_object_or_404(selectors.work_orders(), number=number)


def _actions(request, work_order: WorkOrder, components) -> set[str]:
    if not request.user.has_perm("manufacturing.change_workorder"):
        return set()
    status = WorkOrder.Status
    actions = {
        status.UNRELEASED: {"release", "cancel"},
        status.RELEASED: {"issue", "cancel"},
        status.IN_PROGRESS: {"complete"} | (set() if work_order.quantity_completed else {"cancel"}),
    }.get(work_order.status, set())
    if work_order.status == status.IN_PROGRESS:
        if any(c.quantity_to_issue > 0 for c in components):
            actions.add("issue")
        if any(c.quantity_in_production > 0 for c in components):
            actions.add("scrap")
    return actions


class ComponentQuantitiesForm(forms.Form):
    """Per component a quantity to issue or scrap (`qty_<component id>`, blank: none) and the
    reason of a scrap."""

    reason = PlainTextField(max_length=200, required=False)

    def __init__(self, *args, components=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.components = list(components)
        for component in self.components:
            self.fields[f"qty_{component.pk}"] = forms.DecimalField(
                max_digits=15,
                decimal_places=3,
                min_value=Decimal("0.001"),
                required=False,
                label=component.item.sku,
                error_messages={
                    "min_value": "Enter a quantity greater than zero, or leave it blank."
                },
            )

    def quantities(self) -> dict:
        """SKU → quantity of the components given a quantity."""
        return {
            c.item.sku: self.cleaned_data[f"qty_{c.pk}"]
            for c in self.components
            if self.cleaned_data.get(f"qty_{c.pk}") is not None
        }

    def problems(self) -> str:
        return "; ".join(
            f"{self.fields[name].label if name in self.fields else name}: {' '.join(errors)}"
            for name, errors in self.errors.items()
        )


@permission_required("manufacturing.view_workorder", raise_exception=True)
@require_GET
def work_order(request, number: str):
    work_order = _work_order(number)
    component_ids = work_order.components.values_list("pk", flat=True)
    components = selectors.work_order_components(work_order)
    actions = _actions(request, work_order, components)
    timeline = timeline_of(work_order, part_model=WorkOrderComponent, part_ids=component_ids)
    return render(
        request,
        "manufacturing/work_order.html",
        {
            "wo": work_order,
            "components": components,
            "timeline": timeline,
            "actions": actions,
            "partial": actions & {"issue", "scrap"}
            and work_order.status != WorkOrder.Status.UNRELEASED,
            "is_open": work_order.status in WorkOrder.OPEN_STATES,
            "supply_orders": supply_orders_of_work_order(work_order)
            if request.user.has_perm("supply.view_supplyorder")
            else (),
        },
    )


@permission_required("manufacturing.view_workorder", raise_exception=True)
@require_GET
def pick_list(request, number: str):
    """The printable pick list: what to take from stock to the line for this work order."""
    work_order = _work_order(number)
    return render(
        request,
        "manufacturing/pick_list.html",
        {"wo": work_order, "components": selectors.work_order_components(work_order)},
    )


WORK_ORDER_ACTIONS = {"release", "issue", "scrap", "complete", "cancel"}


def _issue_or_scrap(request, work_order: WorkOrder, action: str) -> str:
    """Issue materials (all still to issue, or the quantities given per component) or scrap
    issued material; returns what was done, in words."""
    components = list(work_order.components.select_related("item").order_by("item__sku"))
    form = ComponentQuantitiesForm(request.POST, components=components)
    if not form.is_valid():
        raise BusinessRuleError(f"Nothing {action}d: {form.problems()}")
    quantities = form.quantities()
    if action == "scrap":
        work_order_scrap_components(
            work_order=work_order,
            quantities=quantities,
            reason=form.cleaned_data["reason"],
            acting_user=request.user,
        )
        scrapped = ", ".join(f"{qty(q)} {sku}" for sku, q in quantities.items())
        return f"scrapped {scrapped}: issue it again to replace it"
    if not quantities and request.POST.get("these"):  # "Issue these" with every box blank
        raise BusinessRuleError(
            "Nothing issued: enter a quantity for at least one component "
            "(Issue the rest issues everything still to issue).",
            field="components",
        )
    work_order_issue_materials(
        work_order=work_order, quantities=quantities or None, acting_user=request.user
    )
    left = [
        f"{qty(c.quantity_to_issue)} {c.item.sku}"
        for c in work_order.components.select_related("item").order_by("item__sku")
        if c.quantity_to_issue > 0
    ]
    if left:
        return f"materials partly issued; still to issue: {', '.join(left)}"
    return "materials issued: report completions as you finish"


@permission_required("manufacturing.change_workorder", raise_exception=True)
@require_POST
def work_order_action(request, number: str, action: str):
    work_order = _work_order(number)
    if action not in WORK_ORDER_ACTIONS:
        messages.error(request, f"Unknown action “{action}”.")
        return redirect("manufacturing:work_order", number=number)
    try:
        if action == "release":
            work_order_release(work_order=work_order, acting_user=request.user)
            done = "released: its components are held at the plant"
        elif action in ("issue", "scrap"):
            done = _issue_or_scrap(request, work_order, action)
        elif action == "complete":
            raw = request.POST.get("quantity", "").strip()
            problem = quantity_problem(raw or "x")
            if problem:
                raise BusinessRuleError(problem, field="quantity")
            work_order = work_order_complete(
                work_order=work_order, quantity=Decimal(raw), acting_user=request.user
            )
            done = f"{qty(Decimal(raw))} completed ({qty(work_order.quantity_open)} left to make)"
        else:
            work_order = work_order_cancel(
                work_order=work_order,
                reason=posted_text(request.POST, max_length=200),
                acting_user=request.user,
            )
            returned = ", ".join(f"{qty(quantity)} {sku}" for sku, quantity in work_order.returned)
            done = (
                f"cancelled: {returned} went back to stock at {work_order.organization.code}"
                if returned
                else "cancelled: its held components are free again"
            ) + "; the supply order waits for a new source"
    except FieldErrors as exc:
        messages.error(request, " ".join(message for _, message in exc.errors))
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{work_order.number} {done}.")
    return redirect("manufacturing:work_order", number=number)
