"""Back up the site: ``manage.py backup_site`` (``make backup``).

Why this command exists: a newsroom's results, articles and readers' comments must survive a
lost disk or a bad migration (README, "Robustness", Faults: nothing the site said it saved may go
missing), and a backup holds password hashes, emails and IP addresses, so it must be private.
It writes one folder, ``backups/<UTC timestamp>/`` (civicsite/management/backups.py describes
it), that ``restore_site`` loads into the same engine:

- PostgreSQL: ``pg_dump --format=custom`` (restored with ``pg_restore`` in one transaction),
  from a snapshot exported by a REPEATABLE READ transaction in which the rows are counted, so
  the manifest's counts are exactly the dump's even while readers post comments;
- SQLite: a copy through SQLite's online backup API (``sqlite3.Connection.backup``), which
  is consistent while the site writes; the rows are counted in the copy;
- the media files in a tar.gz, each file's sha256 in the manifest.

The database engine's own tools, not ``dumpdata``: a 34 MB database took 61 s to restore
through JSON. ``--encrypt-to age1...`` (repeatable) encrypts the data files to those age
public keys (make one with ``age-keygen``, or pyrage); keep the identity file away from the
server.
"""

import datetime
import json
import sqlite3
import subprocess
import tarfile
import time
from pathlib import Path

import pyrage
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from civicsite.management.backups import (
    DATABASE_FILES,
    ENCRYPTED_SUFFIX,
    FORMAT_VERSION,
    LEFT_OUT_APPS,
    MANIFEST,
    MEDIA_FILE,
    counted_models,
    left_out_tables,
    libpq_environment,
    make_private,
    media_files,
    private_files,
    sha256_of,
    tool,
)


class Command(BaseCommand):
    help = "Back up the database (pg_dump or SQLite's backup API) and the media, privately."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output-dir",
            default=str(settings.BASE_DIR / "backups"),
            help="Where to create the <UTC timestamp> folder (default: backups/).",
        )
        parser.add_argument(
            "--encrypt-to",
            action="append",
            default=[],
            metavar="AGE_PUBLIC_KEY",
            help="Encrypt the database and media files to this age public key (age1...); "
            "give it more than once for several keys.",
        )

    def handle(self, *args, **options):
        recipients = [self.recipient(key) for key in options["encrypt_to"]]
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        with private_files():
            output = Path(options["output_dir"])
            output.mkdir(parents=True, exist_ok=True, mode=0o700)
            folder = output / stamp
            try:
                folder.mkdir(mode=0o700)
            except FileExistsError:
                message = f"{folder} exists already; wait a second and run again."
                raise CommandError(message) from None
            started = time.monotonic()
            database_file = folder / DATABASE_FILES[connection.vendor]
            if connection.vendor == "postgresql":
                counts = self.dump_postgresql(database_file)
            elif connection.vendor == "sqlite":
                counts = self.copy_sqlite(database_file)
            else:
                raise CommandError(f"No backup for the {connection.vendor} engine.")
            database_seconds = time.monotonic() - started

            files = media_files(settings.MEDIA_ROOT)
            media_path = folder / MEDIA_FILE
            with tarfile.open(media_path, "w:gz") as archive:
                for name, path in files.items():
                    archive.add(path, arcname=name, recursive=False)
            stored = [database_file, media_path]
            if recipients:
                stored = [self.encrypt(path, recipients) for path in stored]

            manifest = {
                "format": FORMAT_VERSION,
                "created_at": stamp,
                "database_vendor": connection.vendor,
                "database_file": stored[0].name,
                "media_file": stored[1].name,
                "encrypted_to": options["encrypt_to"],
                "left_out": sorted(LEFT_OUT_APPS),
                "files": {path.name: sha256_of(path) for path in stored},
                "counts": counts,
                "media": {name: sha256_of(path) for name, path in files.items()},
            }
            (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
            make_private(folder)

        if options["verbosity"] >= 1:
            rows = sum(counts.values())
            self.stdout.write(
                f"Backed up {rows:,} rows of {len(counts)} models ({connection.vendor}, "
                f"{database_seconds:.1f} s) and {len(files):,} media files to {folder}"
                + (f", encrypted to {len(recipients)} key(s)" if recipients else "")
            )
            self.stdout.write(f"Restore with: make restore BACKUP={folder}")

    def recipient(self, key):
        try:
            return pyrage.x25519.Recipient.from_str(key.strip())
        except pyrage.RecipientError as error:
            raise CommandError(f"{key!r} is not an age public key (age1...): {error}") from None

    def encrypt(self, path, recipients):
        encrypted = path.with_name(path.name + ENCRYPTED_SUFFIX)
        pyrage.encrypt_file(str(path), str(encrypted), recipients)
        path.unlink()
        return encrypted

    def dump_postgresql(self, target):
        """pg_dump from a snapshot the rows are counted in: counts and dump agree exactly."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            counts = {m._meta.label_lower: m._base_manager.count() for m in counted_models()}
            command = [
                tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={target}",
                *(f"--exclude-table-data={table}" for table in left_out_tables()),
            ]
            result = subprocess.run(
                command,
                env=libpq_environment(connection.settings_dict),
                capture_output=True,
                text=True,
                check=False,
            )
        if result.returncode != 0:
            raise CommandError(f"pg_dump failed:\n{result.stderr.strip()}")
        return dict(sorted(counts.items()))

    def copy_sqlite(self, target):
        """SQLite's online backup into the folder, then sessions and sign-in logs removed."""
        source = sqlite3.connect(f"file:{connection.settings_dict['NAME']}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal or -shm beside it
            existing = {row[0] for row in copy.execute("SELECT name FROM sqlite_master")}
            for table in left_out_tables():
                if table in existing:
                    copy.execute(f'DELETE FROM "{table}"')
            copy.commit()
            copy.execute("VACUUM")  # the deleted rows' bytes leave the file too
            counts = {
                model._meta.label_lower: copy.execute(
                    f'SELECT COUNT(*) FROM "{model._meta.db_table}"'
                ).fetchone()[0]
                for model in counted_models()
                if model._meta.db_table in existing
            }
        finally:
            copy.close()
            source.close()
        return dict(sorted(counts.items()))
