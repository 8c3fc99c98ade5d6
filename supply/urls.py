from django.urls import path

from core.views import placeholder

app_name = "supply"

urlpatterns = [
    path(
        "",
        placeholder(
            title="Supply orders",
            permission="supply.view_supplyorder",
            arrives_with="the supply orchestration issue",
            purpose="Supply orders and exceptions: retry, alternative source, re-promise.",
        ),
        name="supply_orders",
    ),
]
