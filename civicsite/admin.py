from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from civicsite.models import FrontPage


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
