"""Pick waves through POST /api/v1/pick-waves (release, pick, pack, confirm with tracking
numbers) and on the shipping screen (release form → wave page → one button per step)."""

import pytest

from orders.models import FulfillmentLine
from orders.services import LineInput
from supply.services import sales_order_enter
from tests.factories import CustomerFactory
from warehouse.models import PickWave, Shipment

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(world):
    from decimal import Decimal

    world.stock(world.laptop, 5)
    world.globex = CustomerFactory(number="C-GLOBEX", default_ship_from=world.w1)
    for customer, quantity in ((world.customer, 2), (world.customer, 1), (world.globex, 2)):
        sales_order_enter(
            customer=customer, lines=[LineInput(world.laptop, Decimal(quantity))], submit=True
        )
    return world


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def test_the_api_releases_picks_packs_and_confirms_a_wave(ready, client_for):
    api = client_for("warehouse")

    released = post(api, "/api/v1/pick-waves", {"organization": "W1", "carrier": "UPS"})

    assert released.status_code == 201
    wave = released.json()
    assert (wave["status"], wave["carrier"], wave["customer"]) == ("RELEASED", "UPS", None)
    assert [(s["customer"], s["lines"], s["quantity"]) for s in wave["shipments"]] == [
        ("C-ACME", 2, "3.000"),
        ("C-GLOBEX", 1, "2.000"),
    ]
    base = f"/api/v1/pick-waves/{wave['number']}"
    assert post(api, f"{base}/pick").json()["status"] == "PICKED"
    assert post(api, f"{base}/pack").json()["status"] == "PACKED"
    acme = wave["shipments"][0]["number"]
    shipped = post(api, f"{base}/confirm", {"tracking_numbers": {acme: "1Z42"}}).json()
    assert shipped["status"] == "SHIPPED"
    assert [(s["status"], s["tracking_number"]) for s in shipped["shipments"]] == [
        ("SHIPPED", "1Z42"),
        ("SHIPPED", ""),
    ]
    assert set(Shipment.objects.values_list("carrier", flat=True)) == {"UPS"}
    assert post(api, f"{base}/confirm").status_code == 409
    assert api.get(base).json()["status"] == "SHIPPED"


def test_the_api_says_what_is_wrong(ready, client_for):
    api = client_for("warehouse")

    unknown = post(api, "/api/v1/pick-waves", {"organization": "W1", "customer": "C-NOPE"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "customer"
    wave = post(api, "/api/v1/pick-waves", {"organization": "W1"}).json()
    nothing = post(api, "/api/v1/pick-waves", {"organization": "W1"})
    assert nothing.status_code == 422 and "Nothing is ready to ship" in nothing.json()["detail"]
    base = f"/api/v1/pick-waves/{wave['number']}"
    post(api, f"{base}/pick")
    post(api, f"{base}/pack")
    stranger = post(api, f"{base}/confirm", {"tracking_numbers": {"SHP-999999": "X"}})
    assert stranger.status_code == 422
    assert stranger.json()["errors"][0]["field"] == "tracking_numbers.SHP-999999"
    assert api.get("/api/v1/pick-waves/WAVE-999999").status_code == 404


def test_only_the_warehouse_releases_waves(ready, client_for):
    response = post(client_for("customer_service"), "/api/v1/pick-waves", {"organization": "W1"})

    assert response.status_code == 403 and not PickWave.objects.exists()


def test_the_shipping_screen_releases_a_wave_and_walks_it_to_shipped(ready, client_for):
    client = client_for("warehouse")
    page = client.get("/warehouse/shipping/?organization=W1")
    assert 'data-testid="wave-form"' in page.content.decode()

    released = client.post(
        "/warehouse/waves/",
        {"organization": "W1", "customer": "", "ship_by": "", "carrier": "DHL"},
        follow=True,
    )

    wave = PickWave.objects.get()
    text = released.content.decode()
    assert f"{wave.number} released: 3 lines in 2 shipments. Pick it next." in text
    assert "Wave picked" in text
    client.post(f"/warehouse/waves/{wave.number}/pick/")
    packed = client.post(f"/warehouse/waves/{wave.number}/pack/", follow=True)
    assert "Ship confirm the wave" in packed.content.decode()
    acme = wave.shipments.get(customer=ready.customer)
    shipped = client.post(
        f"/warehouse/waves/{wave.number}/confirm/",
        {"carrier": "DHL", f"tracking_{acme.pk}": "JD0001"},
        follow=True,
    )
    assert f"{wave.number} shipped: the invoice follows." in shipped.content.decode()
    acme.refresh_from_db()
    assert (acme.status, acme.carrier, acme.tracking_number) == ("SHIPPED", "DHL", "JD0001")
    assert set(FulfillmentLine.objects.values_list("status", flat=True)) == {"AWAITING_BILLING"}
    listed = client.get("/warehouse/shipping/?organization=W1").content.decode()
    assert f'href="/warehouse/waves/{wave.number}/"' in listed


def test_a_bad_wave_request_on_the_screen_says_what_to_do(ready, client_for):
    client = client_for("warehouse")

    bad_date = client.post(
        "/warehouse/waves/", {"organization": "W1", "ship_by": "soon"}, follow=True
    )
    assert "Scheduled by: Enter a valid date." in bad_date.content.decode()
    client.post("/warehouse/waves/", {"organization": "W1"})
    nothing = client.post("/warehouse/waves/", {"organization": "W1"}, follow=True)
    assert "Nothing is ready to ship from W1" in nothing.content.decode()
    assert PickWave.objects.count() == 1
    wave_page = f"/warehouse/waves/{PickWave.objects.get().number}/"
    assert client_for("buyer").get(wave_page).status_code == 403
