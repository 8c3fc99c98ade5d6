"""Production is told when a released work order is cancelled because its sales order line
no longer needs it — worded from what actually went back to stock — and not when one of its
own operators cancels it."""

import pytest

from core.models import Notification
from supply.services import line_cancel
from tests.factories import UserFactory
from tests.manufacturing.test_partial_issue_scrap_and_cancel import released

pytestmark = pytest.mark.django_db


def test_an_operators_own_cancel_tells_nobody_in_production(world, client_for):
    colleague = UserFactory(username="second-shift", roles=["production"])
    client = client_for("production")
    work_order = released(world, client)

    client.post(
        f"/manufacturing/work-orders/{work_order.number}/cancel/", {"reason": "machine down"}
    )

    work_order.refresh_from_db()
    assert work_order.status == "CANCELLED"
    assert not Notification.objects.filter(user=colleague, kind="work_order_demand_cut").exists()


def test_a_line_cancel_before_any_issue_says_the_held_components_are_free(
    world, client_for, role_users
):
    work_order = released(world, client_for("production"))

    line_cancel(line=work_order.demand_line, reason="customer cancelled", acting_user=world.csr)

    (told,) = Notification.objects.filter(
        user=role_users["production"], kind="work_order_demand_cut"
    )
    assert "cancelled after release: line" in told.message
    assert "Its held components are free again." in told.message
    assert "went back to stock" not in told.message
