"""The transfers page keeps the history: transfers received (and closed) or cancelled stay
listed, with what arrived or why they were cancelled, searchable, at the same query count
however many there are."""

from decimal import Decimal

import pytest

from supply.flows.transfer import transfer_order_cancel, transfer_order_receive
from supply.models import SupplyOrder
from supply.services import sales_order_submit, supply_order_create_document
from tests.world import page_queries
from warehouse.models import TransferOrder
from warehouse.services import ReceiveLine
from warehouse.transfers import transfer_order_ship

pytestmark = pytest.mark.django_db


def transfer(world, quantity=1) -> TransferOrder:
    order = world.order((world.chair, Decimal(quantity)))
    sales_order_submit(order=order, acting_user=world.csr)
    supply_order = SupplyOrder.objects.get(demand_line__order=order)
    supply_order_create_document(supply_order_id=supply_order.pk)
    return TransferOrder.objects.get(demand_line__order=order, status="OPEN")


def received(world, quantity=1) -> TransferOrder:
    to = transfer(world, quantity)
    transfer_order_ship(transfer_order=to)
    transfer_order_receive(transfer_order=to, lines=[ReceiveLine(1, Decimal(quantity))])
    to.refresh_from_db()
    return to


def history(client, query="") -> str:
    page = client.get(f"/warehouse/transfers/{query}").content.decode()
    return page[page.index('id="history"') :]


def test_received_and_cancelled_transfers_stay_in_the_history(world, client_for):
    world.transfer_setup()
    arrived = received(world, 2)
    cancelled = transfer(world)
    transfer_order_cancel(transfer_order=cancelled, reason="customer changed plans")
    still_open = transfer(world)
    client = client_for("warehouse")

    listed = history(client)

    assert f'data-testid="history-{arrived.number}"' in listed
    assert "2 × CHAIR" in listed  # what arrived
    assert f'data-testid="history-{cancelled.number}"' in listed
    assert "customer changed plans" in listed
    assert f'data-testid="history-{still_open.number}"' not in listed
    assert f'<a href="/warehouse/transfers/{arrived.number}/">{arrived.number}</a>' in listed


def test_the_history_is_searched_by_transfer_or_sales_order(world, client_for):
    world.transfer_setup()
    first, second = received(world), received(world)
    client = client_for("customer_service")

    by_number = history(client, f"?q={second.number}")
    by_order = history(client, f"?q={first.demand_line.order.number}")
    at_other = history(client, "?organization=W9")

    assert f"history-{second.number}" in by_number and f"history-{first.number}" not in by_number
    assert f"history-{first.number}" in by_order and f"history-{second.number}" not in by_order
    assert "No transfer received or cancelled at W9" in at_other


def test_the_history_runs_the_same_queries_for_few_or_many_transfers(world, client_for):
    world.transfer_setup()
    client = client_for("warehouse")
    received(world)
    few = page_queries(client, "/warehouse/transfers/")
    for _ in range(3):
        received(world)
    cancelled = transfer(world)
    transfer_order_cancel(transfer_order=cancelled, reason="not needed")
    assert page_queries(client, "/warehouse/transfers/") == few


def test_the_page_title_is_plain_text_and_the_history_shows_once(world, client_for):
    world.transfer_setup()
    arrived = received(world)

    page = client_for("warehouse").get("/warehouse/transfers/").content.decode()

    assert "<title>Transfers · B2B Portal</title>" in page
    assert page.count('id="history"') == 1
    assert page.count(f'data-testid="history-{arrived.number}"') == 1
