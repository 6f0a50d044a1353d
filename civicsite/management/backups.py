"""What ``backup_site`` and ``restore_site`` share: the folder's layout, privacy and tools.

A backup folder (``backups/<UTC time>/``, README "Roles, history and backups"):

- ``db.dump``: PostgreSQL's custom format from ``pg_dump`` (restored by ``pg_restore``), or
  ``db.sqlite3``: a copy made with SQLite's backup API (consistent while the site writes);
- ``media.tar.gz``: every uploaded file under MEDIA_ROOT;
- ``manifest.json``: engine, row counts per model, the sha256 of every media file and of each
  file in the folder, so a restore proves it loaded exactly what was saved.

With ``--encrypt-to`` the two data files are encrypted to age public keys (``.age`` added to
their names; pyrage, the Python binding of the age reference library) and only the holder of a
matching identity file can restore them; the manifest stays readable (counts and checksums).

Private by construction: the folder is created 0700 and every file 0600 (the process's umask is
077 while it writes, so pg_dump's and tar's files are born private too), because a backup holds
password hashes, readers' emails and IP addresses. Sessions and sign-in logs are left out of
every backup (live credentials and short-lived security logs): a restore signs everyone out.
"""

import contextlib
import hashlib
import os
import shutil
import stat
from pathlib import Path

from django.apps import apps
from django.core.management.base import CommandError

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
MEDIA_FILE = "media.tar.gz"
DATABASE_FILES = {"postgresql": "db.dump", "sqlite": "db.sqlite3"}
ENCRYPTED_SUFFIX = ".age"
# Rows never kept: sessions (a stolen backup must not sign anyone in) and django-axes' logs.
LEFT_OUT_APPS = {"sessions", "axes"}
FOLDER_MODE, FILE_MODE = 0o700, 0o600


@contextlib.contextmanager
def umask(mask):
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def private_files():
    """While inside, every file and folder this process (and its children) makes is private."""
    return umask(0o077)


def served_files():
    """While inside, files and folders are readable by the web server (restored media)."""
    return umask(0o022)


def make_private(folder):
    """0700 on the folder, 0600 on each file in it (belt and braces after the umask)."""
    folder.chmod(FOLDER_MODE)
    for path in folder.iterdir():
        path.chmod(FILE_MODE)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def media_files(root):
    """Every regular file under MEDIA_ROOT by its POSIX path relative to it (no temporaries)."""
    root = Path(root)
    if not root.is_dir():
        return {}
    return {
        path.relative_to(root).as_posix(): path
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink() and not path.name.startswith(".")
    }


def counted_models():
    """The models whose rows a backup keeps and counts."""
    return [
        model
        for model in apps.get_models()
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.app_label not in LEFT_OUT_APPS
    ]


def left_out_tables():
    return sorted(
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in LEFT_OUT_APPS and model._meta.managed
    )


def tool(name):
    """pg_dump, pg_restore: from PATH (Debian's postgresql-client), or a clear error."""
    found = shutil.which(name)
    if not found:
        raise CommandError(
            f"{name} is not installed: apt-get install postgresql-client (the same major "
            "version as the server, or newer)."
        )
    return found


def libpq_environment(settings_dict):
    """The connection as libpq variables: a password never appears on a command line."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PG") or key in {"PGSSLROOTCERT"}
    }
    options = settings_dict.get("OPTIONS", {})
    for variable, value in {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": options.get("sslmode"),
        "PGCONNECT_TIMEOUT": options.get("connect_timeout"),
    }.items():
        if value:
            env[variable] = str(value)
    return env


def is_private(path):
    mode = stat.S_IMODE(path.stat().st_mode)
    return mode & 0o077 == 0
