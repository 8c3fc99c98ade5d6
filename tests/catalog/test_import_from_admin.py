"""The master-data import from the Django admin: an administrator uploads the same file the
import_master_data command takes; every error is listed with its JSON path and nothing is
written; a re-upload changes nothing; only an administrator may import."""

import json
from pathlib import Path

import pytest

from catalog.models import Item, Organization
from tests.catalog.test_import_master_data import table_sizes
from tests.factories import UserFactory

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo.json"
URL = "/admin/catalog/item/import/"
pytestmark = pytest.mark.django_db


def upload(client, content: bytes, name="master.json"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(URL, {"file": SimpleUploadedFile(name, content)}, follow=True)


def test_the_admin_imports_the_demo_file_and_a_second_upload_changes_nothing(admin_client):
    changelist = admin_client.get("/admin/catalog/item/").content.decode()
    assert f'href="{URL}"' in changelist

    first = upload(admin_client, DEMO.read_bytes(), "demo.json")

    assert "Imported demo.json: organizations: 3 created" in first.content.decode()
    assert Item.objects.filter(sku="LAPTOP-15").exists()
    sizes = table_sizes()
    again = upload(admin_client, DEMO.read_bytes(), "demo.json").content.decode()
    assert "organizations: 3 unchanged" in again
    assert table_sizes() == sizes


def test_errors_are_listed_with_their_paths_and_nothing_is_written(admin_client):
    data = json.loads(DEMO.read_text())
    data["items"][1]["list_price"] = "-5"
    data["customers"][0]["default_ship_from"] = "NOWHERE"
    before = table_sizes()

    response = upload(admin_client, json.dumps(data).encode())

    assert response.status_code == 422
    html = response.content.decode()
    assert "nothing was imported" in html
    assert "<code>items[1].list_price</code>" in html
    assert "<code>customers[0].default_ship_from</code>" in html
    assert table_sizes() == before
    assert not Organization.objects.exists()


def test_a_file_that_is_not_json_is_a_message_on_the_field(admin_client):
    response = upload(admin_client, b"\xff not json", "master.json")

    assert response.status_code == 422
    assert "master.json: not valid JSON" in response.content.decode()


def test_only_an_administrator_may_import(client):
    staff = UserFactory(username="clerk", is_staff=True, roles=["orchestration_manager"])
    client.force_login(staff)

    assert client.get(URL).status_code == 403
    assert client.post(URL, {}).status_code == 403
