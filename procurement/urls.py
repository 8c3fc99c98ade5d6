from django.urls import path

from core.views import placeholder

app_name = "procurement"

urlpatterns = [
    path(
        "requisitions/",
        placeholder(
            title="Requisitions",
            permission="procurement.view_requisitionline",
            arrives_with="the Buy flow issue",
            purpose="Open requisition lines by supplier, with their sales orders: create POs.",
        ),
        name="requisitions",
    ),
    path(
        "purchase-orders/",
        placeholder(
            title="Purchase orders",
            permission="procurement.view_purchaseorder",
            arrives_with="the Buy flow issue",
            purpose="Purchase orders with the sales order behind each line.",
        ),
        name="purchase_orders",
    ),
    path(
        "approvals/",
        placeholder(
            title="Approvals",
            permission="procurement.approve_purchaseorder",
            arrives_with="the Buy flow issue",
            purpose="Purchase orders above the approval threshold waiting for you.",
        ),
        name="approvals",
    ),
]
