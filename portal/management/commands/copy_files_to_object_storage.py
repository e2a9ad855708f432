"""Move to object storage: copy the local media and private files into the configured buckets."""

from django.core.management.base import BaseCommand, CommandError

from portal import backups
from portal.storage import ensure_buckets, object_storages


class Command(BaseCommand):
    help = (
        "Copy the files on the local disk into the buckets named by MEDIA_STORAGE_BUCKET and "
        "PRIVATE_STORAGE_BUCKET, each verified by SHA-256 (the local files are kept)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, copy nothing")

    def handle(self, *args, dry_run: bool, **options):
        if not object_storages():
            raise CommandError(
                "No bucket is configured (MEDIA_STORAGE_BUCKET, PRIVATE_STORAGE_BUCKET)."
            )
        if not dry_run:
            ensure_buckets()
        failed = 0
        for result in backups.copy_local_files_to_buckets(dry_run=dry_run):
            verb = "to copy" if dry_run else "copied and verified"
            self.stdout.write(
                f"{result.area}: {result.copied} {verb}, {result.already_there} already there"
            )
            for mismatch in result.mismatches:
                self.stderr.write(f"{mismatch.area}/{mismatch.name}: {mismatch.problem}")
            failed += len(result.mismatches)
        if failed:
            raise CommandError(f"{failed} files were not copied intact.")
