import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from procedures.catalogue_io import catalogue_export, catalogue_export_csv


class Command(BaseCommand):
    help = "Export every procedure as catalogue JSON (re-importable) or as CSV for spreadsheets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument(
            "--output", type=Path, help="Write to this file instead of standard output."
        )

    def handle(self, *args: object, **options: object) -> None:
        output = options["output"]
        handle = (
            output.open("w", encoding="utf-8", newline="")
            if isinstance(output, Path)
            else self.stdout
        )
        try:
            if options["format"] == "csv":
                catalogue_export_csv(None, handle)
            else:
                handle.write(json.dumps(catalogue_export(), ensure_ascii=False, indent=2) + "\n")
        finally:
            if handle is not self.stdout:
                handle.close()
        if isinstance(output, Path):
            self.stderr.write(f"Catalogue written to {output}.")
