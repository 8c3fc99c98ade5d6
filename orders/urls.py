from django.urls import path

from core.views import placeholder

app_name = "orders"

urlpatterns = [
    path(
        "",
        placeholder(
            title="Sales orders",
            permission="orders.view_salesorder",
            arrives_with="the order entry issue",
            purpose="Enter, submit and track sales orders: lines, promises, pegging, timeline.",
        ),
        name="worklist",
    ),
]
