from django.dispatch import Signal

# Sent when on-hand stock of an item grows at an organization (receipt, adjustment, completion).
# Arguments: item_id, organization_id. Receivers only hand work to Celery after commit.
stock_increased = Signal()

# Sent when a shipment is confirmed. Argument: shipment_id. Billing invoices it after commit.
shipment_confirmed = Signal()
