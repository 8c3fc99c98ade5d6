"""The receiving screen receives a whole delivery: every open line of the POs scanned, on one
receipt, with the notice's number; a search for a PO offers it; refusals say what to do."""

import pytest

from orders.models import FulfillmentLine
from warehouse.models import Receipt

pytestmark = pytest.mark.django_db


def delivery(world, *quantities_per_po):
    return [
        world.on_one_po([world.supplied(world.laptop, quantity) for quantity in quantities])
        for quantities in quantities_per_po
    ]


def test_a_po_search_offers_its_whole_delivery(world, client_for):
    (po,) = delivery(world, (2, 1))

    page = client_for("warehouse").get(f"/warehouse/receiving/?q={po.number}")

    assert page.context["delivery_pos"] == po.number
    assert 'data-testid="delivery-form"' in page.content.decode()


def test_a_scanned_delivery_of_two_pos_is_received_on_one_receipt(world, client_for):
    first, second = delivery(world, (2, 1), (4,))

    response = client_for("warehouse").post(
        "/warehouse/receiving/",
        {
            "action": "delivery",
            "purchase_orders": f"{first.number.lower()}, {second.number}",
            "reference": "ASN-31",
        },
        follow=True,
    )

    receipt = Receipt.objects.get()
    assert receipt.reference == "ASN-31" and receipt.lines.count() == 3
    text = response.content.decode()
    assert (
        f"{receipt.number}: received 3 lines of {first.number}, {second.number} (ASN-31); "
        "7 reserved for their orders." in text
    )
    assert set(FulfillmentLine.objects.values_list("status", flat=True)) == {"AWAITING_SHIPPING"}


def test_an_unknown_po_or_a_delivery_already_in_says_what_to_do(world, client_for):
    (po,) = delivery(world, (2,))
    client = client_for("warehouse")

    unknown = client.post(
        "/warehouse/receiving/",
        {"action": "delivery", "purchase_orders": f"{po.number} PO-424242"},
        follow=True,
    )
    assert "Unknown purchase order PO-424242: check the number on the notice." in (
        unknown.content.decode()
    )
    assert not Receipt.objects.exists()
    client.post("/warehouse/receiving/", {"action": "delivery", "purchase_orders": po.number})

    again = client.post(
        "/warehouse/receiving/",
        {"action": "delivery", "purchase_orders": po.number},
        headers={"HX-Request": "true"},
    )

    assert f"Nothing is left to receive on {po.number}." in again.content.decode()
    assert Receipt.objects.count() == 1
