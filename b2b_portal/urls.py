from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from b2b_portal.api import api
from core import views as core_views
from core.passwords import OutboxPasswordResetForm

handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.outage.server_error"  # 503 when the database cannot be reached


def _api_urls():
    """The API authenticates each request itself (token, Basic or session) and answers 401 in
    JSON, so the login-redirect middleware must leave its views alone."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback.login_required = False
    return patterns, app_name, namespace


urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico where a response links no icon (API answers, PDFs).
    path(
        "favicon.ico",
        login_not_required(RedirectView.as_view(url=lazy(static, str)("core/favicon.svg"))),
        name="favicon",
    ),
    # The reset email goes through the outbox, its link built from SITE_URL (core/passwords.py).
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=OutboxPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("profile/", core_views.profile, name="profile"),
    path("profile/email/", core_views.email_preferences, name="email_preferences"),
    path("notifications/", core_views.notifications, name="notifications"),
    path("notifications/read/", core_views.notifications_read, name="notifications_read"),
    path("profile/tokens/", core_views.api_token_new, name="api_token_new"),
    path(
        "profile/tokens/<int:token_id>/revoke/",
        core_views.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path("dashboard/", include("dashboard.urls")),
    path("orders/", include("orders.urls")),
    path("supply/", include("supply.urls")),
    path("procurement/", include("procurement.urls")),
    path("warehouse/", include("warehouse.urls")),
    path("manufacturing/", include("manufacturing.urls")),
    path("billing/", include("billing.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", _api_urls()),
]
