from django.urls import path

from core.views import placeholder

app_name = "manufacturing"

urlpatterns = [
    path(
        "work-orders/",
        placeholder(
            title="Work orders",
            permission="manufacturing.view_workorder",
            arrives_with="the Make flow issue",
            purpose="Release work orders, issue materials and report completion.",
        ),
        name="work_orders",
    ),
]
