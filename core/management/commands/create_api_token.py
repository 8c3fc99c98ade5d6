from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.exceptions import BusinessRuleError
from core.services import TOKEN_MAX_DAYS, api_token_create


class Command(BaseCommand):
    help = "Issue a personal API token for USER and print it once (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="Command-line token", help="What uses the token.")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Valid for this many days, 1 to {TOKEN_MAX_DAYS} (default: until revoked).",
        )

    def handle(self, *args, username: str, name: str, days: int | None, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user “{username}”.")
        try:
            token, key = api_token_create(user=user, name=name, days=days)
        except BusinessRuleError as refused:
            raise CommandError(refused.message) from None
        self.stderr.write(f"Token “{token.name}” for {username}; it is shown only this once:")
        self.stdout.write(key)
