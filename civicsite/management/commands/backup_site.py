"""Back up the site: ``manage.py backup_site`` (``make backup``).

Why this command exists: a newsroom's results, articles and readers' comments must survive a
lost disk or a bad migration (README, "Robustness", Faults: nothing the site said it saved may go
missing). It writes one folder, ``backups/<UTC timestamp>/``, that ``restore_site`` (``make
restore BACKUP=...``) loads into an empty or replaced database on either database engine:

- ``db.json.gz``: every row, from ``dumpdata --natural-foreign --natural-primary`` (so it loads
  into a database whose content types and permissions were numbered differently), leaving out
  what the site rebuilds or should not keep: content types and permissions (migrate makes
  them), sessions, and django-axes' sign-in logs (taggit's tagged items keep their primary
  keys: see KEEP_PRIMARY_KEYS);
- ``media.tar.gz``: every uploaded file under MEDIA_ROOT (photos, figures, renditions);
- ``manifest.json``: when, from which engine, the row count of every model in the dump, the
  sha256 of every media file, and the sha256 of the two archives, so a restore can prove it
  loaded exactly what was saved.

The counts come from the dump itself, not from a second query, so they match the rows in the
file even while readers are posting comments.
"""

import datetime
import gzip
import hashlib
import io
import json
import tarfile
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

# Rebuilt by migrate (content types, permissions) or not worth keeping (sessions, sign-in logs).
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "axes"]
# Models whose natural key is not unique, so their rows keep their primary keys: taggit's
# TaggedItem says its natural key is object_id alone, and with --natural-primary every tag of
# an article but one would overwrite the others on load.
KEEP_PRIMARY_KEYS = ["taggit.taggeditem"]
DB_FILE = "db.json.gz"
MEDIA_FILE = "media.tar.gz"
MANIFEST = "manifest.json"
FORMAT_VERSION = 1


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def media_files(root):
    """Every regular file under MEDIA_ROOT, by its path relative to it (POSIX form)."""
    root = Path(root)
    if not root.is_dir():
        return {}
    return {
        path.relative_to(root).as_posix(): path
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def counts_in_dump(path):
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return dict(sorted(Counter(row["model"] for row in json.load(handle)).items()))


class Command(BaseCommand):
    help = "Back up the database (dumpdata, gzip), the media files (tar.gz) and a manifest."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output-dir",
            default=str(settings.BASE_DIR / "backups"),
            help="Where to create the <UTC timestamp> folder (default: backups/).",
        )

    def dump(self, *labels, natural_primary, exclude=()):
        """dumpdata's rows (natural foreign keys always): a list of dicts."""
        out = io.StringIO()
        call_command(
            "dumpdata",
            *labels,
            natural_foreign=True,
            natural_primary=natural_primary,
            exclude=list(exclude),
            stdout=out,
            verbosity=0,
        )
        return json.loads(out.getvalue() or "[]")

    def handle(self, *args, **options):
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        folder = Path(options["output_dir"]) / stamp
        try:
            folder.mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            raise CommandError(f"{folder} exists already; wait a second and run again.") from None

        db_path = folder / DB_FILE
        rows = self.dump(natural_primary=True, exclude=EXCLUDED + KEEP_PRIMARY_KEYS)
        rows += self.dump(*KEEP_PRIMARY_KEYS, natural_primary=False)
        with gzip.open(db_path, "wt", encoding="utf-8") as handle:
            json.dump(rows, handle, indent=1)
        counts = counts_in_dump(db_path)

        media_root = Path(settings.MEDIA_ROOT)
        files = media_files(media_root)
        media_path = folder / MEDIA_FILE
        with tarfile.open(media_path, "w:gz") as archive:
            for name, path in files.items():
                archive.add(path, arcname=name, recursive=False)

        manifest = {
            "format": FORMAT_VERSION,
            "created_at": stamp,
            "database_vendor": connection.vendor,
            "excluded": EXCLUDED,
            "files": {DB_FILE: sha256_of(db_path), MEDIA_FILE: sha256_of(media_path)},
            "counts": counts,
            "media": {name: sha256_of(path) for name, path in files.items()},
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")

        if options["verbosity"] >= 1:
            rows = sum(counts.values())
            self.stdout.write(
                f"Backed up {rows:,} rows of {len(counts)} models and {len(files):,} media "
                f"files to {folder}"
            )
            self.stdout.write(f"Restore with: make restore BACKUP={folder}")
        return None
