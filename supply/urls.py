from django.urls import path

from supply import views

app_name = "supply"

urlpatterns = [
    path("", views.supply_orders, name="supply_orders"),
    path("orders/", views.supply_order_list, name="supply_order_list"),
    path("orders/<str:number>/", views.supply_order, name="supply_order"),
    path("orders/<str:number>/retry/", views.retry, name="retry"),
    path("orders/<str:number>/source/", views.choose_source, name="choose_source"),
    path("orders/<str:number>/cancel/", views.cancel_supply, name="cancel_supply"),
    path("lines/<str:order_number>/<int:line_number>/", views.pegging, name="pegging"),
    path(
        "lines/<str:order_number>/<int:line_number>/source/",
        views.line_source,
        name="line_source",
    ),
]
