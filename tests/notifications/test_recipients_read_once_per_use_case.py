"""Many work orders cut in one use case tell production with one look-up of who production
is, not one per work order."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Notification, TransitionLog
from notifications.services import notify_from_change_log
from supply.services import line_change
from tests.manufacturing.test_partial_issue_scrap_and_cancel import released

pytestmark = pytest.mark.django_db


def test_production_is_looked_up_once_for_many_work_order_notices(world, client_for, role_users):
    work_order = released(world, client_for("production"), quantity=3)
    line_change(line=work_order.demand_line, quantity=Decimal(2), acting_user=world.csr)
    cut = TransitionLog.objects.get(field="quantity_for_demand")
    entries = [cut] * 5  # as many entries as work orders cut in one use case

    with CaptureQueriesContext(connection) as queries:
        notify_from_change_log(entries)

    user_lookups = [q["sql"] for q in queries.captured_queries if 'FROM "auth_user"' in q["sql"]]
    assert len(user_lookups) == 1
    assert (
        Notification.objects.filter(
            user=role_users["production"], kind="work_order_demand_cut"
        ).count()
        == 6  # the cut's own notice, and the five here
    )
