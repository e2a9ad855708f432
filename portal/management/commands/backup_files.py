"""Copy every public and private file into a folder with a checksum manifest (backups)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal import backups


class Command(BaseCommand):
    help = "Copy every media and private file into a folder, with a SHA-256 manifest."

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, type=Path, help="an empty folder")

    def handle(self, *args, to: Path, **options):
        if to.exists() and any(to.iterdir()):
            raise CommandError(f"{to} is not empty.")
        to.mkdir(parents=True, exist_ok=True)
        manifest = backups.backup_files(to=to)
        for area, entries in manifest.items():
            size = sum(int(entry["size"]) for entry in entries.values())
            self.stdout.write(f"{area}: {len(entries)} files, {size} bytes")
