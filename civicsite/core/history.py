"""Edit history: who changed what and when, and going back to an earlier version.

The README ("Robustness") asks for an edit history with who and when, revertible. We use
django-simple-history rather than django-reversion because:

- its history is one ordinary table per model (``HistoricalRace``, ``HistoricalVoteCount``...),
  with the model's own columns plus who, when and why: the site can query it like any model
  (the results desk reads it; a race page could list its changes from it), where reversion
  keeps serialized JSON versions that must be decoded before they can be filtered;
- every ``save()`` and ``delete()`` is recorded through signals, with the user taken from the
  request by its middleware, where reversion records only inside explicit revision blocks;
- ``SimpleHistoryAdmin`` gives each admin page a History view with a Revert form.

Bulk writes send no signals, so the code paths that use them (the results grid and the CSV
import, candidates/services.py) write their history rows with
``bulk_create_with_history`` / ``bulk_update_with_history`` and pass the user on.

The models with history: Candidate, Office, Election, Race, Candidacy, ReportingUnit,
VoteCount, BallotMeasure, MeasureCount, Questionnaire, Question, Answer (candidates) and Article
(articles); rendered HTML columns are left out, being derived from the text that is kept.

Two rules for every admin built on ``HistoryAdmin`` (issue 19, "Permissions that hold"):

- **Reverting is changing the object as it is now.** django-simple-history builds its revert
  form on the *version being restored*, so every permission check that looks at the object
  (an article's "drafts only" rule for contributors) would read the old version's state: a
  contributor could restore the draft version of a published article, unpublishing and
  rewriting it. Here the revert form asks ``has_change_permission`` about the current row.
- **The admin log says what changed**: "Status: Published → Draft; Title: “Old” → “New”;
  Body: edited (1,204 → 1,311 characters)", compared with the row as it was stored before the
  save (so a revert logs what it really changed, not the difference from the version shown in
  its form). The History page lists these messages beside the versions.

Any two versions can be compared side by side, the words that changed marked (issue 18), with
their times in the newsroom's time zone (settings.TIME_ZONE, the admin's active one).
"""

import datetime
import difflib
import json
import re
from dataclasses import dataclass

from django import forms
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import to_historic

# Longer values (and every TextField) are summarised by their length in the admin log.
SHORT_VALUE_CHARS = 60
# How many admin log entries the History page shows under the versions.
ADMIN_LOG_ON_HISTORY_PAGE = 50


# --- Readable change messages ------------------------------------------------------------------


def field_changes(stored, obj):
    """[(field, old value, new value)] for each editable column ``obj`` changes in ``stored``.

    Values are what the columns hold (a foreign key's id, a file's name). ``stored`` is the
    row as the database has it before the save; None for a new object.
    """
    changes = []
    for field in obj._meta.concrete_fields:
        if not field.editable or field.primary_key:
            continue
        old = _column_value(field, stored) if stored is not None else None
        new = _column_value(field, obj)
        if old != new and not (old in (None, "") and new in (None, "")):
            changes.append((field, old, new))
    return changes


def _column_value(field, obj):
    value = field.value_from_object(obj)
    if isinstance(field, models.FileField):
        return value.name or ""
    return value


def describe_changes(changes):
    """The changes as an editor reads them, in the order of the model's fields.

    Field names are the labels the admin form shows; short values as old → new; long text
    by its length, since the History page shows both versions in full.
    """
    parts = []
    for field, old, new in changes:
        label = capfirst(str(field.verbose_name))
        if _is_long(field, old) or _is_long(field, new):
            parts.append(
                f"{label}: edited ({len(str(old or '')):,} → {len(str(new or '')):,} characters)"
            )
        else:
            parts.append(f"{label}: {shown_value(field, old)} → {shown_value(field, new)}")
    return "; ".join(parts)


def _is_long(field, value):
    return isinstance(field, models.TextField) or len(str(value or "")) > SHORT_VALUE_CHARS


def shown_value(field, value):
    """One column's value as the admin form would show it."""
    if value in (None, ""):
        return "(empty)"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return "yes" if value else "no"
    if isinstance(field, models.FileField):
        return f"file {value.rsplit('/', 1)[-1]}"
    if field.is_relation:
        related = field.related_model._default_manager.filter(pk=value).first()
        return f"“{related}”" if related is not None else f"#{value} (deleted)"
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if isinstance(value, str):
        return f"“{value}”"
    return str(value)


def change_message(changes, *, others="", reverted_to=None):
    """The admin log's text for one save: fields, then inline rows, then the revert."""
    parts = []
    if changes:
        parts.append(f"Changed {describe_changes(changes)}.")
    if others:
        parts.append(others)
    if reverted_to is not None:
        parts.append(f"Reverted to the version of {version_label(reverted_to)}.")
    return " ".join(parts) or "No fields changed."


def version_label(record):
    who = f" by {record.history_user}" if record.history_user_id else ""
    return f"{timezone.localtime(record.history_date):%Y-%m-%d %H:%M}{who}"


# --- Two versions side by side -----------------------------------------------------------------
#
# The compare page (HistoryAdmin.history_compare_view, linked from every row of the History
# page): field by field, short values as old and new, text (an article's body, a bio) word by
# word with difflib, removed words struck through on the left and added ones marked on the
# right. Everything is data for the template (segments with a kind), which escapes it.

# Words, runs of white space, and single marks: joined again they give back the text exactly.
TOKEN_RE = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class Segment:
    kind: str  # "same", "removed" or "added"
    text: str


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: list  # segments (long text) or one value, as shown
    new: list
    is_text: bool


def word_diff(old, new):
    """(old segments, new segments): the two texts cut where words were removed or added."""
    a, b = TOKEN_RE.findall(old or ""), TOKEN_RE.findall(new or "")
    left, right = [], []
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for index, (op, a1, a2, b1, b2) in enumerate(opcodes):
        if op == "equal" and _only_space_between_changes(opcodes, index, a):
            op = "replace"
        if op == "equal":
            left.append(Segment("same", "".join(a[a1:a2])))
            right.append(Segment("same", "".join(b[b1:b2])))
            continue
        if a1 < a2:
            left.append(Segment("removed", "".join(a[a1:a2])))
        if b1 < b2:
            right.append(Segment("added", "".join(b[b1:b2])))
    return _merged(left), _merged(right)


def _only_space_between_changes(opcodes, index, tokens):
    """Whether opcode ``index`` keeps only white space between two changes: it is shown as
    part of the change, so "a b" replaced by "c d" reads as one phrase struck, not two words."""
    _, a1, a2, _, _ = opcodes[index]
    return (
        0 < index < len(opcodes) - 1
        and opcodes[index - 1][0] != "equal"
        and opcodes[index + 1][0] != "equal"
        and all(token.isspace() for token in tokens[a1:a2])
    )


def _merged(segments):
    """Neighbouring segments of one kind joined."""
    merged = []
    for segment in segments:
        if merged and merged[-1].kind == segment.kind:
            merged[-1] = Segment(segment.kind, merged[-1].text + segment.text)
        else:
            merged.append(segment)
    return merged


def compare_versions(older, newer):
    """[FieldChange] for each field that differs between two historical records of one object,
    in the model's field order."""
    delta = newer.diff_against(older)
    changed = {change.field: change for change in delta.changes}
    fields = []
    for field in newer.instance_type._meta.concrete_fields:
        change = changed.get(field.attname) or changed.get(field.name)
        if change is None:
            continue
        label = capfirst(str(field.verbose_name))
        old, new = change.old, change.new
        if _is_text(field, old, new):
            left, right = word_diff(str(old or ""), str(new or ""))
            fields.append(FieldChange(label, left, right, True))
        else:
            fields.append(
                FieldChange(label, shown_value(field, old), shown_value(field, new), False)
            )
    return fields


def _is_text(field, old, new):
    if not isinstance(field, models.CharField | models.TextField) or field.choices:
        return False
    return isinstance(field, models.TextField) or any(
        len(str(value or "")) > SHORT_VALUE_CHARS for value in (old, new)
    )


# --- The admin ---------------------------------------------------------------------------------

# How many of an object's versions the compare page offers to choose from (the newest).
VERSIONS_TO_COMPARE = 200


class CompareForm(forms.Form):
    """The two versions to compare, chosen among the newest (bad input is a form error)."""

    older = forms.TypedChoiceField(label="Older version", coerce=int, required=False)
    newer = forms.TypedChoiceField(label="Newer version", coerce=int, required=False)

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.versions = {version.history_id: version for version in versions}
        choices = [("", "(the one before)")] + [
            (version.history_id, version_label(version)) for version in versions
        ]
        self.fields["older"].choices = choices
        self.fields["newer"].choices = [("", "(the newest)"), *choices[1:]]

    def chosen(self):
        return (
            self.versions.get(self.cleaned_data.get("newer")),
            self.versions.get(self.cleaned_data.get("older")),
        )


class HistoryAdmin(SimpleHistoryAdmin):
    """The admin with History and Revert, where only those who may change an object *as it is
    now* revert it, and whose log messages say what changed.

    django-simple-history opens its revert form to anyone who may view the object and saves
    what is posted to it without asking for the change permission; a contributor, who may
    view races only to pick them in the article form, could otherwise change a race there.
    """

    def current_object(self, obj):
        """The row as it is now, for an object that may be an old version (a revert form's)."""
        if obj is None or to_historic(obj) is None:
            return obj
        return self.model._default_manager.filter(pk=obj.pk).first()

    def has_change_history_permission(self, request, obj=None):
        # Asked by the History page and the revert form (its Revert button, and whether the
        # form is shown read-only), with the version being restored: ask about the row now.
        if obj is None:
            return super().has_change_history_permission(request, obj)
        current = self.current_object(obj)
        if current is None:
            # The object was deleted: restoring a version adds it again.
            return self.has_add_permission(request)
        return super().has_change_history_permission(request, current)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            current = self.get_object(request, unquote(object_id))
            allowed = (
                self.has_change_permission(request, current)
                if current is not None
                else self.has_add_permission(request)
            )
            if not allowed:
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_urls(self):
        opts = self.model._meta
        compare = path(
            "<path:object_id>/history/compare/",
            self.admin_site.admin_view(self.history_compare_view),
            name=f"{opts.app_label}_{opts.model_name}_history_compare",
        )
        # Before simple-history's "<id>/history/<version>/", which would take "compare".
        return [compare, *super().get_urls()]

    def history_compare_view(self, request, object_id):
        """Two versions side by side, the changed words marked (civicsite/core/revisions.py).

        ``?older=<version>&newer=<version>``; without them, the newest version against the
        one before it, and without ``older``, ``newer`` against the one before it.
        """
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_history_or_change_history_permission(request, obj):
            raise Http404 if obj is None else PermissionDenied
        history = getattr(obj, self.model._meta.simple_history_manager_attribute)
        versions = list(
            history.select_related("history_user").order_by("-history_date", "-history_id")[
                :VERSIONS_TO_COMPARE
            ]
        )
        form = CompareForm(request.GET or None, versions=versions)
        newer, older = form.chosen() if form.is_bound and form.is_valid() else (None, None)
        if newer is None and versions:
            newer = versions[0]
        if older is None and newer is not None:
            older = next((v for v in versions if v.history_date < newer.history_date), None)
        if older is not None and newer is not None and older.history_date > newer.history_date:
            older, newer = newer, older
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": f"Compare versions: {obj}",
            "subtitle": None,
            "opts": opts,
            "object": obj,
            "form": form,
            "older": older,
            "newer": newer,
            "changes": compare_versions(older, newer) if older and newer else [],
            "history_url": reverse(
                f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk]
            ),
        }
        return TemplateResponse(request, "simple_history/object_history_compare.html", context)

    def history_view(self, request, object_id, extra_context=None):
        entries = (
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(self.model),
                object_id=unquote(object_id),
            )
            .select_related("user")
            .order_by("-action_time", "-id")[:ADMIN_LOG_ON_HISTORY_PAGE]
        )
        extra_context = {**(extra_context or {}), "admin_log": entries}
        return super().history_view(request, object_id, extra_context)

    def reverting_to(self, request):
        """The version a revert form restores, when this request is one; else None."""
        match = request.resolver_match
        opts = self.model._meta
        if match is None or match.url_name != f"{opts.app_label}_{opts.model_name}_simple_history":
            return None
        history = getattr(self.model, opts.simple_history_manager_attribute)
        return history.filter(history_id=match.args[1]).first()

    def save_model(self, request, obj, form, change):
        stored = self.model._default_manager.filter(pk=obj.pk).first() if change else None
        obj._admin_changes = field_changes(stored, obj) if stored is not None else None
        version = self.reverting_to(request)
        if version is not None:
            obj._change_reason = f"Reverted to the version of {version_label(version)}"[:100]
        super().save_model(request, obj, form, change)

    def construct_change_message(self, request, form, formsets, add=False):
        default = super().construct_change_message(request, form, formsets, add)
        changes = getattr(form.instance, "_admin_changes", None)
        if add or changes is None:
            return default
        # Django's own message names the inline rows added, changed and deleted; the form's
        # fields are described above from the stored row instead.
        inline_parts = [part for part in default if "name" in next(iter(part.values()), {})]
        others = ""
        if inline_parts:
            others = LogEntry(change_message=json.dumps(inline_parts)).get_change_message()
        return change_message(changes, others=others, reverted_to=self.reverting_to(request))
