"""Backups of the database and the uploaded files (``manage.py backup`` / ``manage.py restore``).

A backup is a folder ``backdesk-YYYYMMDD-HHMMSS`` under BACKUP_DIR (default var/backups) holding

- ``db.dump``: PostgreSQL, ``pg_dump -Fc`` (restored with ``pg_restore --clean --if-exists --no-owner``),
  or ``db.sqlite3``: SQLite, a consistent copy taken with sqlite3's online backup API (a plain
  copy of a live file can catch a write half done, and misses what is still in the -wal file);
- ``media.tar.gz``: MEDIA_ROOT (attachments, signed contracts, receipts, exports);
- ``manifest.json``: when, which engine, the sizes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connections
from django.utils import timezone

DB_DUMP = "db.dump"
DB_SQLITE = "db.sqlite3"
MEDIA = "media.tar.gz"
MANIFEST = "manifest.json"


def backup_root() -> Path:
    return Path(os.environ.get("BACKUP_DIR") or settings.VAR_DIR / "backups")


def _pg(alias: str = "default") -> tuple[list[str], dict]:
    """Connection arguments and environment for pg_dump / pg_restore."""
    s = connections[alias].settings_dict
    args = ["-h", s["HOST"] or "127.0.0.1", "-p", str(s["PORT"] or 5432), "-d", s["NAME"]]
    if s["USER"]:
        args += ["-U", s["USER"]]
    env = {**os.environ}
    if s["PASSWORD"]:
        env["PGPASSWORD"] = s["PASSWORD"]
    return args, env


def _tool(name: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run a PostgreSQL client tool (found on PATH; arguments are ours, never user input)."""
    path = shutil.which(name)
    if path is None:
        raise CommandError(f"{name} is not installed (apt install postgresql-client-<server version>)")
    return subprocess.run([path, *args], env=env, capture_output=True, text=True)  # noqa: S603


def _major(text: str) -> int:
    match = re.search(r"(\d+)(?:\.\d+)?", text)
    return int(match.group(1)) if match else 0


def check_pg_tool(tool: str, alias: str = "default") -> None:
    """pg_dump / pg_restore must be at least the server's major version (a dump of a newer server
    cannot be read by an older client); say so clearly instead of a cryptic failure."""
    client = _major(_tool(tool, "--version").stdout)
    connection = connections[alias]
    connection.ensure_connection()
    server = connection.pg_version // 10000
    if client < server:
        raise CommandError(
            f"{tool} is version {client} but the server is PostgreSQL {server}: install version {server}"
        )


def _sqlite_copy(source: str, target: str) -> None:
    """Copy one SQLite database into another with the online backup API (consistent, WAL included)."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def make_backup(root: Path | None = None, alias: str = "default") -> Path:
    root = root or backup_root()
    folder = root / f"backdesk-{timezone.localtime():%Y%m%d-%H%M%S}"
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = root / f"backdesk-{timezone.localtime():%Y%m%d-%H%M%S}-{suffix}"
    folder.mkdir(parents=True)
    connection = connections[alias]
    if connection.vendor == "postgresql":
        check_pg_tool("pg_dump", alias)
        args, env = _pg(alias)
        done = _tool("pg_dump", "-Fc", "-f", str(folder / DB_DUMP), *args, env=env)
        if done.returncode:
            raise CommandError(f"pg_dump failed: {done.stderr.strip()}")
        database = DB_DUMP
    elif connection.vendor == "sqlite":
        _sqlite_copy(str(connection.settings_dict["NAME"]), str(folder / DB_SQLITE))
        database = DB_SQLITE
    else:  # pragma: no cover - Backdesk runs on PostgreSQL or SQLite
        raise CommandError(f"no backup for {connection.vendor}")
    media_root = Path(settings.MEDIA_ROOT)
    files = 0
    with tarfile.open(folder / MEDIA, "w:gz") as archive:
        if media_root.exists():
            for path in sorted(media_root.rglob("*")):
                if path.is_file():
                    archive.add(path, arcname=str(path.relative_to(media_root)))
                    files += 1
    manifest = {
        "created_at": timezone.now().isoformat(),
        "engine": connection.vendor,
        "database": database,
        "database_bytes": (folder / database).stat().st_size,
        "media_files": files,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return folder


def restore_backup(folder: Path, alias: str = "default") -> dict:
    """Replace the database of ``alias`` and the files under MEDIA_ROOT by those of ``folder``."""
    folder = Path(folder)
    if not (folder / MANIFEST).exists():
        raise CommandError(f"{folder} is not a Backdesk backup (no {MANIFEST})")
    manifest = json.loads((folder / MANIFEST).read_text())
    connection = connections[alias]
    if manifest["engine"] != connection.vendor:
        raise CommandError(f"the backup is of {manifest['engine']} but the database is {connection.vendor}")
    if connection.vendor == "postgresql":
        check_pg_tool("pg_restore", alias)
        connection.close()
        args, env = _pg(alias)
        done = _tool(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            *args,
            str(folder / DB_DUMP),
            env=env,
        )
        if done.returncode:
            raise CommandError(f"pg_restore failed: {done.stderr.strip()}")
    else:
        target = str(connection.settings_dict["NAME"])
        connection.close()
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(str(folder / DB_SQLITE), target)
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / MEDIA, "r:gz") as archive:
        archive.extractall(media_root, filter="data")  # no absolute paths or .. escapes
    return manifest
