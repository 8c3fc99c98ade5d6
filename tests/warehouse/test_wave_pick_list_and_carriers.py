"""A pick wave's page gives the picker one row per item with everything to pick of it across
the wave's shipments; at wave confirm each shipment may go with its own carrier and tracking
number (on the screen and through the API), the others with the wave's carrier."""

from decimal import Decimal

import pytest

from orders.services import LineInput
from supply.services import sales_order_enter
from tests.factories import CustomerFactory, ItemFactory
from tests.world import page_queries
from warehouse.models import PickWave, Shipment
from warehouse.shipments import shipment_cancel

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(world):
    """Acme orders 2 + 1 laptops and a mouse, Globex 4 laptops: all in stock at W1."""
    world.mouse = ItemFactory(sku="MOUSE-1", description="Wireless mouse")
    world.stock(world.laptop, 7)
    world.stock(world.mouse, 3)
    world.globex = CustomerFactory(number="C-GLOBEX", default_ship_from=world.w1)
    orders = (
        (world.customer, [(world.laptop, 2), (world.mouse, 3)]),
        (world.customer, [(world.laptop, 1)]),
        (world.globex, [(world.laptop, 4)]),
    )
    for customer, lines in orders:
        sales_order_enter(
            customer=customer,
            lines=[LineInput(item, Decimal(quantity)) for item, quantity in lines],
            submit=True,
        )
    return world


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def pick_rows(page: str) -> list[tuple]:
    import re

    return re.findall(
        r'<tr data-testid="pick-([^"]+)"><td>[^<]*</td><td>[^<]*</td><td class="num">([^<]+)</td>'
        r'<td>[^<]*</td><td class="num">(\d+)</td><td class="num">(\d+)</td></tr>',
        page,
    )


def test_the_wave_page_lists_what_to_pick_consolidated_by_item(ready, client_for):
    client = client_for("warehouse")
    wave = post(client, "/api/v1/pick-waves", {"organization": "W1"}).json()

    page = client.get(f"/warehouse/waves/{wave['number']}/").content.decode()

    # Laptops of three lines in two shipments on one row; the mouse on its own.
    assert pick_rows(page) == [("LAPTOP-15", "7", "3", "2"), ("MOUSE-1", "3", "1", "1")]


def test_a_cancelled_shipment_leaves_the_pick_list(ready, client_for):
    client = client_for("warehouse")
    wave = PickWave.objects.get(
        number=post(client, "/api/v1/pick-waves", {"organization": "W1"}).json()["number"]
    )
    shipment_cancel(shipment=wave.shipments.get(customer=ready.globex))

    page = client.get(f"/warehouse/waves/{wave.number}/").content.decode()

    assert pick_rows(page) == [("LAPTOP-15", "3", "2", "1"), ("MOUSE-1", "3", "1", "1")]


def test_the_wave_page_runs_the_same_queries_for_few_or_many_items(world, client_for):
    client = client_for("warehouse")

    def wave_of(items):
        for index in range(items):
            item = ItemFactory(sku=f"ITEM-{items}-{index}")
            world.stock(item, 1)
            sales_order_enter(
                customer=world.customer, lines=[LineInput(item, Decimal(1))], submit=True
            )
        number = post(client, "/api/v1/pick-waves", {"organization": "W1"}).json()["number"]
        return page_queries(client, f"/warehouse/waves/{number}/")

    assert wave_of(1) == wave_of(5)


def packed_wave(client):
    wave = post(client, "/api/v1/pick-waves", {"organization": "W1", "carrier": "UPS"}).json()
    base = f"/api/v1/pick-waves/{wave['number']}"
    post(client, f"{base}/pick")
    post(client, f"{base}/pack")
    return wave, base


def test_the_api_confirms_each_shipment_with_its_own_carrier(ready, client_for):
    api = client_for("warehouse")
    wave, base = packed_wave(api)
    acme, globex = (s["number"] for s in wave["shipments"])

    shipped = post(
        api,
        f"{base}/confirm",
        {"carriers": {globex: "DHL"}, "tracking_numbers": {acme: "1Z1", globex: "JD2"}},
    )

    assert shipped.status_code == 200
    carried = dict(Shipment.objects.values_list("number", "carrier"))
    assert carried == {acme: "UPS", globex: "DHL"}
    listed = api.get("/api/v1/shipments?status=SHIPPED").json()["items"]
    assert {(s["number"], s["carrier"], s["tracking_number"]) for s in listed} == {
        (acme, "UPS", "1Z1"),
        (globex, "DHL", "JD2"),
    }


def test_the_api_refuses_a_carrier_for_a_shipment_not_in_the_wave_or_too_long(ready, client_for):
    api = client_for("warehouse")
    wave, base = packed_wave(api)
    acme = wave["shipments"][0]["number"]

    stranger = post(api, f"{base}/confirm", {"carriers": {"SHP-999999": "DHL"}})
    too_long = post(api, f"{base}/confirm", {"carriers": {acme: "X" * 61}})

    assert stranger.status_code == 422
    assert stranger.json()["errors"][0]["field"] == "carriers.SHP-999999"
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"].startswith("carriers")
    assert not Shipment.objects.filter(status="SHIPPED").exists()


def test_the_wave_screen_takes_a_carrier_and_tracking_number_per_shipment(ready, client_for):
    client = client_for("warehouse")
    wave, _ = packed_wave(client)
    acme = Shipment.objects.get(customer=ready.customer)
    globex = Shipment.objects.get(customer=ready.globex)
    page = client.get(f"/warehouse/waves/{wave['number']}/").content.decode()
    assert f'name="carrier_{acme.pk}"' in page and f'name="tracking_{globex.pk}"' in page

    shipped = client.post(
        f"/warehouse/waves/{wave['number']}/confirm/",
        {
            "carrier": "UPS",
            f"carrier_{globex.pk}": "FedEx",
            f"tracking_{acme.pk}": "1ZA",
            f"tracking_{globex.pk}": "FX9",
        },
        follow=True,
    )

    assert "shipped: the invoice follows." in shipped.content.decode()
    acme.refresh_from_db()
    globex.refresh_from_db()
    assert (acme.carrier, acme.tracking_number) == ("UPS", "1ZA")
    assert (globex.carrier, globex.tracking_number) == ("FedEx", "FX9")


def test_a_tracking_number_longer_than_60_characters_is_refused_not_cut(ready, client_for):
    api = client_for("warehouse")
    wave, base = packed_wave(api)
    acme = wave["shipments"][0]["number"]

    too_long = post(api, f"{base}/confirm", {"tracking_numbers": {acme: "9" * 61}})

    assert too_long.status_code == 422
    error = too_long.json()["errors"][0]
    assert error["field"].startswith("tracking_numbers") and "60" in error["message"]
    assert not Shipment.objects.filter(status="SHIPPED").exists()
