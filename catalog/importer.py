"""Master-data import (docs/import-format.md): validate the whole file first, report every
error with its JSON path, and only then write — upserting by natural key, so a re-import
changes nothing.

Validation is separate from writing so that the caller can run the writes (this module's and
the inventory service's for `on_hand`) in one transaction, and write nothing on any error.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from catalog.models import (
    BillOfMaterials,
    BomComponent,
    Customer,
    Item,
    Organization,
    SourcingRule,
    Supplier,
)
from core.roles import ROLE_NAMES
from core.validation import (
    DATE_WINDOW_MESSAGE,
    PLAIN_TEXT_MESSAGE,
    date_in_window,
    plain_lines,
    plain_text,
)

SECTIONS = (
    "organizations",
    "suppliers",
    "items",
    "customers",
    "sourcing_rules",
    "bills_of_material",
    "on_hand",
    "users",
)
_MISSING = object()


@dataclass
class ImportError_:
    path: str
    message: str

    def __str__(self):
        return f"{self.path}: {self.message}"


@dataclass
class ImportPlan:
    """The validated file: clean values per section, ready to write."""

    sections: dict[str, list[dict]] = field(default_factory=dict)
    errors: list[ImportError_] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)  # (section, outcome) -> n

    def error(self, path: str, message: str) -> None:
        self.errors.append(ImportError_(path, message))

    def has_error(self, path: str) -> bool:
        return any(e.path == path for e in self.errors)


# --- field readers: each returns the clean value or _MISSING after recording an error ---------


def _text(plan, raw, path, *, required=True, max_length=200, plain=plain_text):
    if raw is None or raw == "":
        if required:
            plan.error(path, "is required")
            return _MISSING
        return ""
    if not isinstance(raw, str):
        plan.error(path, "must be a string")
        return _MISSING
    value = raw.strip()
    if len(value) > max_length:
        plan.error(path, f"must be at most {max_length} characters")
        return _MISSING
    if plain is not None and not plain(value):
        plan.error(path, PLAIN_TEXT_MESSAGE)
        return _MISSING
    return value


def _choice(plan, raw, path, choices):
    if raw not in choices:
        plan.error(path, f"must be one of {', '.join(choices)}")
        return _MISSING
    return raw


def _bool(plan, raw, path):
    if not isinstance(raw, bool):
        plan.error(path, "must be true or false")
        return _MISSING
    return raw


def _int(plan, raw, path, *, minimum=0, maximum=32767):
    if isinstance(raw, bool) or not isinstance(raw, int) or not minimum <= raw <= maximum:
        plan.error(path, f"must be a whole number from {minimum} to {maximum}")
        return _MISSING
    return raw


def _decimal(plan, raw, path, *, places, minimum=Decimal(0), maximum=None, exclusive_min=False):
    bound = f"> {minimum}" if exclusive_min else f"≥ {minimum}"
    if maximum is not None:
        bound += f" and ≤ {maximum}"
    try:
        if isinstance(raw, bool) or not isinstance(raw, (str, int, Decimal)):
            raise InvalidOperation
        value = Decimal(str(raw).strip())
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        plan.error(path, f"must be a decimal {bound}")
        return _MISSING
    if value < minimum or (exclusive_min and value == minimum) or (maximum and value > maximum):
        plan.error(path, f"must be a decimal {bound}")
        return _MISSING
    if -value.as_tuple().exponent > places:
        plan.error(path, f"must have at most {places} decimal places")
        return _MISSING
    return value


def _date(plan, raw, path):
    if raw is None:
        return None
    try:
        value = datetime.date.fromisoformat(raw)
    except (TypeError, ValueError):
        plan.error(path, "must be a date YYYY-MM-DD")
        return _MISSING
    if not date_in_window(value):
        plan.error(path, DATE_WINDOW_MESSAGE)
        return _MISSING
    return value


class _Refs:
    """Natural keys known in the database or defined earlier in the same file."""

    def __init__(self):
        self.organizations = dict(Organization.objects.values_list("code", "kind"))
        self.items = set(Item.objects.values_list("sku", flat=True))
        self.suppliers = set(Supplier.objects.values_list("number", flat=True))


def _read_entry(plan, entry, path, spec: dict) -> dict | None:
    """Check an entry against its spec: {field: (reader, kwargs, default or _MISSING)}."""
    if not isinstance(entry, dict):
        plan.error(path, "must be an object")
        return None
    clean = {}
    for name in entry.keys() - spec.keys():
        plan.error(f"{path}.{name}", "is not a known field")
    for name, (reader, kwargs) in spec.items():
        if name not in entry:
            continue
        value = reader(plan, entry[name], f"{path}.{name}", **kwargs)
        if value is not _MISSING:
            clean[name] = value
    return clean


def _ref(plan, clean, name, path, known, what, *, required=True):
    value = clean.get(name)
    if value in (None, ""):
        if required and not plan.has_error(f"{path}.{name}"):
            plan.error(f"{path}.{name}", "is required")
        return
    if value not in known:
        plan.error(f"{path}.{name}", f"unknown {what} “{value}”")


def _no_duplicates(plan, section, keys):
    seen = {}
    for index, key in keys:
        if key in seen:
            plan.error(f"{section}[{index}]", f"duplicates {section}[{seen[key]}]")
        else:
            seen[key] = index


_SPECS = {
    "organizations": {
        "code": (_text, {"max_length": 20}),
        "name": (_text, {}),
        "kind": (_choice, {"choices": Organization.Kind.values}),
        "receiving_days": (_int, {}),
    },
    "suppliers": {
        "number": (_text, {"max_length": 40}),
        "name": (_text, {}),
        "email": (_text, {"required": False, "max_length": 254}),
        "automatic_po": (_bool, {}),
        "over_receipt_tolerance_pct": (_decimal, {"places": 2, "maximum": Decimal(100)}),
    },
    "items": {
        "sku": (_text, {"max_length": 40}),
        "description": (_text, {}),
        "uom": (_text, {"max_length": 10}),
        "list_price": (_decimal, {"places": 4}),
        "standard_cost": (_decimal, {"places": 4}),
        "back_to_back": (_bool, {}),
    },
    "customers": {
        "number": (_text, {"max_length": 40}),
        "name": (_text, {}),
        "ship_to_address": (_text, {"required": False, "max_length": 2000, "plain": plain_lines}),
        "email": (_text, {"required": False, "max_length": 254}),
        "default_ship_from": (_text, {"required": False, "max_length": 20}),
        "transit_days": (_int, {}),
    },
    "sourcing_rules": {
        "item": (_text, {"required": False, "max_length": 40}),
        "organization": (_text, {"required": False, "max_length": 20}),
        "rank": (_int, {"minimum": 1}),
        "type": (_choice, {"choices": SourcingRule.Type.values}),
        "supplier": (_text, {"required": False, "max_length": 40}),
        "source_organization": (_text, {"required": False, "max_length": 20}),
        "unit_price": (_decimal, {"places": 4}),
        "lead_time_days": (_int, {}),
        "allocation_percent": (_decimal, {"places": 2, "maximum": Decimal(100)}),
        "effective_from": (_date, {}),
        "effective_to": (_date, {}),
    },
    "bills_of_material": {
        "item": (_text, {"max_length": 40}),
        "organization": (_text, {"max_length": 20}),
        "components": (lambda plan, raw, path: raw, {}),
    },
    "component": {
        "item": (_text, {"max_length": 40}),
        "quantity": (_decimal, {"places": 3, "exclusive_min": True}),
    },
    "on_hand": {
        "item": (_text, {"max_length": 40}),
        "organization": (_text, {"max_length": 20}),
        "quantity": (_decimal, {"places": 3}),
    },
    "users": {
        "username": (_text, {"max_length": 150}),
        "password": (_text, {"max_length": 128, "plain": None}),
        "email": (_text, {"required": False, "max_length": 254}),
        "first_name": (_text, {"required": False, "max_length": 150}),
        "last_name": (_text, {"required": False, "max_length": 150}),
        "roles": (lambda plan, raw, path: raw, {}),
        "is_staff": (_bool, {}),
        "is_superuser": (_bool, {}),
    },
}
_REQUIRED = {
    "organizations": ("code", "name"),
    "suppliers": ("number", "name"),
    "items": ("sku", "description"),
    "customers": ("number", "name"),
    "sourcing_rules": ("type",),
    "bills_of_material": ("item", "organization", "components"),
    "component": ("item", "quantity"),
    "on_hand": ("item", "organization", "quantity"),
    "users": ("username",),
}


def _entries(plan, data, section):
    raw = data.get(section, [])
    if not isinstance(raw, list):
        plan.error(section, "must be a list")
        return []
    result = []
    for index, entry in enumerate(raw):
        path = f"{section}[{index}]"
        clean = _read_entry(plan, entry, path, _SPECS[section])
        if clean is None:
            continue
        for name in _REQUIRED[section]:
            if name not in entry:
                plan.error(f"{path}.{name}", "is required")
        result.append((index, path, entry, clean))
    return result


def validate(data: Any) -> ImportPlan:
    """Check the whole file; `plan.errors` lists every problem, each with its JSON path."""
    plan = ImportPlan()
    if not isinstance(data, dict):
        plan.error("$", "must be a JSON object with the sections " + ", ".join(SECTIONS))
        return plan
    for name in data.keys() - set(SECTIONS):
        plan.error(name, f"is not a known section (known: {', '.join(SECTIONS)})")
    refs = _Refs()

    organizations = _entries(plan, data, "organizations")
    _no_duplicates(plan, "organizations", [(i, c.get("code")) for i, _, _, c in organizations])
    for _, _, _, clean in organizations:
        if "code" in clean:
            refs.organizations[clean["code"]] = clean.get(
                "kind", refs.organizations.get(clean["code"], Organization.Kind.WAREHOUSE)
            )

    suppliers = _entries(plan, data, "suppliers")
    _no_duplicates(plan, "suppliers", [(i, c.get("number")) for i, _, _, c in suppliers])
    for _, path, _, clean in suppliers:
        if clean.get("email"):
            try:
                validate_email(clean["email"])
            except ValidationError:
                plan.error(f"{path}.email", "must be an email address")
        refs.suppliers.add(clean.get("number"))

    items = _entries(plan, data, "items")
    _no_duplicates(plan, "items", [(i, c.get("sku")) for i, _, _, c in items])
    refs.items.update(clean.get("sku") for _, _, _, clean in items)

    customers = _entries(plan, data, "customers")
    _no_duplicates(plan, "customers", [(i, c.get("number")) for i, _, _, c in customers])
    for _, path, _, clean in customers:
        if clean.get("email"):
            try:
                validate_email(clean["email"])
            except ValidationError:
                plan.error(f"{path}.email", "must be an email address")
        _ref(
            plan,
            clean,
            "default_ship_from",
            path,
            refs.organizations,
            "organization",
            required=False,
        )

    rules = _entries(plan, data, "sourcing_rules")
    for _, path, _, clean in rules:
        _validate_rule(plan, path, clean, refs)
    _no_duplicates(plan, "sourcing_rules", [(i, _rule_key(c)) for i, _, _, c in rules])

    boms = _entries(plan, data, "bills_of_material")
    _no_duplicates(
        plan,
        "bills_of_material",
        [(i, (c.get("item"), c.get("organization"))) for i, _, _, c in boms],
    )
    for _, path, _, clean in boms:
        _validate_bom(plan, path, clean, refs)

    on_hand = _entries(plan, data, "on_hand")
    _no_duplicates(
        plan, "on_hand", [(i, (c.get("item"), c.get("organization"))) for i, _, _, c in on_hand]
    )
    for _, path, _, clean in on_hand:
        _ref(plan, clean, "item", path, refs.items, "item")
        _ref(plan, clean, "organization", path, refs.organizations, "organization")

    users = _entries(plan, data, "users")
    _no_duplicates(plan, "users", [(i, c.get("username")) for i, _, _, c in users])
    existing_users = set(get_user_model().objects.values_list("username", flat=True))
    for _, path, _, clean in users:
        _validate_user(plan, path, clean, existing_users)

    plan.sections = {
        "organizations": [c for *_, c in organizations],
        "suppliers": [c for *_, c in suppliers],
        "items": [c for *_, c in items],
        "customers": [c for *_, c in customers],
        "sourcing_rules": [c for *_, c in rules],
        "bills_of_material": [c for *_, c in boms],
        "on_hand": [c for *_, c in on_hand],
        "users": [c for *_, c in users],
    }
    return plan


def _rule_key(clean):
    source = (
        clean.get("supplier") if clean.get("type") == "BUY" else clean.get("source_organization")
    )
    return (
        clean.get("item"),
        clean.get("organization"),
        clean.get("type"),
        clean.get("rank", 1),
        source,
        clean.get("effective_from"),
    )


def _validate_rule(plan, path, clean, refs):
    _ref(plan, clean, "item", path, refs.items, "item", required=False)
    _ref(plan, clean, "organization", path, refs.organizations, "organization", required=False)
    kind = clean.get("type")
    if kind == "BUY":
        _ref(plan, clean, "supplier", path, refs.suppliers, "supplier")
        if "unit_price" not in clean and not plan.has_error(f"{path}.unit_price"):
            plan.error(f"{path}.unit_price", "is required for a BUY rule")
    elif kind in ("MAKE", "TRANSFER"):
        _ref(plan, clean, "source_organization", path, refs.organizations, "organization")
        source = clean.get("source_organization")
        if kind == "MAKE" and refs.organizations.get(source, "PLANT") != "PLANT":
            plan.error(f"{path}.source_organization", f"“{source}” is not a plant")
    start, end = clean.get("effective_from"), clean.get("effective_to")
    if start and end and end < start:
        plan.error(f"{path}.effective_to", "must not be before effective_from")


def _validate_bom(plan, path, clean, refs):
    _ref(plan, clean, "item", path, refs.items, "item")
    _ref(plan, clean, "organization", path, refs.organizations, "organization")
    plant = clean.get("organization")
    if plant in refs.organizations and refs.organizations[plant] != "PLANT":
        plan.error(f"{path}.organization", f"“{plant}” is not a plant")
    raw = clean.get("components")
    if raw is None:
        return
    if not isinstance(raw, list) or not raw:
        plan.error(f"{path}.components", "must be a non-empty list")
        clean.pop("components")
        return
    components = []
    for index, entry in enumerate(raw):
        cpath = f"{path}.components[{index}]"
        component = _read_entry(plan, entry, cpath, _SPECS["component"])
        if component is None:
            continue
        for name in _REQUIRED["component"]:
            if name not in entry:
                plan.error(f"{cpath}.{name}", "is required")
        _ref(plan, component, "item", cpath, refs.items, "item")
        if component.get("item") and component.get("item") == clean.get("item"):
            plan.error(f"{cpath}.item", "an item cannot be a component of itself")
        components.append((index, component))
    _no_duplicates(plan, f"{path}.components", [(i, c.get("item")) for i, c in components])
    clean["components"] = [c for _, c in components]


def _validate_user(plan, path, clean, existing_users):
    roles = clean.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        plan.error(f"{path}.roles", "must be a list of role names")
    else:
        for index, role in enumerate(roles):
            if role not in ROLE_NAMES:
                plan.error(f"{path}.roles[{index}]", f"must be one of {', '.join(ROLE_NAMES)}")
    if (
        clean.get("username")
        and clean["username"] not in existing_users
        and "password" not in clean
    ):
        plan.error(f"{path}.password", "is required for a new user")
    if clean.get("email"):
        try:
            validate_email(clean["email"])
        except ValidationError:
            plan.error(f"{path}.email", "must be an email address")
    if isinstance(clean.get("password"), str):
        # The same rules as a password set in the admin or by the user (AUTH_PASSWORD_VALIDATORS).
        candidate = get_user_model()(
            username=clean.get("username") or "",
            email=clean.get("email") or "",
            first_name=clean.get("first_name") or "",
            last_name=clean.get("last_name") or "",
        )
        try:
            validate_password(clean["password"], user=candidate)
        except ValidationError as refused:
            plan.error(f"{path}.password", " ".join(refused.messages))


# --- writing ------------------------------------------------------------------------------------


def _upsert(model, lookup: dict, values: dict):
    """Create the record, or update only the fields that differ. Returns (record, outcome)."""
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        return model.objects.create(**lookup, **values), "created"
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if not changed:
        return instance, "unchanged"
    for name in changed:
        setattr(instance, name, values[name])
    instance.save(update_fields=changed)
    return instance, "updated"


def _upsert_counted(plan: ImportPlan, section: str, model, lookup: dict, values: dict):
    instance, outcome = _upsert(model, lookup, values)
    plan.counts[section, outcome] += 1
    return instance


def _given(clean, *names):
    return {name: clean[name] for name in names if name in clean}


def write(plan: ImportPlan) -> None:
    """Write a validated plan (catalog sections and users; `on_hand` is the caller's)."""
    assert not plan.errors, "write() needs a plan without errors"
    s = plan.sections
    orgs = {}
    for c in s["organizations"]:
        orgs[c["code"]] = _upsert_counted(
            plan,
            "organizations",
            Organization,
            {"code": c["code"]},
            _given(c, "name", "kind", "receiving_days"),
        )
    orgs.update({o.code: o for o in Organization.objects.exclude(code__in=orgs)})
    suppliers = {}
    for c in s["suppliers"]:
        suppliers[c["number"]] = _upsert_counted(
            plan,
            "suppliers",
            Supplier,
            {"number": c["number"]},
            _given(c, "name", "email", "automatic_po", "over_receipt_tolerance_pct"),
        )
    items = {}
    for c in s["items"]:
        items[c["sku"]] = _upsert_counted(
            plan,
            "items",
            Item,
            {"sku": c["sku"]},
            _given(c, "description", "uom", "list_price", "standard_cost", "back_to_back"),
        )

    def item(sku):
        if sku not in items:
            items[sku] = Item.objects.get(sku=sku)
        return items[sku]

    def supplier(number):
        if number not in suppliers:
            suppliers[number] = Supplier.objects.get(number=number)
        return suppliers[number]

    for c in s["customers"]:
        values = _given(c, "name", "ship_to_address", "email", "transit_days")
        if "default_ship_from" in c:
            values["default_ship_from"] = orgs.get(c["default_ship_from"])
        _upsert_counted(plan, "customers", Customer, {"number": c["number"]}, values)

    for c in s["sourcing_rules"]:
        lookup = {
            "item": item(c["item"]) if c.get("item") else None,
            "organization": orgs[c["organization"]] if c.get("organization") else None,
            "type": c["type"],
            "rank": c.get("rank", 1),
            "supplier": supplier(c["supplier"]) if c["type"] == "BUY" else None,
            "source_organization": orgs[c["source_organization"]] if c["type"] != "BUY" else None,
            "effective_from": c.get("effective_from"),
        }
        _upsert_counted(
            plan,
            "sourcing_rules",
            SourcingRule,
            lookup,
            _given(c, "unit_price", "lead_time_days", "allocation_percent", "effective_to"),
        )

    for c in s["bills_of_material"]:
        bom, outcome = _upsert(
            BillOfMaterials, {"item": item(c["item"]), "organization": orgs[c["organization"]]}, {}
        )
        wanted = {comp["item"]: comp["quantity"] for comp in c["components"]}
        current = {comp.item.sku: comp for comp in bom.components.select_related("item")}
        stale = [comp.pk for sku, comp in current.items() if sku not in wanted]
        changed = bool(stale)
        BomComponent.objects.filter(pk__in=stale).delete()
        for sku, quantity in wanted.items():
            if sku not in current:
                BomComponent.objects.create(bom=bom, item=item(sku), quantity=quantity)
                changed = True
            elif current[sku].quantity != quantity:
                current[sku].quantity = quantity
                current[sku].save(update_fields=["quantity"])
                changed = True
        if changed and outcome == "unchanged":
            outcome = "updated"  # same header, other components
        plan.counts["bills_of_material", outcome] += 1

    _write_users(plan, s["users"])


def _write_users(plan, users):
    User = get_user_model()
    groups = {g.name: g for g in Group.objects.filter(name__in=ROLE_NAMES)}
    for c in users:
        user = User.objects.filter(username=c["username"]).first()
        created = user is None
        if created:
            user = User(username=c["username"])
        changed = created
        for name in ("email", "first_name", "last_name", "is_staff", "is_superuser"):
            if name in c and getattr(user, name) != c[name]:
                setattr(user, name, c[name])
                changed = True
        if "password" in c and (created or not user.check_password(c["password"])):
            user.set_password(c["password"])
            changed = True
        if changed:
            user.save()
        if "roles" in c:
            wanted = {groups[r] for r in c["roles"]}
            if set(user.groups.all()) != wanted:
                user.groups.set(wanted)
                changed = True
        outcome = "created" if created else ("updated" if changed else "unchanged")
        plan.counts["users", outcome] += 1
