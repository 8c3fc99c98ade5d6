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
            data = json.loads(file.read_text(encoding="utf-8"), parse_float=Decimal)
        except FileNotFoundError as exc:
            raise CommandError(f"{file}: no such file") from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{file}: not valid JSON ({exc}); nothing was imported") from exc

        plan = importer.validate(data)
        if not plan.errors:
            try:
                with transaction.atomic():
                    importer.write(plan)
                    self._write_on_hand(plan)
                    if plan.errors:
                        raise _Rollback
            except _Rollback:
                pass
            except IntegrityError as exc:
                plan.error("$", f"the database refused the data: {exc}")
        if plan.errors:
            for error in plan.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(plan.errors)} error(s) in {file}: nothing was imported.")

        for section in importer.SECTIONS:
            counts = {o: plan.counts[section, o] for o in ("created", "updated", "unchanged")}
            if any(counts.values()):
                summary = ", ".join(f"{n} {outcome}" for outcome, n in counts.items() if n)
                self.stdout.write(f"{section}: {summary}")
        self.stdout.write(self.style.SUCCESS(f"Imported {file}."))

    def _write_on_hand(self, plan):
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
