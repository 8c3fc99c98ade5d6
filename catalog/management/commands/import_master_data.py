import json
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

from catalog import importer
from catalog.models import Item, Organization
from core.exceptions import BusinessRuleError
from warehouse.services import inventory_set_on_hand


class _Rollback(Exception):
    """Raised inside the transaction to undo every write after an error."""


def parse(content: bytes | str) -> tuple[object, str]:
    """The import file's JSON (decimals kept exact), or why it cannot be read."""
    try:
        text = content.decode("utf-8") if isinstance(content, bytes) else content
        return json.loads(text, parse_float=Decimal), ""
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"not valid JSON ({exc}); nothing was imported"


def import_master_data(data) -> importer.ImportPlan:
    """Import a master-data file's data, as the command and the Django admin's upload both do:
    validate it all (importer.validate), then write it and the on-hand quantities in one
    transaction; on any error, nothing is written and the plan lists every error with its
    JSON path."""
    plan = importer.validate(data)
    if plan.errors:
        return plan
    try:
        with transaction.atomic():
            importer.write(plan)
            _write_on_hand(plan)
            if plan.errors:
                raise _Rollback
    except _Rollback:
        pass
    except IntegrityError as exc:
        plan.error("$", f"the database refused the data: {exc}")
    return plan


def summary(plan: importer.ImportPlan) -> list[str]:
    """What an import did, section by section ("items: 3 created, 1 unchanged")."""
    lines = []
    for section in importer.SECTIONS:
        counts = {o: plan.counts[section, o] for o in ("created", "updated", "unchanged")}
        if any(counts.values()):
            lines.append(
                f"{section}: " + ", ".join(f"{n} {outcome}" for outcome, n in counts.items() if n)
            )
    return lines


def _write_on_hand(plan):
    for index, entry in enumerate(plan.sections["on_hand"]):
        try:
            posted = inventory_set_on_hand(
                item=Item.objects.get(sku=entry["item"]),
                organization=Organization.objects.get(code=entry["organization"]),
                quantity=entry["quantity"],
                reason="Master data import",
            )
        except BusinessRuleError as exc:
            plan.error(f"on_hand[{index}].quantity", exc.message)
            continue
        plan.counts["on_hand", "updated" if posted else "unchanged"] += 1


class Command(BaseCommand):
    help = (
        "Import master data from a JSON file (docs/import-format.md): one transaction, "
        "upsert by natural key; every error is reported with its JSON path and nothing is "
        "written on any error."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            content = file.read_bytes()
        except FileNotFoundError as exc:
            raise CommandError(f"{file}: no such file") from exc
        data, unreadable = parse(content)
        if unreadable:
            raise CommandError(f"{file}: {unreadable}")

        plan = import_master_data(data)
        if plan.errors:
            for error in plan.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(plan.errors)} error(s) in {file}: nothing was imported.")

        for line in summary(plan):
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Imported {file}."))
