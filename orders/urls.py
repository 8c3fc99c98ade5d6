from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("new/", views.new, name="new"),
    path("new/preview/", views.preview, name="preview"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/edit/", views.edit, name="edit"),
    path("<str:number>/submit/", views.submit, name="submit"),
    path("<str:number>/cancel/", views.cancel_order, name="cancel_order"),
    path("<str:number>/lines/<int:line_number>/change/", views.change_line, name="change_line"),
    path("<str:number>/lines/<int:line_number>/cancel/", views.cancel_line, name="cancel_line"),
]
