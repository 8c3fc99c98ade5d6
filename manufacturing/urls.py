from django.urls import path

from manufacturing import views

app_name = "manufacturing"

urlpatterns = [
    path("work-orders/", views.work_orders, name="work_orders"),
    path("work-orders/<str:number>/", views.work_order, name="work_order"),
    path("work-orders/<str:number>/pick-list/", views.pick_list, name="pick_list"),
    path(
        "work-orders/<str:number>/<str:action>/",
        views.work_order_action,
        name="work_order_action",
    ),
]
