from django.apps import AppConfig


class SupplyConfig(AppConfig):
    name = "supply"

    def ready(self):
        from warehouse.signals import stock_increased

        stock_increased.connect(_repromise_after_stock_arrives, dispatch_uid="supply-repromise")


def _repromise_after_stock_arrives(sender, item_id, organization_id, **kwargs):
    """New stock may fill backordered lines: re-promise them once the stock is committed."""
    from supply.tasks import repromise_backorders

    repromise_backorders.delay_on_commit(item_id)
