"""Restore a backup made by ``backup_site``: ``manage.py restore_site backups/<timestamp>``.

Why this command exists: a backup is only as good as the restore that has been tried. This
one loads a backup folder into the database named by DATABASE_URL (SQLite or PostgreSQL,
whichever made the backup) and the MEDIA_ROOT of this environment, then proves the result:

1. checks the two archives against the manifest's sha256 before touching anything;
2. runs ``migrate`` (so an empty database gets its tables);
3. refuses to go on when the database already has content, unless ``--yes`` is given: the
   next step deletes everything in it;
4. ``flush``es the database, then ``loaddata`` the dump, in one transaction;
5. unpacks the media files into MEDIA_ROOT (files of the same name are replaced, other files
   are left alone), refusing any archive member that is not a plain file inside MEDIA_ROOT;
6. verifies the row count of every model and the sha256 of every media file against the
   manifest, and fails loudly on any difference.
"""

import json
import tarfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connection, transaction

from civicsite.management.commands.backup_site import (
    DB_FILE,
    MANIFEST,
    MEDIA_FILE,
    media_files,
    sha256_of,
)

# What editors and readers make. Migrate makes rows of its own elsewhere (content types,
# permissions, the role groups), so those do not make a database "have content".
CONTENT_APPS = {"candidates", "articles", "civicsite", "taggit"}
CONTENT_MODELS = {"auth.user"}


def content_rows():
    """Rows the newsroom made: articles, results, comments, tags, editors' accounts."""
    return sum(
        model._base_manager.using(DEFAULT_DB_ALIAS).count()
        for model in apps.get_models()
        if (model._meta.app_label in CONTENT_APPS or model._meta.label_lower in CONTENT_MODELS)
        and model._meta.managed
        and not model._meta.proxy
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

    def handle(self, *args, **options):
        folder = Path(options["backup"])
        manifest = self.read_manifest(folder)
        verbose = options["verbosity"] >= 1

        call_command("migrate", interactive=False, verbosity=0)
        existing = content_rows()
        if existing and not options["yes"]:
            raise CommandError(
                f"The database ({connection.settings_dict['NAME']}) already has "
                f"{existing:,} rows of content. Restoring deletes all of it; run again with "
                "--yes (make restore BACKUP=... YES=1) if that is what you want."
            )

        with transaction.atomic():
            call_command("flush", interactive=False, verbosity=0)
            call_command("loaddata", str(folder / DB_FILE), verbosity=0)
        media_root = Path(settings.MEDIA_ROOT)
        unpacked = self.unpack_media(folder / MEDIA_FILE, media_root)

        problems = self.verify(manifest, media_root)
        if problems:
            raise CommandError(
                "The restore does not match the backup:\n" + "\n".join(f"- {p}" for p in problems)
            )
        if verbose:
            rows = sum(manifest["counts"].values())
            self.stdout.write(
                f"Restored {rows:,} rows of {len(manifest['counts'])} models and {unpacked:,} "
                f"media files from {folder}; counts and checksums match the manifest."
            )

    def read_manifest(self, folder):
        try:
            manifest = json.loads((folder / MANIFEST).read_text())
        except FileNotFoundError:
            raise CommandError(f"{folder} has no {MANIFEST}: is it a backup folder?") from None
        except ValueError as error:
            raise CommandError(f"{folder / MANIFEST} is not valid JSON: {error}") from None
        for name, expected in manifest.get("files", {}).items():
            path = folder / name
            if not path.is_file():
                raise CommandError(f"{path} is missing; the backup is incomplete.")
            if sha256_of(path) != expected:
                raise CommandError(
                    f"{path} does not match its checksum in the manifest; the backup is "
                    "damaged. Nothing was changed."
                )
        if set(manifest.get("files", {})) != {DB_FILE, MEDIA_FILE}:
            raise CommandError(f"{folder / MANIFEST} does not list {DB_FILE} and {MEDIA_FILE}.")
        return manifest

    def unpack_media(self, archive_path, media_root):
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive_path, "r:gz") as archive:
            members = archive.getmembers()
            for member in members:
                if not member.isfile():
                    raise CommandError(f"{archive_path}: {member.name!r} is not a plain file.")
            # The "data" filter refuses absolute paths, "..", links out of the folder and
            # device files, so a crafted archive cannot write outside MEDIA_ROOT.
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
