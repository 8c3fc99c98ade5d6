"""A small API with the project's error handling, raising each error a service can raise."""

from django.urls import path
from ninja import NinjaAPI

from core.api import AUTH, DecimalParser, install_error_handlers
from core.exceptions import Conflict, InvalidTransition

api = NinjaAPI(auth=AUTH, parser=DecimalParser(), urls_namespace="error-api")
install_error_handlers(api)


@api.post("/transition")
def illegal_transition(request):
    raise InvalidTransition("Cannot approve purchase order PO-000001: it is CLOSED.")


@api.post("/duplicate")
def duplicate(request):
    raise Conflict("Order EXT-1 exists with other lines.")


@api.get("/crash")
def crash(request):
    raise RuntimeError("password=hunter2 in /srv/secret/path.py")


urlpatterns = [path("api/", api.urls)]
