from django.urls import path

from core.views import placeholder
from warehouse import views

app_name = "warehouse"

urlpatterns = [
    path(
        "receiving/",
        placeholder(
            title="Receiving",
            permission="warehouse.add_receipt",
            arrives_with="the receiving and shipping issue",
            purpose="Expected receipts (POs, transfers) and a scanner-friendly receive form.",
        ),
        name="receiving",
    ),
    path(
        "shipping/",
        placeholder(
            title="Shipping",
            permission="warehouse.add_shipment",
            arrives_with="the receiving and shipping issue",
            purpose="Lines awaiting shipping: shipments, pick, pack, ship confirm.",
        ),
        name="shipping",
    ),
    path(
        "transfers/",
        placeholder(
            title="Transfers",
            permission="warehouse.view_transferorder",
            arrives_with="the Transfer flow issue",
            purpose="Transfer orders between organizations: ship and receive.",
        ),
        name="transfers",
    ),
    path("inventory/", views.inventory, name="inventory"),
    path("inventory/<int:balance_id>/", views.inventory_detail, name="inventory_detail"),
]
