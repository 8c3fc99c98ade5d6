"""What every page carries: the portal's icon, a skip link to the content, the admin under the
portal's name."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_page_links_the_portal_icon_and_a_skip_link(client_for):
    page = client_for("warehouse").get("/warehouse/receiving/").content.decode()

    assert 'rel="icon" href="/static/core/favicon.svg" type="image/svg+xml"' in page
    assert 'href="#main">Skip to main content</a>' in page
    assert '<main class="container-fluid pb-5" id="main"' in page


def test_browsers_asking_for_favicon_ico_get_the_icon(client):
    response = client.get("/favicon.ico")  # not signed in: browsers ask before any sign-in

    assert response.status_code == 302
    assert response["Location"] == "/static/core/favicon.svg"
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"


def test_the_admin_carries_the_portal_name(client):
    client.force_login(UserFactory(username="ada", is_staff=True, is_superuser=True))

    page = client.get("/admin/").content.decode()

    assert "<title>Master data and documents | B2B Portal administration</title>" in page
    assert '<a href="/admin/">B2B Portal administration</a>' in page
    assert "<h1>Master data and documents</h1>" in page
    assert "Django administration" not in page
    assert 'href="/static/core/favicon.svg"' in page


def test_admin_pages_are_titled_with_the_portal_name(client):
    client.force_login(UserFactory(username="ada", is_staff=True, is_superuser=True))

    page = client.get("/admin/catalog/item/").content.decode()

    assert "| B2B Portal administration</title>" in page
