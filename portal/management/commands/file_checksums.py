"""Print the size and SHA-256 of every media and private file as JSON (restore checks)."""

import json

from django.core.management.base import BaseCommand

from portal import backups


class Command(BaseCommand):
    help = "Size and SHA-256 of every media and private file, as JSON."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(backups.verify_files(), indent=1, sort_keys=True))
