"""Backups: private files, the engine's own tools, and a round trip compared row by row.

The holes (issue 19): backups were world-readable (0644) with password hashes, emails and IP
addresses inside, and a 34 MB database took 61 s to restore through JSON.

Real processes (manage.py in subprocesses) on the engine of this test run: SQLite files copied
from the migrated test database with SQLite's backup API, or PostgreSQL databases made from it
(CREATE DATABASE ... TEMPLATE), so nothing is migrated again. Source A gets results, an article
with tags, a figure with its renditions, a comment with its IP address, an editor and a
session; it is backed up with backup_site and restored into the empty B with restore_site.
Both are then described by the same snippet (counts per model, every VoteCount, articles'
body_html, tags, comments, users with their password hashes, group permissions, media
checksums) and the descriptions compared.
"""

import json
import shutil
import sqlite3
import stat
import urllib.parse

import psycopg
import pyrage
import pytest
from django.db import connection, connections

from tests.civicsite.test_settings import run_manage

pytestmark = pytest.mark.django_db  # the test database is set up for marked tests only

DESCRIBE = """
import hashlib, json, pathlib
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.sessions.models import Session
from articles.models import Article, Comment
from candidates.models import VoteCount

labels = {"auth.user", "auth.group"}
apps_ = {"candidates", "articles", "civicsite", "taggit"}
counts = {
    m._meta.label_lower: m._base_manager.count()
    for m in apps.get_models()
    if m._meta.app_label in apps_ or m._meta.label_lower in labels
}
votes = sorted(
    [vc.candidacy.race.election.slug, vc.candidacy.race.slug, vc.candidacy.candidate.slug,
     vc.unit.name, vc.votes]
    for vc in VoteCount.objects.select_related(
        "candidacy__race__election", "candidacy__candidate", "unit")
)
root = pathlib.Path(settings.MEDIA_ROOT)
media = {
    p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
    for p in sorted(root.rglob("*")) if p.is_file()
}
print(json.dumps({
    "counts": counts,
    "votes": votes,
    "body_html": {a.slug: a.body_html for a in Article.objects.all()},
    "tags": {a.slug: sorted(a.tags.names()) for a in Article.objects.all()},
    "comments": sorted([c.article.slug, c.email, c.text, c.status, c.ip_address]
                       for c in Comment.objects.all()),
    "users": sorted([u.username, u.email, u.password, u.is_superuser] for u in User.objects.all()),
    "groups": {g.name: sorted(p.codename for p in g.permissions.all())
               for g in Group.objects.all()},
    "sessions": Session.objects.count(),
    "media": media,
}))
"""

FILL = """
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from articles.models import Comment
from candidates.models import VoteCount
from tests.articles.factories import make_article, make_figure
from tests.candidates.factories import make_district_5_general

make_district_5_general()
vc = VoteCount.objects.order_by("pk").first()
VoteCount.objects.filter(pk=vc.pk).update(votes=vc.votes + 7)
article = make_article(title="Runoff set in District 5", body="Counted.\\n\\n[figure: count]")
article.tags.add("District 5", "runoff")
make_figure(article, key="count", width=1000, height=600)
article.save()
Comment.objects.create(article=article, name="Dana", email="dana@example.org",
                       text="Is the runoff on Nov. 30?", status="approved",
                       ip_address="198.51.100.7")
get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-passphrase")
session = SessionStore()
session["signed_in"] = True
session.create()
"""


def manage(env, *args):
    result = run_manage(*args, **env)
    assert result.returncode == 0, f"{args}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def describe(env, fill=False):
    code = (FILL if fill else "") + DESCRIBE
    return json.loads(manage(env, "shell", "--verbosity", "0", "-c", code).splitlines()[-1])


def postgres_url(name):
    db = connection.settings_dict
    user = urllib.parse.quote(db["USER"] or "")
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@pytest.fixture(scope="module")
def databases(django_db_setup, django_db_blocker, tmp_path_factory):
    """DATABASE_URLs of A (migrated, empty) and B (nothing yet), on this run's engine."""
    tmp = tmp_path_factory.mktemp("backup")
    with django_db_blocker.unblock():
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            source = tmp / "a.sqlite3"
            with sqlite3.connect(source) as copy:
                connection.connection.backup(copy)
            copy.close()
            yield tmp, f"sqlite:///{source}", f"sqlite:///{tmp / 'b.sqlite3'}"
            return
        template = connection.settings_dict["NAME"]
        names = [f"{template}_backup_a", f"{template}_backup_b"]
        connections.close_all()  # a template database must have no other session
        maintenance = postgres_url("postgres").replace("postgres://", "postgresql://", 1)
        with psycopg.connect(maintenance, autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{names[0]}" TEMPLATE "{template}"')
            admin.execute(f'CREATE DATABASE "{names[1]}"')
        try:
            yield tmp, postgres_url(names[0]), postgres_url(names[1])
        finally:
            with psycopg.connect(maintenance, autocommit=True) as admin:
                for name in names:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def site_env(url, media):
    return {"DEBUG": "1", "DATABASE_URL": url, "MEDIA_ROOT": str(media)}


@pytest.fixture(scope="module")
def round_trip(databases):
    tmp, source_url, target_url = databases
    source, target = site_env(source_url, tmp / "media_a"), site_env(target_url, tmp / "media_b")
    original = describe(source, fill=True)
    printed = manage(source, "backup_site", "--output-dir", str(tmp / "backups"))
    (folder,) = (tmp / "backups").iterdir()
    restored_output = manage(target, "restore_site", str(folder))
    return {
        "tmp": tmp,
        "source": source,
        "target": target,
        "folder": folder,
        "original": original,
        "restored": describe(target),
        "backup_output": printed,
        "restore_output": restored_output,
    }


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_a_backup_folder_is_private_and_holds_the_engines_own_dump(round_trip):
    folder = round_trip["folder"]
    assert mode(folder.parent) == 0o700 and mode(folder) == 0o700
    manifest = json.loads((folder / "manifest.json").read_text())
    database_file = {"postgresql": "db.dump", "sqlite": "db.sqlite3"}[connection.vendor]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [database_file, "manifest.json", "media.tar.gz"]
    )
    assert {p.name: mode(p) for p in folder.iterdir()} == dict.fromkeys(
        [database_file, "manifest.json", "media.tar.gz"], 0o600
    )
    magic = {"postgresql": b"PGDMP", "sqlite": b"SQLite format 3\x00"}[connection.vendor]
    assert (folder / database_file).read_bytes().startswith(magic)
    assert manifest["database_vendor"] == connection.vendor
    assert manifest["counts"]["candidates.votecount"] > 0
    assert manifest["counts"]["articles.comment"] == 1
    assert "sessions.session" not in manifest["counts"]
    assert any(name.startswith("renditions/") for name in manifest["media"])
    assert folder.name.endswith("Z") and "T" in folder.name  # a UTC timestamp
    assert f"make restore BACKUP={folder}" in round_trip["backup_output"]


def test_a_restore_into_a_scratch_database_matches_the_original_row_for_row(round_trip):
    assert "counts and checksums match the manifest" in round_trip["restore_output"]
    original, restored = round_trip["original"], round_trip["restored"]
    for part in ("counts", "votes", "body_html", "tags", "comments", "users", "groups", "media"):
        assert restored[part] == original[part], part
    assert original["votes"] and original["media"] and original["comments"][0][-1]
    # Sessions are live credentials: never in a backup, so a restore signs everyone out.
    assert original["sessions"] == 1 and restored["sessions"] == 0


def test_a_restore_over_a_database_with_content_needs_yes(round_trip):
    refused = run_manage("restore_site", str(round_trip["folder"]), **round_trip["target"])
    assert refused.returncode != 0
    assert "already has" in refused.stderr and "--yes" in refused.stderr


def test_a_damaged_backup_is_refused_before_anything_changes(round_trip):
    damaged = round_trip["tmp"] / "damaged"
    shutil.copytree(round_trip["folder"], damaged)
    with open(damaged / "media.tar.gz", "ab") as archive:
        archive.write(b"tampered")
    refused = run_manage("restore_site", str(damaged), "--yes", **round_trip["target"])
    assert refused.returncode != 0
    assert "does not match its checksum" in refused.stderr


def test_an_encrypted_backup_holds_no_readable_data_and_restores_with_its_identity(round_trip):
    identity = pyrage.x25519.Identity.generate()
    key_file = round_trip["tmp"] / "backup-key.txt"
    key_file.write_text(f"# the newsroom's backup key\n{identity}\n")
    output = round_trip["tmp"] / "encrypted"
    manage(
        round_trip["source"],
        "backup_site",
        "--output-dir",
        str(output),
        "--encrypt-to",
        str(identity.to_public()),
    )
    (folder,) = output.iterdir()
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        [
            "db.dump.age" if connection.vendor == "postgresql" else "db.sqlite3.age",
            "manifest.json",
            "media.tar.gz.age",
        ]
    )
    for path in folder.iterdir():
        assert mode(path) == 0o600
        if path.suffix == ".age":
            data = path.read_bytes()
            assert data.startswith(b"age-encryption.org/v1")
            assert b"dana@example.org" not in data and b"pbkdf2" not in data
    # The scratch database B already holds the first restore: --yes replaces it.
    restored = manage(
        round_trip["target"], "restore_site", str(folder), "--yes", "--identity", str(key_file)
    )
    assert "counts and checksums match the manifest" in restored
