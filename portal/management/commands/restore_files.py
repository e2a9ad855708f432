"""Write the files of a backup folder into the configured storages and verify each."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal import backups


class Command(BaseCommand):
    help = "Restore media and private files from a backup folder, verified by SHA-256."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, type=Path)

    def handle(self, *args, source: Path, **options):
        if not (source / backups.MANIFEST).is_file():
            raise CommandError(f"{source} holds no {backups.MANIFEST}.")
        restored, mismatches = backups.restore_files(source=source)
        for mismatch in mismatches:
            self.stderr.write(f"{mismatch.area}/{mismatch.name}: {mismatch.problem}")
        if mismatches:
            raise CommandError(f"{len(mismatches)} files did not restore intact.")
        total = sum(len(entries) for entries in backups.read_manifest(source).values())
        self.stdout.write(f"{restored} files written, {total} verified by checksum.")
