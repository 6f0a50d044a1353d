"""Restore a backup made by ``backup_site``: ``manage.py restore_site backups/<timestamp>``.

Why this command exists: a backup is only as good as the restore that has been tried. This
one loads a backup folder into the database named by DATABASE_URL (the engine that made it)
and the MEDIA_ROOT of this environment, then proves the result:

1. checks every file against the manifest's sha256 before touching anything, and decrypts an
   encrypted backup (``--identity`` names the age identity file) into a private folder;
2. refuses to go on when the database already has content, unless ``--yes`` is given: the
   next step replaces everything in it;
3. PostgreSQL: checks that ``pg_restore`` can read the archive, empties the ``public`` schema
   and runs ``pg_restore`` in one transaction (it loads all or nothing); SQLite: copies the
   backup over the database file with SQLite's backup API;
4. runs ``migrate``, so a backup made by an older version of the site gets the newer schema;
5. unpacks the media files into MEDIA_ROOT (files of the same name are replaced, other files
   are left alone), refusing any archive member that is not a plain file inside MEDIA_ROOT;
6. verifies the row count of every model and the sha256 of every media file against the
   manifest, and fails loudly on any difference.

It prints how long the database and the media took.
"""

import json
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

import pyrage
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connection, connections

from civicsite.management.backups import (
    ENCRYPTED_SUFFIX,
    FORMAT_VERSION,
    MANIFEST,
    libpq_environment,
    media_files,
    private_files,
    served_files,
    sha256_of,
    tool,
)

# What editors and readers make. Migrate makes rows of its own elsewhere (content types,
# permissions, the role groups), so those do not make a database "have content".
CONTENT_APPS = {"candidates", "articles", "civicsite", "taggit"}
CONTENT_MODELS = {"auth.user"}


def content_rows():
    """Rows the newsroom made: articles, results, comments, tags, editors' accounts."""
    tables = set(connection.introspection.table_names())
    return sum(
        model._base_manager.using(DEFAULT_DB_ALIAS).count()
        for model in apps.get_models()
        if (model._meta.app_label in CONTENT_APPS or model._meta.label_lower in CONTENT_MODELS)
        and model._meta.managed
        and not model._meta.proxy
        and model._meta.db_table in tables
    )


class Command(BaseCommand):
    help = "Restore a backup folder made by backup_site, then verify counts and checksums."

    def add_arguments(self, parser):
        parser.add_argument("backup", help="The backup folder, e.g. backups/20261123T070102Z")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Replace the content of a database that is not empty.",
        )
        parser.add_argument(
            "--identity",
            help="The age identity file (AGE-SECRET-KEY-...) of an encrypted backup.",
        )

    def handle(self, *args, **options):
        folder = Path(options["backup"])
        manifest = self.read_manifest(folder)
        if manifest["database_vendor"] != connection.vendor:
            raise CommandError(
                f"This backup is of a {manifest['database_vendor']} database and DATABASE_URL "
                f"names a {connection.vendor} one: restore it into {manifest['database_vendor']}."
            )
        existing = content_rows()
        if existing and not options["yes"]:
            raise CommandError(
                f"The database ({connection.settings_dict['NAME']}) already has "
                f"{existing:,} rows of content. Restoring deletes all of it; run again with "
                "--yes (make restore BACKUP=... YES=1) if that is what you want."
            )
        with private_files(), tempfile.TemporaryDirectory(prefix="restore-") as scratch:
            database_file, media_file = self.readable_files(folder, manifest, options, scratch)
            started = time.monotonic()
            if connection.vendor == "postgresql":
                self.restore_postgresql(database_file)
            else:
                self.restore_sqlite(database_file)
            call_command("migrate", interactive=False, verbosity=0)
            database_seconds = time.monotonic() - started
            started = time.monotonic()
            media_root = Path(settings.MEDIA_ROOT)
            unpacked = self.unpack_media(media_file, media_root)
            media_seconds = time.monotonic() - started

        problems = self.verify(manifest, media_root)
        if problems:
            raise CommandError(
                "The restore does not match the backup:\n" + "\n".join(f"- {p}" for p in problems)
            )
        if options["verbosity"] >= 1:
            rows = sum(manifest["counts"].values())
            self.stdout.write(
                f"Restored {rows:,} rows of {len(manifest['counts'])} models "
                f"({database_seconds:.1f} s) and {unpacked:,} media files ({media_seconds:.1f} s) "
                f"from {folder}; counts and checksums match the manifest."
            )

    def read_manifest(self, folder):
        try:
            manifest = json.loads((folder / MANIFEST).read_text())
        except FileNotFoundError:
            raise CommandError(f"{folder} has no {MANIFEST}: is it a backup folder?") from None
        except ValueError as error:
            raise CommandError(f"{folder / MANIFEST} is not valid JSON: {error}") from None
        if manifest.get("format") != FORMAT_VERSION:
            raise CommandError(
                f"{folder} is a backup of format {manifest.get('format')}; this version of the "
                f"site restores format {FORMAT_VERSION} (made by its own backup_site)."
            )
        expected = {manifest["database_file"], manifest["media_file"]}
        if set(manifest["files"]) != expected:
            raise CommandError(f"{folder / MANIFEST} does not list {', '.join(sorted(expected))}.")
        for name, checksum in manifest["files"].items():
            path = folder / name
            if not path.is_file():
                raise CommandError(f"{path} is missing; the backup is incomplete.")
            if sha256_of(path) != checksum:
                raise CommandError(
                    f"{path} does not match its checksum in the manifest; the backup is "
                    "damaged. Nothing was changed."
                )
        return manifest

    def readable_files(self, folder, manifest, options, scratch):
        """The database and media files, decrypted into ``scratch`` when they are encrypted."""
        paths = [folder / manifest["database_file"], folder / manifest["media_file"]]
        if not manifest["encrypted_to"]:
            return paths
        if not options["identity"]:
            raise CommandError(
                "This backup is encrypted: give the age identity file with --identity."
            )
        try:
            identities = [
                pyrage.x25519.Identity.from_str(line.strip())
                for line in Path(options["identity"]).read_text().splitlines()
                if line.startswith("AGE-SECRET-KEY-")
            ]
        except (OSError, pyrage.IdentityError) as error:
            raise CommandError(f"Cannot read the identity file: {error}") from None
        decrypted = []
        for path in paths:
            target = Path(scratch) / path.name.removesuffix(ENCRYPTED_SUFFIX)
            try:
                pyrage.decrypt_file(str(path), str(target), identities)
            except pyrage.DecryptError as error:
                raise CommandError(f"Cannot decrypt {path.name}: {error}") from None
            decrypted.append(target)
        return decrypted

    def restore_postgresql(self, dump):
        env = libpq_environment(connection.settings_dict)
        readable = subprocess.run(
            [tool("pg_restore"), "--list", str(dump)], env=env, capture_output=True, text=True
        )
        if readable.returncode != 0:
            raise CommandError(f"pg_restore cannot read {dump.name}: {readable.stderr.strip()}")
        with connection.cursor() as cursor:
            # Tables a newer migration made would otherwise stay, unknown to the restored
            # django_migrations. The owner of the database owns "public" (PostgreSQL 15).
            cursor.execute("DROP SCHEMA IF EXISTS public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        connections.close_all()
        result = subprocess.run(
            [tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction"]
            + ["--exit-on-error", f"--dbname={connection.settings_dict['NAME']}", str(dump)],
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise CommandError(f"pg_restore failed:\n{result.stderr.strip()}")

    def restore_sqlite(self, copy):
        connections.close_all()
        source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        target = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            source.backup(target)  # page by page, under the target's lock
        finally:
            target.close()
            source.close()

    def unpack_media(self, archive_path, media_root):
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive_path, "r:gz") as archive:
            members = archive.getmembers()
            for member in members:
                if not member.isfile():
                    raise CommandError(f"{archive_path.name}: {member.name!r} is not a plain file.")
            # The "data" filter refuses absolute paths, "..", links out of the folder and
            # device files, so a crafted archive cannot write outside MEDIA_ROOT. Files are
            # written with the site's usual modes (0644), not the backup's 0600.
            with served_files():
                archive.extractall(media_root, members=members, filter="data")
        return len(members)

    def verify(self, manifest, media_root):
        problems = []
        for label, expected in manifest["counts"].items():
            try:
                model = apps.get_model(label)
            except LookupError:
                problems.append(f"{label}: in the backup, but this site has no such model")
                continue
            found = model._base_manager.count()
            if found != expected:
                problems.append(f"{label}: {found:,} rows, the backup has {expected:,}")
        files = media_files(media_root)
        for name, expected in manifest["media"].items():
            if name not in files:
                problems.append(f"media {name}: missing")
            elif sha256_of(files[name]) != expected:
                problems.append(f"media {name}: checksum differs")
        return problems
