"""The newsroom's three roles, as Django groups with exactly these permissions.

README, "Robustness", Editors' accounts: contributors draft, editors publish and moderate, data
editors keep the results. Give a staff account one of these groups in the admin (Users ›
user › Groups) rather than single permissions, so what a person may do is said in one place.

- **Contributor** drafts articles (with their authors, bylines, figures, pull quotes, embeds
  and interview turns) and candidate profiles. Cannot publish (``articles.publish_article``),
  touch results or moderate comments. An article is theirs to change only while it is a
  draft; their edits to candidate and author profiles, which have no draft state, wait for
  an editor (civicsite/review.py). May *view* races and elections: the article form's
  "races" and "elections" pickers search them, and Django's autocomplete needs that.
- **Editor** has everything on articles, including publishing and comment moderation, and
  everything on candidates, offices, elections, races, results and voter guides, tags, and
  the front page; applies or rejects contributors' profile edits
  (``civicsite.review_pendingedit``). Editors sign in with a second factor (civicsite/signin.py).
- **Data editor** keeps races, candidacies, counties (reporting units), vote counts, and
  ballot measures with their county counts: the results grid and the CSV upload (both need
  ``candidates.change_race``). May *view* elections, offices and candidates, which the race
  form's pickers search; nothing else.

The groups are created by the data migration civicsite/migrations/0003_roles.py and kept in
step by ``manage.py sync_roles`` (both call ``sync_roles()``): after adding a model, add its
permissions here and run the command. Syncing sets each group's permissions to exactly this
list, so a permission removed here is removed from the group too.
"""

from django.apps import apps as global_apps

CONTRIBUTOR = "Contributor"
EDITOR = "Editor"
DATA_EDITOR = "Data editor"

ALL = ("add", "change", "delete", "view")
DRAFT = ("add", "change", "view")
VIEW = ("view",)


def _perms(app_label, actions, *models):
    return [f"{app_label}.{action}_{model}" for model in models for action in actions]


ARTICLE_MODELS = (
    "article",
    "author",
    "byline",
    "figure",
    "libraryimage",  # the media library: contributors add and pick pictures
    "pullquote",
    "embed",
    "exchange",
    "correction",
    "comment",
    # Events and readers' questions (articles/events/): editors publish and moderate them.
    "event",
    "readerquestion",
    "guidequestioncall",
)
RESULTS_MODELS = (
    "race",
    "candidacy",
    "reportingunit",
    "votecount",
    "ballotmeasure",
    "measurecount",
    "racecall",  # the desk's race calls (candidates/calls.py)
)
DESK_MODELS = ("candidate", "office", "election", *RESULTS_MODELS)
GUIDE_MODELS = ("questionnaire", "question", "answer")
# Election night's feeds (candidates/live): sources and hold rules are set up by the desk;
# pulls are made by the poller, so the desk only views them (Apply / Reject need change_pull).
LIVE_PERMS = [
    *_perms("live", ALL, "feedsource", "livesettings"),
    *_perms("live", ("change", "view"), "pull", "rehearsal"),
]

ROLES = {
    CONTRIBUTOR: [
        *_perms("articles", DRAFT, "article", "author", "figure", "pullquote", "embed", "exchange"),
        # The media library: a contributor uploads and picks pictures (the figure picker's
        # search needs the view permission); deleting one is an editor's call.
        *_perms("articles", DRAFT, "libraryimage"),
        *_perms("articles", DRAFT, "event"),  # drafts only: publishing needs publish_event
        # Bylines are rows of the article form (an inline): adding an author is drafting.
        *_perms("articles", ALL, "byline"),
        *_perms("candidates", DRAFT, "candidate"),
        *_perms("candidates", VIEW, "race", "election"),
        # Their candidate and author edits wait for an editor (civicsite/review.py): they
        # see their own waiting edits.
        *_perms("civicsite", VIEW, "pendingedit"),
    ],
    EDITOR: [
        *_perms("articles", ALL, *ARTICLE_MODELS),
        "articles.publish_article",
        "articles.publish_event",
        *_perms("candidates", ALL, *DESK_MODELS, *GUIDE_MODELS),
        *_perms("candidates", VIEW, "resultscorrection"),
        # Partner sites allowed to frame the results boxes (candidates/embeds.py).
        *_perms("candidates", ALL, "embedorigin"),
        *LIVE_PERMS,
        *_perms("taggit", ALL, "tag"),
        *_perms("civicsite", ("change", "view"), "frontpage"),
        # About, Contact, Corrections policy: a fixed set, written but never added or deleted.
        *_perms("civicsite", ("change", "view"), "page"),
        # Applies or rejects what contributors proposed for public profiles.
        *_perms("civicsite", VIEW, "pendingedit"),
        "civicsite.review_pendingedit",
    ],
    DATA_EDITOR: [
        *_perms("candidates", ALL, *RESULTS_MODELS),
        *_perms("candidates", VIEW, "election", "office", "candidate", "resultscorrection"),
        *LIVE_PERMS,
    ],
}


def ensure_permissions(apps=global_apps):
    """Create the content types and permissions of every installed model now.

    Django creates them after ``migrate`` has run every migration (post_migrate); a data
    migration that hands them to groups needs them earlier.
    """
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    for app_config in apps.get_app_configs():
        # Migration states have no models module; create_* skip such apps unless told.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True
        try:
            create_contenttypes(app_config, verbosity=0, apps=apps)
            create_permissions(app_config, verbosity=0, apps=apps)
        finally:
            app_config.models_module = models_module


def sync_roles(apps=global_apps, *, roles=None):
    """Create the role groups and set their permissions to exactly ``ROLES``.

    Returns {group name: {"added": [...], "removed": [...], "missing": [...]}} with
    "app_label.codename" strings; "missing" lists permissions of models not installed (a
    typo here, or a model not migrated yet), which are skipped.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ensure_permissions(apps)
    roles = ROLES if roles is None else roles
    wanted = {name for names in roles.values() for name in names}
    app_labels = {name.split(".", 1)[0] for name in wanted}
    known = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.filter(
            content_type__app_label__in=app_labels
        ).values_list("pk", "content_type__app_label", "codename")
    }
    report = {}
    for group_name, names in roles.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        before = {
            f"{app_label}.{codename}"
            for app_label, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        present = [name for name in names if name in known]
        group.permissions.set([known[name] for name in present])
        report[group_name] = {
            "added": sorted(set(present) - before),
            "removed": sorted(before - set(present)),
            "missing": sorted(name for name in names if name not in known),
        }
    return report
