"""The editors' admin site: Django's, with the desk's home page and readable autocomplete results.

Installed as the default admin site (``civicsite.apps.DeskAdminConfig`` in INSTALLED_APPS, as
Django's "Overriding the default admin site" describes), so ``admin.site`` and every
``@admin.register`` stay as they are. It lives apart from civicsite/admin.py, which registers
models on this site: the site must exist before any module registers on it.

- The home page opens with what waits for an editor (``waiting``): comments and readers'
  questions to moderate, results pulls held for review, articles scheduled to go out today,
  each a count linking to the list that holds them. Four queries at most, however many rows.
- Autocomplete results use the model admin's ``autocomplete_label(obj)`` when it has one
  (races are named by office, election and date: candidates/race_pickers.py), else ``str``.
"""

import datetime
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from articles.events.models import ReaderQuestion
from articles.models import Article, Comment
from candidates.live.models import Pull


@dataclass(frozen=True)
class Waiting:
    """One line of the admin home's "Waiting for you" box."""

    count: int
    singular: str
    plural: str
    url: str

    @property
    def text(self):
        return f"{self.count:,} {self.singular if self.count == 1 else self.plural}"


def _changelist(model, **filters):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def waiting(user, *, now=None):
    """What waits for ``user``, for the models they may see: one count query per line."""
    now = timezone.localtime(now)
    lines = []
    if user.has_perm("articles.view_comment"):
        pending = Comment.objects.filter(status=Comment.Status.PENDING).count()
        lines.append(
            Waiting(
                pending,
                "comment waiting for moderation",
                "comments waiting for moderation",
                _changelist(Comment, status__exact=Comment.Status.PENDING),
            )
        )
    if user.has_perm("articles.view_readerquestion"):
        pending = ReaderQuestion.objects.filter(status=ReaderQuestion.Status.PENDING).count()
        lines.append(
            Waiting(
                pending,
                "reader’s question waiting",
                "readers’ questions waiting",
                _changelist(ReaderQuestion, status__exact=ReaderQuestion.Status.PENDING),
            )
        )
    if user.has_perm("live.view_pull"):
        lines.append(
            Waiting(
                Pull.objects.held().count(),
                "results pull held for review",
                "results pulls held for review",
                _changelist(Pull, status__exact=Pull.Status.HELD),
            )
        )
    if user.has_perm("articles.view_article"):
        start = timezone.make_aware(datetime.datetime.combine(now.date(), datetime.time()))
        end = start + datetime.timedelta(days=1)
        scheduled = Article.objects.filter(
            status=Article.Status.SCHEDULED, publish_at__gte=start, publish_at__lt=end
        ).count()
        lines.append(
            Waiting(
                scheduled,
                "article scheduled to publish today",
                "articles scheduled to publish today",
                _changelist(
                    Article,
                    status__exact=Article.Status.SCHEDULED,
                    publish_at__year=now.year,
                    publish_at__month=now.month,
                    publish_at__day=now.day,
                ),
            )
        )
    return lines


class DeskAutocompleteJsonView(AutocompleteJsonView):
    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "autocomplete_label", None)
        if label is not None:
            result["text"] = label(obj)
        return result


class DeskAdminSite(admin.AdminSite):
    """Its titles are set in civicsite/urls.py, beside the admin's address."""

    def index(self, request, extra_context=None):
        extra_context = {"waiting": waiting(request.user), **(extra_context or {})}
        return super().index(request, extra_context)

    def autocomplete_view(self, request):
        return DeskAutocompleteJsonView.as_view(admin_site=self)(request)
