import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from catalog.models import Organization
from core.roles import ROLES_BY_NAME


class Command(BaseCommand):
    help = "Import the demo data file into an empty database, then print the URL and demo users."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, file: Path, url: str, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo_setup creates users with published passwords: it runs only with DEBUG=1 "
                "(make run). Import your own users with import_master_data."
            )
        empty = not Organization.objects.exists() and not get_user_model().objects.exists()
        if empty:
            self.stdout.write(f"Empty database: importing {file}")
            call_command("import_master_data", str(file), stdout=self.stdout, stderr=self.stderr)
        else:
            self.stdout.write("Database has data: demo import skipped.")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"B2B Portal: {url}"))
        if empty:
            # The passwords are printed only by the run that created these users: a database
            # that had data keeps whatever passwords its users have now.
            self.stdout.write("Demo users (user / password → role):")
            for user in json.loads(file.read_text()).get("users", []):
                roles = [ROLES_BY_NAME[r].label for r in user.get("roles", [])]
                if user.get("is_superuser"):
                    roles.append("administrator (Django admin)")
                self.stdout.write(
                    f"  {user['username']:<13} {user['password']:<24} {', '.join(roles)}"
                )
        else:
            self.stdout.write("Sign in with this database's users (passwords are not printed).")
        self.stdout.write(
            "API docs: " + url.rstrip("/") + "/api/v1/docs   Health: " + url + "healthz"
        )
        self.stdout.write("")
