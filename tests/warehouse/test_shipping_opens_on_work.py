"""The shipping screen opens on an organization that has something to ship, preferring the
one the user chose last, when no organization is asked for."""

from decimal import Decimal

import pytest

from orders.services import LineInput
from supply.services import sales_order_submit
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def ready_at(world, organization, item, quantity=2):
    """An order line shipping from `organization`, reserved on its stock."""
    world.stock(item, quantity, org=organization)
    order = world.order(LineInput(item, Decimal(quantity), ship_from=organization))
    sales_order_submit(order=order, acting_user=world.csr)
    return order


def test_it_opens_the_organization_with_lines_ready_rather_than_the_first(client_for, world):
    world.transfer_setup()
    order = ready_at(world, world.w2, world.chair)

    page = client_for("warehouse").get("/warehouse/shipping/")

    assert page.context["organization"] == "W2"
    assert order.number in page.content.decode()


def test_it_opens_the_organization_with_a_shipment_in_progress(client_for, world):
    world.transfer_setup()
    order = ready_at(world, world.w2, world.chair)
    client = client_for("warehouse")
    client.post("/warehouse/shipping/", {"organization": "W2", "line": [order.lines.get().pk]})

    page = client.get("/warehouse/shipping/")

    assert page.context["organization"] == "W2"
    assert [s.organization.code for s in page.context["shipments"]] == ["W2"]


def test_it_prefers_the_organization_chosen_last_when_that_one_has_work(client_for, world):
    world.transfer_setup()
    OrganizationFactory(code="W3")
    ready_at(world, world.w1, world.laptop)
    ready_at(world, world.w2, world.chair)
    client = client_for("warehouse")
    assert client.get("/warehouse/shipping/").context["organization"] == "W1"

    client.get("/warehouse/shipping/?organization=W2")

    assert client.get("/warehouse/shipping/").context["organization"] == "W2"
    client.get("/warehouse/shipping/?organization=W3")  # chosen last, but nothing to ship
    assert client.get("/warehouse/shipping/").context["organization"] == "W1"


def test_with_no_work_anywhere_it_opens_the_last_chosen_or_the_first(client_for, world):
    world.transfer_setup()
    client = client_for("warehouse")
    assert client.get("/warehouse/shipping/").context["organization"] == "W1"
    client.get("/warehouse/shipping/?organization=W2")
    assert client.get("/warehouse/shipping/").context["organization"] == "W2"


def test_an_organization_asked_for_is_shown_even_without_work(client_for, world):
    world.transfer_setup()
    ready_at(world, world.w2, world.chair)

    page = client_for("warehouse").get("/warehouse/shipping/?organization=W1")

    assert page.context["organization"] == "W1"
    assert "Nothing is reserved and waiting to ship at W1" in page.content.decode()
