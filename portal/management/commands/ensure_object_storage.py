"""Create the configured buckets that do not exist yet (run before the portal starts)."""

from django.core.management.base import BaseCommand

from portal.storage import ensure_buckets, object_storages


class Command(BaseCommand):
    help = "Create the media and private buckets named in the settings, when missing."

    def handle(self, *args, **options):
        areas = object_storages()
        if not areas:
            self.stdout.write("Files are on the local disk: no bucket to create.")
            return
        created = ensure_buckets()
        for area, storage in areas.items():
            state = "created" if storage.bucket_name in created else "present"
            self.stdout.write(f"{area}: bucket {storage.bucket_name} {state}")
