"""The requisition page: the buyer moves an open requisition line to another supplier of its
item, or changes its price, before it goes on a PO; each change is on its timeline; once the
line is on a PO it no longer changes there (409)."""

from decimal import Decimal

import pytest

from core.models import TransitionLog
from procurement.models import PurchaseOrderLine, RequisitionLine
from tests.factories import BuyRuleFactory, SupplierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fabrikam(world):
    """A second supplier of the laptop at W1, cheaper, and one that supplies something else."""
    fabrikam = SupplierFactory(number="S-FABRIKAM", name="Fabrikam")
    BuyRuleFactory(
        item=world.laptop,
        organization=world.w1,
        supplier=fabrikam,
        unit_price=Decimal("850"),
        lead_time_days=8,
        rank=2,
    )
    return fabrikam


def _requisition(world) -> RequisitionLine:
    return world.supplied(world.laptop, 3).requisition_lines.get()


def test_the_buyer_moves_a_requisition_to_another_supplier_and_it_orders_from_there(
    client_for, world, fabrikam
):
    requisition = _requisition(world)
    buyer = client_for("buyer")
    page = buyer.get(f"/procurement/requisitions/{requisition.number}/")
    assert page.status_code == 200
    assert "S-FABRIKAM – Fabrikam" in page.content.decode()  # offered: a supplier of the item

    answer = buyer.post(
        f"/procurement/requisitions/{requisition.number}/change/",
        {"supplier": "S-FABRIKAM", "unit_price": ""},
        follow=True,
    )

    text = answer.content.decode()
    assert f"{requisition.number} now from S-FABRIKAM at 850.0000" in text
    requisition.refresh_from_db()
    assert (requisition.supplier, requisition.unit_price) == (fabrikam, Decimal("850"))
    # The timeline says what changed, from what, by whom.
    assert "S-CONTOSO" in text and "S-FABRIKAM" in text and "900" in text
    created = buyer.post(
        "/api/v1/purchase-orders",
        {"requisition_lines": [requisition.number]},
        content_type="application/json",
    )
    assert created.status_code == 201
    (po,) = created.json()["items"]
    assert (po["supplier"], po["lines"][0]["unit_price"]) == ("S-FABRIKAM", "850.0000")


def test_a_supplier_that_does_not_supply_the_item_is_refused_field_by_field(
    client_for, world, fabrikam
):
    requisition = _requisition(world)
    SupplierFactory(number="S-OTHER")
    url = f"/api/v1/requisition-lines/{requisition.number}"
    buyer = client_for("buyer")

    stranger = buyer.patch(url, {"supplier": "S-OTHER"}, content_type="application/json")
    unknown = buyer.patch(url, {"supplier": "S-NOPE"}, content_type="application/json")
    negative = buyer.patch(url, {"unit_price": "-1"}, content_type="application/json")
    nothing = buyer.patch(url, {}, content_type="application/json")

    assert stranger.status_code == 422
    assert stranger.json()["errors"][0]["field"] == "supplier"
    assert "not a supplier of LAPTOP-15" in stranger.json()["errors"][0]["message"]
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "supplier"
    assert negative.status_code == 422
    assert nothing.status_code == 422
    requisition.refresh_from_db()
    assert (requisition.supplier.number, requisition.unit_price) == ("S-CONTOSO", Decimal("900"))


def test_the_buyer_changes_only_the_price_and_others_may_not(client_for, world):
    requisition = _requisition(world)
    url = f"/api/v1/requisition-lines/{requisition.number}"

    assert (
        client_for("customer_service")
        .patch(url, {"unit_price": "1"}, content_type="application/json")
        .status_code
        == 403
    )
    answer = client_for("buyer").patch(
        url, {"unit_price": "880.5"}, content_type="application/json"
    )

    assert answer.status_code == 200
    assert (answer.json()["supplier"], answer.json()["unit_price"]) == ("S-CONTOSO", "880.5000")
    assert client_for("buyer").get(url).json()["unit_price"] == "880.5000"


def test_once_on_a_po_the_requisition_no_longer_changes_409(client_for, world, fabrikam):
    line = world.supplied(world.laptop, 3)
    po_line = world.on_po(line, communicated=False)
    requisition = line.requisition_lines.get()
    buyer = client_for("buyer")

    refused = buyer.patch(
        f"/api/v1/requisition-lines/{requisition.number}",
        {"supplier": "S-FABRIKAM"},
        content_type="application/json",
    )
    page = buyer.get(f"/procurement/requisitions/{requisition.number}/").content.decode()

    assert refused.status_code == 409
    assert "change the PO line instead" in refused.json()["detail"]
    assert PurchaseOrderLine.objects.get().purchase_order.supplier.number == "S-CONTOSO"
    assert po_line.number in page and "Change supplier or price" not in page


def test_the_supply_order_follows_the_requisitions_new_supplier_and_price(
    client_for, world, fabrikam
):
    from supply.models import SupplyOrder

    requisition = _requisition(world)
    buyer = client_for("buyer")

    buyer.post(
        f"/procurement/requisitions/{requisition.number}/change/",
        {"supplier": "S-FABRIKAM", "unit_price": "840"},
    )

    supply_order = SupplyOrder.objects.get(demand_line=requisition.demand_line)
    assert (supply_order.supplier, supply_order.unit_price) == (fabrikam, Decimal("840"))
    logged = TransitionLog.objects.filter(
        document_type="supply.supplyorder", document_id=supply_order.pk
    ).values_list("field", "to_value")
    assert {("unit_price", "840.0000"), ("unit_price", "840")} & set(logged)
    assert any(field == "supplier" for field, _ in logged)
