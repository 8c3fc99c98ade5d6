from django.dispatch import Signal

# Sent when on-hand stock of an item grows at an organization (receipt, adjustment, completion).
# Arguments: item_id, organization_id. Receivers only hand work to Celery after commit.
stock_increased = Signal()

# Sent inside the ship-confirm transaction. Argument: shipment_id. Billing owes its invoice
# (an outbox message, created after commit).
shipment_confirmed = Signal()
