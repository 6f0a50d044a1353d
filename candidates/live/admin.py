"""The desk's view of election night's feeds: sources, every pull, and the held ones.

- **Feed sources**: attach a county's feed to an election (address or path, format,
  interval); the list says which are answering, failing (with the error) or stale; "Pull now"
  pulls the selected ones at once.
- **Pulls**: every pull with what became of it. A held pull's page shows why it was held, the
  figures it would change against what readers see now, and Apply / Reject buttons (POST, both
  through candidates/live/services.py). Pulls are made only by the poller: they cannot be
  added, edited or deleted here, so the night's record stays whole.
- **Live settings**: an election's hold thresholds and "review every pull".
- **Rehearsals**: each replay_results run; "End the TEST banner now" takes a banner down.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from candidates.importing import ImportFailed
from candidates.live import services, staging
from candidates.live.models import FeedSource, LiveSettings, Pull, Rehearsal
from candidates.live.rehearsal import rehearsal_end

# Applying a pull writes results: the results permission as well as the pull's own.
DECIDE_PERMISSIONS = ("live.change_pull", "candidates.change_race")


@admin.register(FeedSource)
class FeedSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "election", "active", "state", "last_ok_at"]
    list_filter = ["active", "format", "election"]
    list_select_related = ["election"]
    search_fields = ["name", "url", "election__name"]
    autocomplete_fields = ["election"]
    actions = ["pull_now"]
    readonly_fields = [
        "state",
        "version",
        "etag",
        "last_modified",
        "last_polled_at",
        "last_ok_at",
        "last_changed_at",
        "failures",
        "next_poll_at",
        "last_error",
    ]
    fieldsets = [
        (None, {"fields": ["election", "name", "url", "format", "interval", "active"]}),
        ("What the file may add", {"fields": ["create_missing"]}),
        (
            "Last pulls",
            {
                "fields": [
                    "state",
                    "last_polled_at",
                    "last_ok_at",
                    "last_changed_at",
                    "next_poll_at",
                    "failures",
                    "last_error",
                    "version",
                    "etag",
                    "last_modified",
                ]
            },
        ),
    ]

    @admin.display(description="State")
    def state(self, source):
        if source is None or source.pk is None:
            return "-"
        if not source.active:
            return "Off"
        if source.failures:
            return f"Failing ({source.failures} in a row): {source.last_error[:120]}"
        if source.is_stale():
            return "Stale: no answer for three intervals"
        if source.last_error:
            return f"Answering; last file refused: {source.last_error[:120]}"
        return "Answering" if source.last_ok_at else "Not pulled yet"

    @admin.action(description="Pull now", permissions=["change"])
    def pull_now(self, request, queryset):
        if not request.user.has_perms(DECIDE_PERMISSIONS):
            raise PermissionDenied
        sources = list(queryset.filter(active=True).exclude(url="").select_related("election"))
        if not sources:
            self.message_user(request, "Only active sources with an address can be pulled.")
            return
        for result in services.sources_poll(sources, refresh=True):
            level = messages.WARNING if result.pull.status in ("held", "failed") else messages.INFO
            self.message_user(request, result.log_line(), level)


@admin.register(LiveSettings)
class LiveSettingsAdmin(admin.ModelAdmin):
    list_display = ["election", "review_every_pull", "jump_percent", "jump_floor"]
    list_select_related = ["election"]
    autocomplete_fields = ["election"]
    search_fields = ["election__name"]


@admin.register(Pull)
class PullAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "source",
        "status",
        "summary",
        "why_held",
        "repeats",
        "size",
        "replay",
    ]
    list_filter = ["status", "replay", "source__election", "source"]
    list_select_related = ["source"]
    date_hierarchy = "started_at"
    search_fields = ["source__name", "summary", "error"]
    fields = [
        "source",
        "status",
        "started_at",
        "last_seen_at",
        "repeats",
        "duration_ms",
        "http_status",
        "fetched_url",
        "version",
        "size",
        "sha256",
        "summary",
        "error",
        "decided_by",
        "decided_at",
        "note",
        "replay",
        "file_link",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The record of the night is read-only; Apply and Reject are their own POST views.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Why held")
    def why_held(self, pull):
        return " ".join(pull.reasons)[:300]

    @admin.display(description="File")
    def file_link(self, pull):
        if pull.payload_id is None:
            return "-"
        url = reverse("admin:live_pull_file", args=[pull.pk])
        return format_html('<a href="{}">Download the file ({} bytes)</a>', url, pull.size or 0)

    def get_urls(self):
        urls = [
            path(
                "<path:object_id>/apply/",
                self.admin_site.admin_view(self.apply_view),
                name="live_pull_apply",
            ),
            path(
                "<path:object_id>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name="live_pull_reject",
            ),
            path(
                "<path:object_id>/file/",
                self.admin_site.admin_view(self.file_view),
                name="live_pull_file",
            ),
        ]
        return [*urls, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "held_count": Pull.objects.held().count()}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        pull = self.get_object(request, unquote(object_id))
        extra = {"can_decide": request.user.has_perms(DECIDE_PERMISSIONS)}
        if pull is not None:
            extra["reasons"] = pull.reasons
            extra["stored_changes"] = [
                {**change, "line": staging.change_line(change)} for change in pull.changes
            ]
            if pull.status == Pull.Status.HELD:
                extra["current"] = self._restaged(pull)
                extra["newer_applied"] = (
                    Pull.objects.filter(
                        source_id=pull.source_id,
                        status=Pull.Status.APPLIED,
                        started_at__gt=pull.started_at,
                    )
                    .order_by("-started_at")
                    .first()
                )
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def _restaged(self, pull):
        """The held file against what readers see now: what Apply would change."""
        try:
            return {"staging": services.pull_restage(pull=pull), "error": ""}
        except ImportFailed as failure:
            return {"staging": None, "error": str(failure)}

    def _decision(self, request, object_id):
        if request.method != "POST":
            return None, HttpResponseNotAllowed(["POST"])
        if not request.user.has_perms(DECIDE_PERMISSIONS):
            raise PermissionDenied
        pull = self.get_object(request, unquote(object_id))
        if pull is None:
            return None, self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return pull, None

    def apply_view(self, request, object_id):
        pull, refusal = self._decision(request, object_id)
        if refusal:
            return refusal
        note = request.POST.get("note", "")[:2000]
        try:
            pull = services.pull_apply(pull=pull, user=request.user, note=note)
        except services.LiveError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.log_change(request, pull, "Applied the held pull.")
            self.message_user(request, f"Applied: {pull.summary}. Readers see it now.")
        return redirect(reverse("admin:live_pull_change", args=[pull.pk]))

    def reject_view(self, request, object_id):
        pull, refusal = self._decision(request, object_id)
        if refusal:
            return refusal
        note = request.POST.get("note", "")[:2000]
        try:
            pull = services.pull_reject(pull=pull, user=request.user, note=note)
        except services.LiveError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.log_change(request, pull, "Rejected the held pull.")
            self.message_user(request, "Rejected: readers keep the figures they had.")
        return redirect(reverse("admin:live_pull_change", args=[pull.pk]))

    def file_view(self, request, object_id):
        pull = self.get_object(request, unquote(object_id))
        if pull is None or not self.has_view_permission(request, pull) or not pull.payload_id:
            raise PermissionDenied
        response = HttpResponse(
            bytes(pull.payload.content), content_type="application/octet-stream"
        )
        stamp = timezone.localtime(pull.started_at)
        name = f"pull-{pull.pk}-{stamp:%Y%m%d-%H%M%S}.bin"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


@admin.register(Rehearsal)
class RehearsalAdmin(admin.ModelAdmin):
    list_display = ["started_at", "election", "until", "ended_at", "note"]
    list_select_related = ["election"]
    readonly_fields = ["election", "started_at", "until", "ended_at", "note"]
    actions = ["end_now"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="End the TEST banner now", permissions=["change"])
    def end_now(self, request, queryset):
        for rehearsal in queryset.filter(ended_at=None):
            rehearsal_end(rehearsal=rehearsal)
        self.message_user(request, "The TEST banner is down.")
