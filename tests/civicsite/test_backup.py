"""Backups: a round trip from one database to a scratch one, compared row by row.

Real processes (manage.py in subprocesses) against two SQLite files in tmp_path, each with its
own MEDIA_ROOT: A gets the demo content plus an editor, a comment and a results change; it is
backed up with backup_site and restored into the empty B with restore_site. Then both are
described by the same snippet (counts per model, every VoteCount's votes, every Article's
body_html, tags, comments, group permissions, media checksums) and the descriptions compared.
The test database of the test run is not involved, so this runs the same on both engines.
"""

import gzip
import json
import shutil

import pytest

from tests.civicsite.test_settings import run_manage

DESCRIBE = """
import hashlib, json, pathlib
from django.apps import apps
from django.conf import settings
from articles.models import Article, Comment
from candidates.models import VoteCount
from django.contrib.auth.models import Group

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
    "comments": sorted([c.article.slug, c.email, c.text, c.status] for c in Comment.objects.all()),
    "groups": {g.name: sorted(p.codename for p in g.permissions.all())
               for g in Group.objects.all()},
    "media": media,
}))
"""

EXTRA = """
from django.contrib.auth import get_user_model
from articles.models import Article, Comment
from candidates.models import VoteCount
get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-passphrase")
article = Article.objects.published().first()
Comment.objects.create(article=article, name="Dana", email="dana@example.org",
                       text="Is the runoff on Nov. 30?", status="approved")
vc = VoteCount.objects.order_by("pk").first()
VoteCount.objects.filter(pk=vc.pk).update(votes=vc.votes + 7)
"""


def manage(env, *args):
    result = run_manage(*args, **env)
    assert result.returncode == 0, f"{args}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def describe(env):
    return json.loads(manage(env, "shell", "--verbosity", "0", "-c", DESCRIBE).splitlines()[-1])


def site_env(tmp_path, name):
    return {
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / f'{name}.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / f"media_{name}"),
    }


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("backup")
    source, target = site_env(tmp_path, "a"), site_env(tmp_path, "b")
    manage(source, "migrate", "--noinput", "--verbosity", "0")
    manage(source, "load_demo", "--verbosity", "0")
    manage(source, "shell", "--verbosity", "0", "-c", EXTRA)
    printed = manage(source, "backup_site", "--output-dir", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    restored = manage(target, "restore_site", str(folder))
    return {
        "tmp_path": tmp_path,
        "source": source,
        "target": target,
        "folder": folder,
        "backup_output": printed,
        "restore_output": restored,
    }


def test_a_backup_folder_holds_the_database_the_media_and_a_manifest(round_trip):
    folder = round_trip["folder"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "db.json.gz",
        "manifest.json",
        "media.tar.gz",
    ]
    assert folder.name.endswith("Z") and "T" in folder.name  # a UTC timestamp
    manifest = json.loads((folder / "manifest.json").read_text())
    with gzip.open(folder / "db.json.gz", "rt") as dump:
        rows = json.load(dump)
    models = {row["model"] for row in rows}
    assert not models & {"contenttypes.contenttype", "auth.permission", "sessions.session"}
    assert not any(model.startswith("axes.") for model in models)
    assert manifest["counts"]["candidates.votecount"] > 0
    assert manifest["counts"]["articles.comment"] == 1
    assert any(name.startswith("candidates/") for name in manifest["media"])
    assert all(len(digest) == 64 for digest in manifest["media"].values())
    assert f"make restore BACKUP={folder}" in round_trip["backup_output"]


def test_a_restore_into_a_scratch_database_matches_the_original_row_for_row(round_trip):
    assert "counts and checksums match the manifest" in round_trip["restore_output"]
    original, restored = describe(round_trip["source"]), describe(round_trip["target"])
    assert restored["counts"] == original["counts"]
    assert restored["votes"] == original["votes"]
    assert restored["body_html"] == original["body_html"]
    assert restored["tags"] == original["tags"]
    assert restored["comments"] == original["comments"]
    assert restored["groups"] == original["groups"]
    assert restored["media"] == original["media"]
    assert original["votes"] and original["media"] and original["body_html"]


def test_a_restore_over_a_database_with_content_needs_yes(round_trip):
    target, folder = round_trip["target"], str(round_trip["folder"])
    refused = run_manage("restore_site", folder, **target)
    assert refused.returncode != 0
    assert "already has" in refused.stderr and "--yes" in refused.stderr
    again = manage(target, "restore_site", folder, "--yes")
    assert "counts and checksums match the manifest" in again


def test_a_damaged_backup_is_refused_before_anything_changes(round_trip):
    damaged = round_trip["tmp_path"] / "damaged"
    shutil.copytree(round_trip["folder"], damaged)
    with open(damaged / "media.tar.gz", "ab") as archive:
        archive.write(b"tampered")
    scratch = site_env(round_trip["tmp_path"], "c")
    refused = run_manage("restore_site", str(damaged), "--yes", **scratch)
    assert refused.returncode != 0
    assert "does not match its checksum" in refused.stderr
    assert not (round_trip["tmp_path"] / "c.sqlite3").exists(), "nothing may be touched"
