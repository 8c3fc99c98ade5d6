""" "Issue these" with every quantity left blank issues nothing and says what to do; only the
header button ("Issue materials" / "Issue the rest") issues everything still to issue."""

import pytest

from tests.manufacturing.test_partial_issue_scrap_and_cancel import (
    balance,
    component_fields,
    released,
)

pytestmark = pytest.mark.django_db


def test_issue_these_with_every_box_blank_issues_nothing(world, client_for):
    client = client_for("production")
    work_order = released(world, client)
    leg, top = work_order.components.order_by("item__sku")
    url = f"/manufacturing/work-orders/{work_order.number}/"

    answer = client.post(
        url + "issue/", {"these": "1", f"qty_{leg.pk}": "", f"qty_{top.pk}": ""}, follow=True
    )

    assert "Nothing issued: enter a quantity for at least one component" in (
        answer.content.decode()
    )
    work_order.refresh_from_db()
    assert work_order.status == "RELEASED"
    assert component_fields(work_order) == {"LEG": (0, 0, 0), "TOP": (0, 0, 0)}
    assert (balance(world, world.leg).on_hand, balance(world, world.leg).reserved) == (40, 8)
    page = client.get(url).content.decode()
    assert 'name="these" value="1">Issue these</button>' in page
