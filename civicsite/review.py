"""Contributors' edits to public profiles wait for an editor (README, "Roles"; issue 19).

Candidate and author profiles have no draft state: every row is on the site the moment it is
saved. So when someone without the review permission (a Contributor, civicsite/roles.py) saves
one in the admin, by its form or by History's "Revert", nothing is written to the profile: the
change is kept as a ``PendingEdit`` (civicsite/models.py) and readers see the profile exactly
as before, or, for a new profile, not at all. Editors find these under Site › Edits waiting for
review, each shown as "readers see now" against "proposed", and Apply or Reject them.

Why a pending revision and not "the profile goes back into review": putting a published
profile back into review takes it off the site (a candidate's page, the race pages and the
search results that link to it) for as long as nobody looks, on election night too, because
a contributor fixed a typo. A pending revision leaves the public page alone, lets several
edits wait side by side, and needs no status column on every profile model.

Rules that hold whatever the path (form, revert, popup from another form):

- The comparison is with the profile as stored now, not with what the form was built from.
- Applying writes only the fields the edit changed, onto the profile as it is then, after the
  model's own validation (a slug taken in the meantime is refused with the reason); if a field
  was changed by someone else since, the review page says so before anyone applies.
- Applying and rejecting need the review permission and the model's own change (or add)
  permission; each happens once (the row is locked while it is decided).
- Only fields of the profile itself are held; a reviewed admin may not have inlines.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from articles.admin import AuthorAdmin
from candidates.admin import CandidateAdmin
from civicsite.core.history import change_message, shown_value
from civicsite.models import PendingEdit

REVIEW_PERMISSION = "civicsite.review_pendingedit"


CHANGED_SINCE = mark_safe(
    '<p class="errornote">Changed by someone else since this edit was made; applying '
    "replaces that.</p>"
)


class ReviewRefused(Exception):
    """An edit that cannot be applied or rejected, with the reason an editor can act on."""


def edits_wait_for_review(user):
    return not user.has_perm(REVIEW_PERMISSION)


def stored_value(field, obj):
    """A column's value as JSON keeps it: text as is, a file by its name, others as text."""
    value = field.value_from_object(obj)
    if isinstance(field, models.FileField):
        return value.name or ""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return field.value_to_string(obj)


def _same(old, new):
    return old == new or (old in (None, "") and new in (None, ""))


# --- Writes --------------------------------------------------------------------------------


def pending_edit_hold(*, obj, field_names, user):
    """Keep what ``obj`` (a form's unsaved instance) would change as a PendingEdit.

    A new upload is stored now, under the server-made name the upload checks gave it, so the
    editor can look at it; nothing points at it until the edit is applied. Returns the
    PendingEdit, or None when nothing differs from the stored profile.
    """
    model = type(obj)
    stored = model._default_manager.filter(pk=obj.pk).first() if obj.pk else None
    changes = {}
    for name in field_names:
        field = model._meta.get_field(name)
        if isinstance(field, models.FileField):
            field.pre_save(obj, add=stored is None)  # writes an uncommitted upload
        new = stored_value(field, obj)
        old = stored_value(field, stored) if stored is not None else None
        if not _same(old, new):
            changes[name] = {"old": old, "new": new}
    if not changes:
        return None
    return PendingEdit.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_id=stored.pk if stored is not None else None,
        object_repr=str(stored if stored is not None else obj)[:200],
        changes=changes,
        submitted_by=user,
    )


def _locked_pending(edit):
    locked = PendingEdit.objects.select_for_update(of=("self",)).select_related("content_type")
    edit = locked.get(pk=edit.pk)
    if edit.status != PendingEdit.Status.PENDING:
        raise ReviewRefused(f"This edit was already {edit.get_status_display().lower()}.")
    return edit


def _check_reviewer(user, model, *, adding):
    action = "add" if adding else "change"
    opts = model._meta
    if edits_wait_for_review(user) or not user.has_perm(
        f"{opts.app_label}.{action}_{opts.model_name}"
    ):
        raise PermissionDenied


@transaction.atomic
def pending_edit_apply(*, edit, user):
    """Write the edit onto the profile as it is now. Returns (profile, [(field, old, new)])."""
    edit = _locked_pending(edit)
    model = edit.content_type.model_class()
    _check_reviewer(user, model, adding=edit.object_id is None)
    if edit.object_id is None:
        obj = model()
    else:
        obj = model._default_manager.filter(pk=edit.object_id).first()
        if obj is None:
            raise ReviewRefused("The profile was deleted after this edit was made.")
    applied = []
    for name, change in edit.changes.items():
        field = model._meta.get_field(name)
        old = stored_value(field, obj) if edit.object_id is not None else None
        setattr(obj, field.attname, field.to_python(change["new"]))
        applied.append((field, old, stored_value(field, obj)))
    try:
        obj.full_clean()
    except ValidationError as exc:
        reasons = "; ".join(
            f"{capfirst(name) if name != '__all__' else 'Profile'}: {' '.join(errors)}"
            for name, errors in exc.message_dict.items()
        )
        raise ReviewRefused(f"Not applied: {reasons}") from exc
    submitter = edit.submitted_by or "a former user"
    obj._history_user = user
    obj._change_reason = f"Applied edit #{edit.pk} by {submitter}"[:100]
    obj.save()
    edit.object_id = obj.pk
    edit.status = PendingEdit.Status.APPLIED
    edit.reviewed_by = user
    edit.reviewed_at = timezone.now()
    edit.save()
    return obj, applied


@transaction.atomic
def pending_edit_reject(*, edit, user, note=""):
    """Mark the edit rejected; a photo uploaded with it and used nowhere is deleted."""
    edit = _locked_pending(edit)
    model = edit.content_type.model_class()
    _check_reviewer(user, model, adding=edit.object_id is None)
    edit.status = PendingEdit.Status.REJECTED
    edit.reviewed_by = user
    edit.reviewed_at = timezone.now()
    edit.review_note = note.strip()
    edit.save()
    current = model._default_manager.filter(pk=edit.object_id).first() if edit.object_id else None
    for name, change in edit.changes.items():
        field = model._meta.get_field(name)
        unused = change["new"] and (
            current is None or stored_value(field, current) != change["new"]
        )
        # Only a file uploaded with the edit (under the field's own folder): a photo chosen
        # from the media library belongs to the library.
        uploaded = isinstance(field, models.FileField) and str(change["new"] or "").startswith(
            str(field.upload_to)
        )
        if uploaded and unused:
            transaction.on_commit(lambda f=field, n=change["new"]: f.storage.delete(n))
    return edit


def pending_rows(edit):
    """[(field, value now, proposed value, changed since the edit was made)] for the review."""
    model = edit.content_type.model_class()
    current = (
        model._default_manager.filter(pk=edit.object_id).first()
        if edit.object_id is not None
        else None
    )
    rows = []
    for name, change in edit.changes.items():
        field = model._meta.get_field(name)
        now = stored_value(field, current) if current is not None else None
        moved = current is not None and not _same(now, change["old"])
        rows.append((field, now, change["new"], moved and edit.status == edit.Status.PENDING))
    return rows


# --- The admin -----------------------------------------------------------------------------


class ReviewedEditsAdmin:
    """Mixed into a ModelAdmin in front of it: saves by users without the review permission
    become PendingEdits; editors' and superusers' saves go through as before."""

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        if self.inlines:
            raise ImproperlyConfigured(
                f"{type(self).__name__}: edits held for review keep the profile's own fields "
                "only; an inline's rows would be saved at once."
            )

    def held(self, obj):
        return getattr(obj, "_review_held", False)

    def held_field_names(self, form):
        names = {field.name for field in self.model._meta.concrete_fields}
        return [name for name in form.fields if name in names]

    def save_model(self, request, obj, form, change):
        if not edits_wait_for_review(request.user):
            return super().save_model(request, obj, form, change)
        obj._review_held = True
        obj._pending_edit = pending_edit_hold(
            obj=obj, field_names=self.held_field_names(form), user=request.user
        )

    def save_related(self, request, form, formsets, change):
        if not self.held(form.instance):
            super().save_related(request, form, formsets, change)

    def log_addition(self, request, obj, message):
        # The PendingEdit is the record; the admin log gets the change when it is applied.
        if not self.held(obj):
            return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        if not self.held(obj):
            return super().log_change(request, obj, message)

    def response_add(self, request, obj, post_url_continue=None):
        if self.held(obj):
            return self.held_response(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if self.held(obj):
            return self.held_response(request, obj)
        return super().response_change(request, obj)

    def held_response(self, request, obj):
        edit = obj._pending_edit
        if edit is None:
            messages.info(request, "Nothing changed: there was nothing to send for review.")
            return redirect(
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
            )
        if edit.object_id is None:
            text = (
                f"The new profile “{edit.object_repr}” waits for an editor; readers do not "
                "see it yet."
            )
        else:
            text = (
                f"Your changes to “{edit.object_repr}” wait for an editor; readers see the "
                "profile as it was until an editor applies them."
            )
        messages.success(request, text)
        return redirect(reverse("admin:civicsite_pendingedit_change", args=[edit.pk]))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "GET":
            self.say_what_waits(request, object_id)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def say_what_waits(self, request, object_id):
        if edits_wait_for_review(request.user):
            messages.info(
                request,
                "What you save here waits for an editor's review before readers see it.",
            )
        if object_id is None:
            return
        waiting = PendingEdit.objects.filter(
            content_type=ContentType.objects.get_for_model(self.model),
            object_id=unquote(object_id),
            status=PendingEdit.Status.PENDING,
        ).count()
        if waiting:
            url = reverse("admin:civicsite_pendingedit_changelist")
            messages.warning(
                request,
                format_html(
                    '{} edit(s) of this profile wait for review: see <a href="{}">Edits '
                    "waiting for review</a>. The form below shows the profile as readers see it.",
                    waiting,
                    url,
                ),
            )


class ReviewedCandidateAdmin(ReviewedEditsAdmin, CandidateAdmin):
    """Candidates' profiles: contributors' edits (and reverts) wait for an editor."""


class ReviewedAuthorAdmin(ReviewedEditsAdmin, AuthorAdmin):
    """Authors' bylines and pages: contributors' edits wait for an editor."""


class PendingEditAdmin(admin.ModelAdmin):
    """Edits waiting for review: editors see all, apply or reject; others see their own."""

    list_display = [
        "object_repr",
        "kind",
        "fields_changed",
        "submitted_by",
        "submitted_at",
        "status",
    ]
    list_filter = ["status", "content_type"]
    search_fields = ["object_repr"]
    actions = ["apply_selected", "reject_selected"]
    fields = [
        "object_repr",
        "kind",
        "status",
        "submitted_by",
        "submitted_at",
        "comparison",
        "reviewed_by",
        "reviewed_at",
        "review_note",
    ]
    readonly_fields = fields
    change_form_template = "admin/civicsite/pendingedit/change_form.html"

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("content_type", "submitted_by")
        if edits_wait_for_review(request.user):
            queryset = queryset.filter(submitted_by=request.user)
        return queryset

    def get_ordering(self, request):
        waiting_first = models.Case(
            models.When(status=PendingEdit.Status.PENDING, then=0), default=1
        )
        return [waiting_first, "-submitted_at", "-id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # read-only: Apply and Reject are their own POSTs

    def has_delete_permission(self, request, obj=None):
        return False  # the record of who proposed what stays

    def has_review_permission(self, request):
        return request.user.has_perm(REVIEW_PERMISSION)

    @admin.display(description="Kind")
    def kind(self, edit):
        return capfirst(edit.content_type.name)

    @admin.display(description="Fields")
    def fields_changed(self, edit):
        model = edit.content_type.model_class()
        return ", ".join(
            capfirst(str(model._meta.get_field(name).verbose_name)) for name in edit.changes
        )

    @admin.display(description="Readers see now, and the proposed change")
    def comparison(self, edit):
        rows = format_html_join(
            "",
            "<tr><th scope='row'>{}</th><td>{}</td><td>{}{}</td></tr>",
            (
                (
                    capfirst(str(field.verbose_name)),
                    self.cell(field, now),
                    self.cell(field, new),
                    CHANGED_SINCE if moved else "",
                )
                for field, now, new, moved in pending_rows(edit)
            ),
        )
        heading = "Readers see now" if edit.object_id else "Readers see now (a new profile)"
        return format_html(
            '<table class="pending-edit"><thead><tr><th scope="col">Field</th>'
            '<th scope="col">{}</th><th scope="col">Proposed</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            heading,
            rows,
        )

    @staticmethod
    def cell(field, value):
        if value in (None, ""):
            return "(empty)"
        if isinstance(field, models.ImageField):
            return format_html(
                '<img src="{}" alt="" width="120"><br>{}',
                field.storage.url(value),
                shown_value(field, value),
            )
        if isinstance(field, models.TextField):
            return format_html('<div class="pending-edit__text">{}</div>', value)
        return shown_value(field, value)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/apply/",
                self.admin_site.admin_view(self.apply_view),
                name="civicsite_pendingedit_apply",
            ),
            path(
                "<path:object_id>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name="civicsite_pendingedit_reject",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        edit = self.get_object(request, unquote(object_id))
        extra_context = {
            **(extra_context or {}),
            "can_review": edit is not None
            and edit.status == PendingEdit.Status.PENDING
            and self.has_review_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _decide(self, request, object_id, decide):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_review_permission(request):
            raise PermissionDenied
        edit = self.get_object(request, unquote(object_id))
        if edit is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        try:
            decide(edit)
        except ReviewRefused as exc:
            messages.error(request, str(exc))
            return redirect(reverse("admin:civicsite_pendingedit_change", args=[edit.pk]))
        return redirect(reverse("admin:civicsite_pendingedit_changelist"))

    def apply_view(self, request, object_id):
        return self._decide(request, object_id, lambda edit: self.apply(request, edit))

    def reject_view(self, request, object_id):
        note = request.POST.get("review_note", "")[:2000]
        return self._decide(request, object_id, lambda edit: self.reject(request, edit, note))

    def apply(self, request, edit):
        """Apply, then log on the profile itself, in the editor's name: what changed, whose."""
        adding = edit.object_id is None
        obj, applied = pending_edit_apply(edit=edit, user=request.user)
        text = change_message(applied, others=f"Applied edit #{edit.pk} by {edit.submitted_by}.")
        if adding:
            self.log_addition(request, obj, text)
        else:
            self.log_change(request, obj, text)
        messages.success(request, f"Applied: readers now see “{obj}” with these changes.")

    def reject(self, request, edit, note=""):
        pending_edit_reject(edit=edit, user=request.user, note=note)
        messages.success(request, f"Rejected the edit of “{edit.object_repr}”; nothing changed.")

    @admin.action(description="Apply selected edits", permissions=["review"])
    def apply_selected(self, request, queryset):
        for edit in queryset.filter(status=PendingEdit.Status.PENDING):
            try:
                self.apply(request, edit)
            except ReviewRefused as exc:
                messages.error(request, f"{edit.object_repr}: {exc}")

    @admin.action(description="Reject selected edits", permissions=["review"])
    def reject_selected(self, request, queryset):
        for edit in queryset.filter(status=PendingEdit.Status.PENDING):
            try:
                self.reject(request, edit)
            except ReviewRefused as exc:
                messages.error(request, f"{edit.object_repr}: {exc}")
