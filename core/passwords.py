"""Password reset by email, through the transactional outbox.

The request only writes one outbox message with the address typed in, whether or not a user
has it: the answer takes the same work and the same time for a known and an unknown address
(no way to learn who has an account), and a mail server that is down delays the email instead
of losing it. The relay then looks the address up and emails each active user of it a one-use
link. The link starts with SITE_URL, never with the Host header of the request (a forged Host
would otherwise send the user's token to another site); without SITE_URL (development) it
starts with the address the request came to, which ALLOWED_HOSTS has checked.
"""

import uuid

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.outbox import outbox_handler, outbox_write

PASSWORD_RESET_TOPIC = "core.password_reset_email"


def site_base(request=None) -> str:
    """The start of links in emails: SITE_URL, else the address the request came to."""
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/")
    return request.build_absolute_uri("/").rstrip("/") if request is not None else ""


class OutboxPasswordResetForm(PasswordResetForm):
    def save(self, *, request=None, **kwargs):
        """Owe the email (Django's form would look the users up and send it right here)."""
        with transaction.atomic():
            outbox_write(
                topic=PASSWORD_RESET_TOPIC,
                key=f"password-reset:{uuid.uuid4().hex}",
                payload={"email": self.cleaned_data["email"], "site": site_base(request)},
            )


@outbox_handler(PASSWORD_RESET_TOPIC)
def password_reset_email_send(payload: dict) -> str | None:
    """Email a reset link to each active user of the address (none: nothing is sent)."""
    users = list(PasswordResetForm().get_users(payload["email"]))
    if not users:
        return "no active user with a password has this address"
    for user in users:
        path = reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        body = render_to_string(
            "registration/password_reset_email.txt",
            {
                "user": user,
                "link": f"{payload['site']}{path}",
                "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
            },
        )
        EmailMessage(
            subject="B2B Portal: reset your password",
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        ).send()
    return None
