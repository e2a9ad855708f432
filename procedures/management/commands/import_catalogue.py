from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from procedures.catalogue_io import CatalogueImportError, catalogue_import, catalogue_read_json


class Command(BaseCommand):
    help = (
        "Import sectors and procedures from a catalogue JSON file, all or nothing, and publish "
        "them. Importing the same file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The catalogue JSON file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report; save nothing."
        )

    def handle(self, *args: object, **options: object) -> None:
        path = Path(str(options["file"]))
        try:
            with path.open("rb") as handle:
                data = catalogue_read_json(handle)
            report = catalogue_import(data=data, actor=None, dry_run=bool(options["dry_run"]))
        except OSError as error:
            raise CommandError(str(error)) from error
        except CatalogueImportError as error:
            raise CommandError(
                f"Nothing was imported; {len(error.errors)} problem(s):\n{error}"
            ) from error
        self.stdout.write(self.style.SUCCESS(report.summary()))
