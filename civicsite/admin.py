from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.shortcuts import redirect
from django.urls import reverse

from articles.models import Author, LibraryImage
from candidates.forms import CandidateAdminForm
from candidates.models import Candidate
from civicsite import review
from civicsite.core.history import HistoryAdmin
from civicsite.models import FrontPage, Page, PendingEdit

# Candidate and author profiles are public the moment they are saved: contributors' edits to
# them wait for an editor (civicsite/review.py). The apps register their admins; the site,
# which sets the roles, puts the review in front of them (as projects extend UserAdmin).
admin.site.unregister(Candidate)


class CandidateForm(CandidateAdminForm):
    """A candidate's photo may come from the media library: the profile then uses the
    library's file (checked and re-encoded at its upload, no copy made), and the library's
    alt text and credit fill the fields left empty."""

    library_photo = forms.ModelChoiceField(
        queryset=LibraryImage.objects.all(),
        required=False,
        label="Or a photo from the media library",
        help_text="Leave the upload above empty to use this one.",
    )

    def clean(self):
        image = self.cleaned_data.get("library_photo")
        if image is not None and not isinstance(self.cleaned_data.get("photo"), UploadedFile):
            self.cleaned_data["photo"] = image.image.name
            for field, value in (("photo_alt", image.alt_text), ("photo_credit", image.credit)):
                if not self.cleaned_data.get(field, "").strip():
                    self.cleaned_data[field] = value
        return super().clean()


@admin.register(Candidate)
class CandidateAdmin(review.ReviewedCandidateAdmin):
    form = CandidateForm
    fieldsets = [
        (name, {**options, "fields": [*options["fields"], "library_photo"]})
        if name == "Photo"
        else (name, options)
        for name, options in review.ReviewedCandidateAdmin.fieldsets
    ]


admin.site.unregister(Author)
admin.site.register(Author, review.ReviewedAuthorAdmin)
admin.site.register(PendingEdit, review.PendingEditAdmin)


@admin.register(FrontPage)
class FrontPageAdmin(admin.ModelAdmin):
    """One row: the changelist goes straight to its form; it cannot be added twice or deleted."""

    autocomplete_fields = ["lead_article"]
    fields = ["lead_article"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        front_page = FrontPage.load()
        return redirect(reverse("admin:civicsite_frontpage_change", args=[front_page.pk]))


@admin.register(Page)
class PageAdmin(HistoryAdmin):
    """About, Contact and the Corrections policy: editors write them (with an edit history);
    the set is fixed, so none is added or deleted and the footer's links always hold."""

    list_display = ["title", "slug", "updated_at"]
    search_fields = ["title", "body"]
    fields = ["title", "summary", "body"]
    readonly_fields = ["slug"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def view_on_site(self, obj):
        return obj.get_absolute_url()
