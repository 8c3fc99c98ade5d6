from django.urls import path

from procurement import views

app_name = "procurement"

urlpatterns = [
    path("requisitions/", views.requisitions, name="requisitions"),
    path("requisitions/<str:number>/", views.requisition, name="requisition"),
    path("requisitions/<str:number>/change/", views.requisition_change, name="requisition_change"),
    path("purchase-orders/", views.purchase_orders, name="purchase_orders"),
    path("purchase-orders/<str:number>/", views.purchase_order, name="purchase_order"),
    path("purchase-orders/<str:number>/document/", views.document, name="document"),
    path("purchase-orders/<str:number>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("purchase-orders/<str:number>/lines/change/", views.change_line, name="change_line"),
    path(
        "purchase-orders/<str:number>/<str:action>/",
        views.purchase_order_action,
        name="purchase_order_action",
    ),
    path("approvals/", views.approvals, name="approvals"),
]
