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
"""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """The admin with History and Revert, where only those who may change an object revert it.

    django-simple-history opens its revert form to anyone who may view the object and saves
    what is posted to it without asking for the change permission; a contributor, who may
    view races only to pick them in the article form, could otherwise change a race there.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if obj is None or not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
