from django.core.management.base import BaseCommand

from core.backup import backup_root, make_backup


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into a timestamped folder under BACKUP_DIR (var/backups)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="where to put the backup folder (default: BACKUP_DIR or var/backups)")

    def handle(self, *args, **options):
        from pathlib import Path

        folder = make_backup(Path(options["dir"]) if options.get("dir") else backup_root())
        self.stdout.write(str(folder))
