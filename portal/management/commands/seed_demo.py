from django.core.management.base import BaseCommand, CommandError

from portal import demo


class Command(BaseCommand):
    help = "Load the demo organisation and one account per role (never in production)."

    def handle(self, *args: object, **options: object) -> None:
        try:
            counts = demo.seed_demo()
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        summary = ", ".join(f"{name}={value}" for name, value in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded ({summary})."))
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {demo.DEMO_PASSWORD}):")
        for account in demo.DEMO_ACCOUNTS:
            role = account.role.label if account.role else "Citizen"
            line = f"  {account.username:<14} {role!s:<20} {account.full_name}"
            if account.role:
                line += f"  (authenticator secret {account.totp_secret_base32})"
            self.stdout.write(line)
        self.stdout.write(
            "Staff log in with a one-time code: add the secret to an authenticator app, "
            "or run `python manage.py demo_otp <username>`."
        )
