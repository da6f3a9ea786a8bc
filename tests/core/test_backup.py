"""`manage.py backup` and `manage.py restore` (core.backup): data and uploads come back in an EMPTY database.

The backup runs here on the test database; the restore runs as `manage.py restore` in another
process pointed at a new, empty database (a new SQLite file, or a new PostgreSQL database) and a
new var directory, as on a replacement server.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection

from core.models import Export
from tests.conftest import require_postgresql
from tests.core.test_celery_worker import database_url
from tests.orders.factories import make_order

ROOT = Path(__file__).resolve().parents[2]
TABLES = ["accounts_user", "customers_company", "orders_order", "orders_orderline", "core_export"]
UPLOAD = b"PK\x03\x04 a workbook that must survive the restore"


@pytest.fixture
def data(transactional_db, cast, settings, tmp_path):
    """Committed rows (the backup reads them from another connection) and one uploaded file."""
    settings.MEDIA_ROOT = tmp_path / "media"
    order = make_order(cast.sales1, cast.customer_of_assistant1)
    export = Export.objects.create(owner=cast.sales1, view_name="orders:export", title="Orders", status="done")
    export.file.save("backup-test.xlsx", ContentFile(UPLOAD))
    return order, export


def counts(cursor) -> dict:
    result = {}
    for table in TABLES:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - our table names
        result[table] = cursor.fetchone()[0]
    return result


def restore_in_new_process(folder: Path, database: str, var_dir: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "DATABASE_URL": database,
        "BACKDESK_VAR_DIR": str(var_dir),
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "restore", str(folder), "--noinput"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def backup(tmp_path: Path) -> Path:
    call_command("backup", dir=str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    assert folder.name.startswith("backdesk-")
    return folder


def test_sqlite_backup_restores_into_an_empty_database(data, tmp_path):
    if connection.vendor != "sqlite":  # CI runs the suite on PostgreSQL, then on SQLite: this runs in the second pass
        pytest.skip("SQLite only: runs in the SQLite pass of the suite")
    order, export = data
    with connection.cursor() as cursor:
        before = counts(cursor)
    folder = backup(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (manifest["engine"], manifest["database"], manifest["media_files"]) == ("sqlite", "db.sqlite3", 1)

    new = tmp_path / "restored" / "backdesk.sqlite3"
    restore_in_new_process(folder, f"sqlite:///{new}", tmp_path / "restored")
    restored = sqlite3.connect(new)
    try:
        assert counts(restored.cursor()) == before
        assert before["orders_order"] >= 1
        row = restored.execute("SELECT number, currency, status FROM orders_order WHERE id = ?", [order.pk]).fetchone()
        assert row == (order.number, order.currency, order.status)
        (name,) = restored.execute("SELECT file FROM core_export WHERE id = ?", [export.pk]).fetchone()
    finally:
        restored.close()
    assert name == export.file.name
    assert (tmp_path / "restored" / "media" / name).read_bytes() == UPLOAD


def pg_admin(url: str, sql: str) -> None:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        conn.cursor().execute(sql)
    finally:
        conn.close()


def test_postgresql_backup_restores_into_an_empty_database(data, tmp_path):
    require_postgresql()
    order, export = data
    with connection.cursor() as cursor:
        before = counts(cursor)
    folder = backup(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (manifest["engine"], manifest["database"], manifest["media_files"]) == ("postgresql", "db.dump", 1)

    source = database_url()
    name = f"restore_{uuid.uuid4().hex[:10]}"
    admin = source.rsplit("/", 1)[0] + "/postgres"
    pg_admin(admin, f'CREATE DATABASE "{name}"')  # empty: nothing migrated
    try:
        target = source.rsplit("/", 1)[0] + "/" + name
        restore_in_new_process(folder, target, tmp_path / "restored")
        conn = psycopg2.connect(target)
        try:
            cursor = conn.cursor()
            assert counts(cursor) == before
            cursor.execute("SELECT number, currency, status FROM orders_order WHERE id = %s", [order.pk])
            assert cursor.fetchone() == (order.number, order.currency, order.status)
            cursor.execute("SELECT file FROM core_export WHERE id = %s", [export.pk])
            (file_name,) = cursor.fetchone()
        finally:
            conn.close()
    finally:
        pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert file_name == export.file.name
    assert (tmp_path / "restored" / "media" / file_name).read_bytes() == UPLOAD


def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path, db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a Backdesk backup"):
        call_command("restore", str(tmp_path), interactive=False)
