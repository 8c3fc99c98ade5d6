from django.apps import AppConfig


class SupplyConfig(AppConfig):
    name = "supply"

    def ready(self):
        from warehouse.signals import stock_increased

        stock_increased.connect(_repromise_after_stock_arrives, dispatch_uid="supply-repromise")


def _repromise_after_stock_arrives(sender, item_id, organization_id, **kwargs):
    """New stock may fill backordered lines: re-promise them once the stock is committed.

    Only when the item has backordered lines (most receipts are for pegged back-to-back
    demand): a line backordered by a submit that held the balance row before this stock came
    in has committed by now, so it is seen here; the periodic re-promise is the safety net.
    """
    from core.enqueue import enqueue_on_commit
    from orders.models import FulfillmentLine

    backordered = FulfillmentLine.objects.filter(
        item_id=item_id, status=FulfillmentLine.Status.BACKORDERED
    )
    if backordered.exists():
        enqueue_on_commit("supply.repromise_backorders", item_id)
