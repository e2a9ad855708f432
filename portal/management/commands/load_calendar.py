from argparse import ArgumentParser

from django.core.management.base import BaseCommand, CommandError

from portal import calendar_schedule


class Command(BaseCommand):
    help = (
        "Load the official days off and make-up working days (portal/data/calendar/<year>.yaml) "
        "into the calendar overrides. Safe to run again; overrides edited in the admin are kept."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("years", nargs="*", type=int, help="years to load (default: all)")

    def handle(self, *args: object, **options: object) -> None:
        years = options["years"] or None
        try:
            result = calendar_schedule.calendar_schedule_load(years)  # type: ignore[arg-type]
        except calendar_schedule.ScheduleError as error:
            raise CommandError(str(error)) from error
        summary = ", ".join(f"{name}={value}" for name, value in result.as_dict().items())
        self.stdout.write(self.style.SUCCESS(f"Calendar schedule loaded ({summary})."))
        for day in result.kept_hand_edits:
            self.stdout.write(f"  {day:%d/%m/%Y}: edited in the admin, kept as it is")
        for day in result.unconfirmed:
            self.stdout.write(f"  {day:%d/%m/%Y}: legal basis not confirmed, not loaded")
