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
"""

import datetime
import json

from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
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


# --- The admin ---------------------------------------------------------------------------------


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
