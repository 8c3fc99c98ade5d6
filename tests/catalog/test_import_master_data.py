import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from catalog.models import BillOfMaterials, Customer, Item, Organization, SourcingRule, Supplier
from core.roles import ROLE_NAMES
from warehouse.models import InventoryBalance, InventoryTransaction
from warehouse.selectors import ledger_mismatches

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo.json"
pytestmark = pytest.mark.django_db


def run_import(path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_master_data", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing_import(path) -> list[str]:
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_master_data", str(path), stdout=StringIO(), stderr=err)
    return err.getvalue().splitlines()


def write(tmp_path, data) -> Path:
    path = tmp_path / "master.json"
    path.write_text(json.dumps(data))
    return path


def table_sizes():
    models = [Organization, Supplier, Item, Customer, SourcingRule, BillOfMaterials]
    sizes = {m.__name__: m.objects.count() for m in models}
    sizes["ledger"] = InventoryTransaction.objects.count()
    sizes["users"] = get_user_model().objects.count()
    return sizes


def test_the_demo_file_imports_every_section():
    out, _ = run_import(DEMO)

    assert "organizations: 3 created" in out
    laptop = Item.objects.get(sku="LAPTOP-15")
    assert laptop.back_to_back and laptop.list_price == Decimal("1200.00")
    rules = SourcingRule.objects.filter(item=laptop).order_by("rank")
    assert [(r.rank, r.supplier.number) for r in rules] == [(1, "S-CONTOSO"), (2, "S-FABRIKAM")]
    assert Supplier.objects.get(number="S-CONTOSO").automatic_po
    bom = BillOfMaterials.objects.get(item__sku="DESK", organization__code="P1")
    assert {c.item.sku: c.quantity for c in bom.components.all()} == {
        "DESK-TOP": Decimal("1"),
        "LEG": Decimal("4"),
    }
    leg = InventoryBalance.objects.get(item__sku="LEG", organization__code="P1")
    assert leg.on_hand == Decimal("400")
    # On hand arrives through the ledger, so balances equal the sum of their ledger rows.
    assert InventoryTransaction.objects.filter(kind="ADJUSTMENT").count() == 6
    assert ledger_mismatches() == []
    User = get_user_model()
    for role in ROLE_NAMES:
        assert User.objects.filter(groups__name=role).exists(), role
    assert User.objects.get(username="csr").check_password("demo-csr-2026")
    assert User.objects.get(username="admin").is_superuser


def test_a_second_import_of_the_same_file_changes_nothing():
    run_import(DEMO)
    before = table_sizes()
    ledger_ids = list(InventoryTransaction.objects.values_list("id", flat=True))

    out, _ = run_import(DEMO)

    assert table_sizes() == before
    assert list(InventoryTransaction.objects.values_list("id", flat=True)) == ledger_ids
    assert "created" not in out and "updated" not in out
    assert "items: 7 unchanged" in out


def test_a_changed_file_updates_by_natural_key_and_posts_the_on_hand_difference(tmp_path):
    run_import(DEMO)
    data = json.loads(DEMO.read_text())
    data["items"][0]["list_price"] = "1250.00"
    data["on_hand"] = [{"item": "LEG", "organization": "P1", "quantity": "380"}]
    data["bills_of_material"][0]["components"] = [{"item": "LEG", "quantity": "4"}]

    out, _ = run_import(write(tmp_path, data))

    assert "items: 1 updated, 6 unchanged" in out
    assert Item.objects.get(sku="LAPTOP-15").list_price == Decimal("1250.00")
    assert Item.objects.count() == 7
    last = InventoryTransaction.objects.filter(item__sku="LEG").order_by("-id").first()
    assert last.quantity == Decimal("-20")
    assert InventoryBalance.objects.get(item__sku="LEG").on_hand == Decimal("380")
    bom = BillOfMaterials.objects.get(item__sku="DESK")
    assert [c.item.sku for c in bom.components.all()] == ["LEG"]
    assert "bills_of_material: 1 updated" in out


def test_an_invalid_file_reports_every_error_with_its_path_and_writes_nothing(tmp_path):
    data = json.loads(DEMO.read_text())
    data["items"][3]["list_price"] = "-5"
    data["items"][1]["back_to_back"] = "yes"
    data["organizations"][2]["kind"] = "SHOP"
    data["customers"][0]["default_ship_from"] = "W9"
    data["suppliers"][0]["email"] = "not-an-email"
    data["sourcing_rules"][0].pop("unit_price")
    data["sourcing_rules"][3]["source_organization"] = "NOWHERE"
    data["sourcing_rules"][1]["rank"] = 0
    data["sourcing_rules"][2]["effective_from"] = "2026-12-01"
    data["sourcing_rules"][2]["effective_to"] = "2026-11-01"
    data["bills_of_material"][0]["components"][1]["quantity"] = "0"
    data["on_hand"][0]["quantity"] = "1.2345"
    data["users"][1]["roles"] = ["customer_service", "sales_god"]
    data["items"].append({"sku": "LAPTOP-15", "description": "again"})
    data["colours"] = []

    errors = run_failing_import(write(tmp_path, data))

    assert set(errors) >= {
        "items[3].list_price: must be a decimal ≥ 0",
        "items[1].back_to_back: must be true or false",
        "organizations[2].kind: must be one of WAREHOUSE, PLANT",
        "customers[0].default_ship_from: unknown organization “W9”",
        "suppliers[0].email: must be an email address",
        "sourcing_rules[0].unit_price: is required for a BUY rule",
        "sourcing_rules[3].source_organization: unknown organization “NOWHERE”",
        "sourcing_rules[1].rank: must be a whole number from 1 to 32767",
        "sourcing_rules[2].effective_to: must not be before effective_from",
        "bills_of_material[0].components[1].quantity: must be a decimal > 0",
        "on_hand[0].quantity: must have at most 3 decimal places",
        "users[1].roles[1]: must be one of " + ", ".join(ROLE_NAMES),
        "items[7]: duplicates items[0]",
    }
    assert any(line.startswith("colours: is not a known section") for line in errors)
    assert table_sizes() == {
        "Organization": 0,
        "Supplier": 0,
        "Item": 0,
        "Customer": 0,
        "SourcingRule": 0,
        "BillOfMaterials": 0,
        "ledger": 0,
        "users": 0,
    }


def test_an_error_found_while_writing_rolls_back_the_whole_import(tmp_path):
    run_import(DEMO)
    before = table_sizes()
    data = json.loads(DEMO.read_text())
    data["items"][0]["description"] = "renamed"
    data["on_hand"] = [{"item": "LEG", "organization": "P1", "quantity": "10"}]
    # Stock reserved for orders cannot be adjusted away, not even by an import.
    InventoryBalance.objects.filter(item__sku="LEG").update(reserved=Decimal("100"))

    errors = run_failing_import(write(tmp_path, data))

    assert errors[0].startswith("on_hand[0].quantity: Cannot take 390")
    assert table_sizes() == before
    assert Item.objects.get(sku="LAPTOP-15").description == "15in business laptop"


def test_references_may_point_at_records_already_in_the_database(tmp_path):
    run_import(DEMO)
    path = write(
        tmp_path,
        {
            "sourcing_rules": [
                {
                    "item": "MONITOR-27",
                    "organization": "W2",
                    "rank": 1,
                    "type": "TRANSFER",
                    "source_organization": "W1",
                    "lead_time_days": 1,
                }
            ]
        },
    )
    out, _ = run_import(path)
    assert "sourcing_rules: 1 created" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not valid JSON"), ("[]", "$: must be a JSON object")],
)
def test_a_file_that_is_not_a_json_object_is_refused(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_master_data", str(path), stdout=StringIO(), stderr=err)
    assert message in str(raised.value) + err.getvalue()
    assert not Organization.objects.exists()


def test_imported_passwords_follow_the_password_rules(tmp_path):
    data = json.loads(DEMO.read_text())
    data["users"][1]["password"] = "12345678"  # common and all digits
    data["users"][2]["password"] = "buyer"  # short, and the user name

    errors = run_failing_import(write(tmp_path, data))

    assert any(e.startswith("users[1].password: This password is too common.") for e in errors)
    assert any(e.startswith("users[2].password: ") and "too short" in e for e in errors)
    assert table_sizes()["users"] == 0


def test_the_demo_setup_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG=1"):
        call_command("demo_setup", str(DEMO), stdout=StringIO())
    assert not Organization.objects.exists()
