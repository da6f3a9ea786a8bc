from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core.backup import restore_backup


class Command(BaseCommand):
    help = "Replace the database and the uploaded files by a backup folder made by `manage.py backup`."

    def add_arguments(self, parser):
        parser.add_argument("backup", help="the backup folder (var/backups/backdesk-YYYYMMDD-HHMMSS)")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args, **options):
        folder = Path(options["backup"])
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder")
        name = connection.settings_dict["NAME"]
        if options["interactive"]:
            answer = input(f"Replace the database {name} and the uploaded files by {folder}? Type 'yes': ")
            if answer != "yes":
                raise CommandError("Restore cancelled.")
        manifest = restore_backup(folder)
        self.stdout.write(f"restored {folder} ({manifest['engine']}, {manifest['media_files']} files) into {name}")
