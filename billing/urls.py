from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [path("invoices/<str:number>/", views.invoice, name="invoice")]
