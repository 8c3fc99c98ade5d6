from django.urls import path

from core.views import placeholder
from warehouse import views

app_name = "warehouse"

urlpatterns = [
    path("receiving/", views.receiving, name="receiving"),
    path("shipping/", views.shipping, name="shipping"),
    path("shipments/<str:number>/packing-slip/", views.packing_slip, name="packing_slip"),
    path("shipments/<str:number>/<str:action>/", views.shipment_action, name="shipment_action"),
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
