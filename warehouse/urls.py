from django.urls import path

from warehouse import views

app_name = "warehouse"

urlpatterns = [
    path("receiving/", views.receiving, name="receiving"),
    path("shipping/", views.shipping, name="shipping"),
    path("waves/", views.wave_release_view, name="wave_release"),
    path("waves/<str:number>/", views.wave, name="wave"),
    path("waves/<str:number>/<str:action>/", views.wave_action, name="wave_action"),
    path("shipments/", views.shipments, name="shipments"),
    path("shipments/<str:number>/", views.shipment, name="shipment"),
    path("receipts/", views.receipts, name="receipts"),
    path("receipts/<str:number>/", views.receipt, name="receipt"),
    path("shipments/<str:number>/packing-slip/", views.packing_slip, name="packing_slip"),
    path("shipments/<str:number>/<str:action>/", views.shipment_action, name="shipment_action"),
    path("transfers/", views.transfers, name="transfers"),
    path("transfers/<str:number>/", views.transfer_order, name="transfer_order"),
    path("transfers/<str:number>/<str:action>/", views.transfer_action, name="transfer_action"),
    path("inventory/", views.inventory, name="inventory"),
    path("inventory/<int:balance_id>/", views.inventory_detail, name="inventory_detail"),
]
