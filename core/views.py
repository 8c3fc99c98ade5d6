from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import error_body, is_api_request
from core.forms import ApiTokenForm
from core.health import check_broker, check_database, last_worker_heartbeat
from core.models import ApiToken, Notification, NotificationPreference
from core.roles import roles_of
from core.services import api_token_create, api_token_revoke


def home(request):
    """Send a signed-in user to the worklist of their first role."""
    roles = roles_of(request.user)
    if roles:
        return redirect(roles[0].home)
    if request.user.is_staff:
        return redirect("admin:index")
    return render(request, "core/no_role.html")


@login_not_required
@require_GET
@never_cache
def healthz(request):
    """200 when the database and the broker answer, else 503 (for load balancers). With
    `?strict=1` (for monitors) also 503 when no worker has run the heartbeat lately."""
    report = {"database": check_database(), "broker": check_broker()}
    healthy = all(value == "ok" for value in report.values())
    # The heartbeat is read from the database: without it, say so rather than fail.
    report.update(
        last_worker_heartbeat()
        if report["database"] == "ok"
        else {"worker": "unknown", "worker_seen_seconds_ago": None}
    )
    if request.GET.get("strict") in ("1", "true", "yes") and report["worker"] != "ok":
        healthy = False
    return JsonResponse(report, status=200 if healthy else 503)


def profile(request):
    """The user's own page: their roles and their personal API tokens."""
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request,
        "core/profile.html",
        {"tokens": tokens, "form": ApiTokenForm(), **_email_context(request.user)},
    )


def _email_context(user) -> dict:
    preference = NotificationPreference.objects.filter(user=user).first()
    off = set(preference.email_off) if preference else set()
    return {"email_kinds": [(k, label, k not in off) for k, label in Notification.Kind.choices]}


@require_POST
def email_preferences(request):
    """Which notifications the user also gets by email (all by default)."""
    wanted = set(request.POST.getlist("email"))
    off = [kind for kind in Notification.Kind.values if kind not in wanted]
    NotificationPreference.objects.update_or_create(user=request.user, defaults={"email_off": off})
    messages.success(request, "Email choices saved.")
    return redirect("profile")


@require_GET
def notifications(request):
    """The user's notifications, newest first (100), unread ones marked."""
    rows = list(Notification.objects.filter(user=request.user)[:100])
    return render(request, "core/notifications.html", {"rows": rows})


@require_POST
def notifications_read(request):
    """Mark one notification (`id`) or all of them read; then go to its document, or back."""
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True)
    one = request.POST.get("id", "")
    if one.isdigit():
        notification = get_object_or_404(Notification, pk=int(one), user=request.user)
        unread.filter(pk=notification.pk).update(read_at=timezone.now())
        if notification.url.startswith("/"):
            return redirect(notification.url)
    else:
        unread.update(read_at=timezone.now())
    return redirect("notifications")


@require_POST
def api_token_new(request):
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        tokens = ApiToken.objects.filter(user=request.user)
        return render(
            request,
            "core/profile.html",
            {"tokens": tokens, "form": form, **_email_context(request.user)},
            status=422,
        )
    token, key = api_token_create(
        user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
    )
    tokens = ApiToken.objects.filter(user=request.user)
    response = render(
        request,
        "core/profile.html",
        {
            "tokens": tokens,
            "form": ApiTokenForm(),
            "new_key": key,
            "new_token": token,
            **_email_context(request.user),
        },
    )
    add_never_cache_headers(response)  # the key is on this page: no cache may keep it
    return response


@require_POST
def api_token_revoke_view(request, token_id: int):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    api_token_revoke(token=token)
    messages.success(request, f"Token “{token.name}” revoked: requests with it are now refused.")
    return redirect("profile")


def placeholder(*, title: str, permission: str, arrives_with: str, purpose: str):
    """A worklist whose screens a later issue builds: permission-checked, never a dead end."""

    @permission_required(permission, raise_exception=True)
    def view(request):
        return render(
            request,
            "core/placeholder.html",
            {"title": title, "arrives_with": arrives_with, "purpose": purpose},
        )

    view.__name__ = f"placeholder_{title.lower().replace(' ', '_')}"
    return view


def permission_denied(request, exception=None):
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request, exception=None):
    """The 404 page says what to do next (worklist, order search); an address under the API
    answers in the API's error shape. Also answers under DEBUG (core.middleware)."""
    if is_api_request(request):
        return JsonResponse(
            error_body("Not found: no API operation at this address.", "not_found"), status=404
        )
    return render(request, "404.html", status=404)
