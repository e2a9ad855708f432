"""Print a session cookie of a staff account, verified with its authenticator — bench only.

    python manage.py bench_session motcua   →   sessionid=...

bench/run.py sends it with the requests of staff pages (their `cookie_command`), so the
benchmark measures the page a logged-in officer gets, through the whole middleware stack.
Never in production: it skips the password and the one-time code.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import User

BACKEND = "portal.auth_backends.IdentifierBackend"


class Command(BaseCommand):
    help = "Print a logged-in, OTP-verified session cookie for a staff account (bench only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: object, username: str, **options: object) -> None:
        if settings.PRODUCTION:
            raise CommandError("bench_session bypasses log-in: never in production.")
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active account {username!r} (run seed_demo).")
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            raise CommandError(f"{username!r} has no authenticator.")
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = BACKEND
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store.save()
        self.stdout.write(f"{settings.SESSION_COOKIE_NAME}={store.session_key}")
