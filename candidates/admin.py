"""The election desk in the admin: candidates, offices, elections, races, ballot measures and
their results.

Two custom views sit beside Django's own pages, both behind the ``change_race`` permission:

- "Enter results" (``/admin/candidates/race/<id>/results/``): one grid per race, rows =
  candidacies in ballot order, columns = counties. Totals and the results as readers will see
  them (outcomes, the threshold sentence: candidates/results.py) follow the figures as they are
  typed (candidates/static/candidates/results-grid.js asks ``.../results/check/``, which
  decides them on the server without writing); without the script, "Check totals" does the
  same. Figures are published only from a confirmation page that lists what changes ("Review
  and publish", then "Publish these figures"), saved in one transaction and checked again.
  "Mark final" is offered once every precinct of every county is in.
- "Upload results" (``/admin/candidates/election/<id>/upload-results/``): a CSV goes through
  the importer twice, first as a dry run that shows the preview or every problem by line,
  then, after the editor confirms, for real. The CSV travels between the two steps inside a
  signed form field, so what is applied is exactly what was previewed.

"Call race" and "Withdraw call" on a race's page (candidates/call_admin.py) record the desk's
calls; the race page also shows the call, any warning about it, and the embed snippet.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse

from candidates import (
    call_admin,
    embeds,
    guide_admin,  # noqa: F401  (voter guides: registers QuestionnaireAdmin)
)
from candidates.forms import (
    CandidateAdminForm,
    ResultsConfirmForm,
    ResultsGridForm,
    ResultsUploadForm,
)
from candidates.importing import ImportFailed, import_results
from candidates.models import (
    BallotMeasure,
    Candidacy,
    Candidate,
    Election,
    EmbedOrigin,
    MeasureCount,
    Office,
    Race,
    ReportingUnit,
)
from candidates.race_pickers import RacePickersMixin, labelled_races, race_label
from candidates.results import final_refusal, measure_final_refusal, race_results
from civicsite.core.history import HistoryAdmin

RESULTS_PERMISSION = "candidates.change_race"


class DeskAdmin(HistoryAdmin):
    """Shared defaults for the election desk's model admins, with History and Revert."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Links typed without a scheme ("example.org") mean https, Django 6's default.
        if isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Candidate)
class CandidateAdmin(DeskAdmin):
    form = CandidateAdminForm
    list_display = ["name", "ballot_name", "party", "has_photo", "updated_at"]
    list_filter = ["party"]
    search_fields = ["name", "ballot_name"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "ballot_name", "slug", "party", "bio"]}),
        ("Photo", {"fields": ["photo", "photo_alt", "photo_credit"]}),
        ("Links", {"fields": ["website", "x_handle", "facebook_url", "instagram_handle"]}),
    ]

    @admin.display(boolean=True, description="Photo")
    def has_photo(self, candidate):
        return bool(candidate.photo)


@admin.register(Office)
class OfficeAdmin(DeskAdmin):
    list_display = ["name", "body", "district", "seats"]
    list_filter = ["body"]
    search_fields = ["name", "body", "district", "ocd_division_id"]
    prepopulated_fields = {"slug": ["name"]}


class RaceInline(admin.TabularInline):
    model = Race
    fields = ["office", "party", "seats", "decision_rule", "status"]
    autocomplete_fields = ["office"]
    show_change_link = True  # candidacies, counties and results live on the race's own page
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("office", "election")


@admin.register(Election)
class ElectionAdmin(DeskAdmin):
    list_display = ["name", "date", "kind", "jurisdiction", "race_count"]
    list_filter = ["kind", "date"]
    date_hierarchy = "date"
    search_fields = ["name", "jurisdiction"]
    prepopulated_fields = {"slug": ["date", "name"]}
    autocomplete_fields = ["runoff_of"]
    inlines = [RaceInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(race_count=Count("races"))

    @admin.display(description="Races", ordering="race_count")
    def race_count(self, election):
        return election.race_count

    def get_urls(self):
        upload = path(
            "<path:object_id>/upload-results/",
            self.admin_site.admin_view(self.upload_results_view),
            name="candidates_election_upload_results",
        )
        return [upload, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_upload_results": request.user.has_perm(RESULTS_PERMISSION),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def upload_results_view(self, request, object_id):
        """Step 1 previews a CSV (dry run, nothing written); step 2 applies the signed copy."""
        if not request.user.has_perm(RESULTS_PERMISSION):
            raise PermissionDenied
        election = self.get_object(request, unquote(object_id))
        if election is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)

        context = {"election": election, "problems": [], "preview": None}
        upload_form = ResultsUploadForm()
        if request.method == "POST" and "payload" in request.POST:
            confirm_form = ResultsConfirmForm(request.POST, election=election, user=request.user)
            if confirm_form.is_valid():
                data = confirm_form.cleaned_data["payload"]
                try:
                    report = import_results(
                        data["text"],
                        election=election,
                        create=data["create"],
                        dry_run=False,
                        user=request.user,
                        reason="Results upload in the admin",
                    )
                except ImportFailed as exc:
                    context["problems"] = [str(problem) for problem in exc.groups]
                else:
                    self.log_change(request, election, "Imported results from a CSV upload.")
                    for line in report.summary_lines():
                        messages.success(request, line)
                    return redirect(reverse("admin:candidates_election_change", args=[election.pk]))
            else:
                context["problems"] = [e for errors in confirm_form.errors.values() for e in errors]
        elif request.method == "POST":
            upload_form = ResultsUploadForm(request.POST, request.FILES)
            if upload_form.is_valid():
                text, create = upload_form.cleaned_data["file"], upload_form.cleaned_data["create"]
                try:
                    report, tables = preview_import(text, election=election, create=create)
                except ImportFailed as exc:
                    context["problems"] = [str(problem) for problem in exc.groups]
                else:
                    context["preview"] = {"summary_lines": report.summary_lines(), "races": tables}
                    context["confirm_form"] = ResultsConfirmForm(
                        initial={
                            "payload": ResultsConfirmForm.sign(
                                text=text, create=create, election=election, user=request.user
                            )
                        },
                        election=election,
                        user=request.user,
                    )
        context.update(
            self.admin_site.each_context(request),
            opts=self.opts,
            original=election,
            title=f"Upload results: {election}",
            upload_form=upload_form,
        )
        return TemplateResponse(request, "admin/candidates/election/upload_results.html", context)


def preview_import(text, *, election, create):
    """Run the import, read the totals it produces, and roll it all back: nothing is written.

    The importer's own ``dry_run=True`` rolls back inside ``import_results``, before a caller
    could read the races it touched; the preview needs those totals as readers would see them,
    so it runs the same import inside a transaction of its own and rolls that back after
    rendering them. Returns (report marked as a dry run, [(office name, results table)]).
    """
    with transaction.atomic():
        report = import_results(text, election=election, create=create, dry_run=False)
        tables = [(race.heading, results_table(checked_results(race))) for race in report.races]
        transaction.set_rollback(True)
    report.dry_run = True  # its summary then opens with "Dry run: nothing was saved."
    return report, tables


def checked_results(race):
    """race_results with the race's counties loaded, so the desk's previews apply the coverage
    rule as the public pages do (no outcome while expected counties are missing)."""
    race.top_units = list(ReportingUnit.objects.top_level().filter(race=race))
    return race_results(race)


class CandidacyInline(admin.TabularInline):
    model = Candidacy
    fields = [
        "candidate",
        "ballot_name",
        "party",
        "incumbent",
        "ballot_order",
        "withdrawn",
        "withdrawn_on",
        "write_in",
    ]
    autocomplete_fields = ["candidate"]
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("candidate")


class ReportingUnitInline(admin.TabularInline):
    """Counties (top-level units); precincts, when imported, hang off them."""

    model = ReportingUnit
    fields = ["kind", "name", "precincts_total", "precincts_reporting"]
    extra = 1
    verbose_name = "county"
    verbose_name_plural = "counties (reporting units)"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(parent__isnull=True)


class RaceAdminForm(forms.ModelForm):
    """The race form refuses a final status while counties the race expects are missing, and
    an expected total vote without its basis (readers see the two together)."""

    class Meta:
        model = Race
        # The admin builds the form from RaceAdmin.fieldsets; these are what clean() reads.
        fields = ["status", "expected_units", "expected_votes", "expected_votes_basis"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("expected_votes") and not cleaned.get("expected_votes_basis", "").strip():
            self.add_error(
                "expected_votes_basis", "Say how the estimate was made: readers see it with it."
            )
        race = self.instance
        status, expected = cleaned.get("status"), cleaned.get("expected_units")
        if race.pk and status in Race.FINAL_STATUSES:
            race.expected_units = expected
            units = ReportingUnit.objects.filter(race=race, parent__isnull=True)
            refusal = final_refusal(race, units)
            if refusal:
                self.add_error("status", f"{refusal}.")
        return cleaned


@admin.register(Race)
class RaceAdmin(RacePickersMixin, DeskAdmin):
    """Races are named by office, election and date (candidates/race_pickers.py), here and in
    every race picker: the slug alone is the same for every year's race for a seat."""

    form = RaceAdminForm
    list_display = ["name", "election", "status", "decision_rule", "results_updated_at"]
    list_filter = ["status", "election", "decision_rule"]
    list_select_related = ["office", "election"]
    search_fields = ["slug", "office__name", "election__name"]
    autocomplete_fields = ["election", "office", "runoff_of"]
    readonly_fields = ["results_updated_at", "results_check"]
    inlines = [CandidacyInline, ReportingUnitInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "election",
                    "office",
                    "party",
                    "slug",
                    "seats",
                    "expected_units",
                    "decision_rule",
                    "status",
                ]
            },
        ),
        (
            "Results",
            {
                "fields": [
                    "results_check",
                    "results_updated_at",
                    "results_source",
                    "results_source_url",
                ]
            },
        ),
        (
            "Election night",
            {
                "description": "What readers see while the race is counted. Call the race "
                "(or withdraw a call) with the buttons at the top of this page.",
                "fields": ["expected_votes", "expected_votes_basis"],
            },
        ),
        (
            "Special cases",
            {
                "classes": ["collapse"],
                "fields": ["cancelled", "note", "reported_margin", "runoff_of"],
            },
        ),
    ]

    def get_queryset(self, request):
        # The change page, the autocomplete results and the pickers' labels read the office
        # and the election: joined, never a query per race.
        return labelled_races(super().get_queryset(request))

    @admin.display(description="Race", ordering="office__name")
    def name(self, race):
        return race.heading

    autocomplete_label = staticmethod(race_label)

    def get_urls(self):
        grid = path(
            "<path:object_id>/results/",
            self.admin_site.admin_view(self.results_view),
            name="candidates_race_results",
        )
        check = path(
            "<path:object_id>/results/check/",
            self.admin_site.admin_view(self.results_check_view),
            name="candidates_race_results_check",
        )
        calls = [
            path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(view),
                name=f"candidates_race_{name}",
            )
            for name, view in (("call", self.call_view), ("uncall", self.uncall_view))
        ]
        return [grid, check, *calls, *super().get_urls()]

    def call_view(self, request, object_id):
        return call_admin.call_view(self, request, object_id)

    def uncall_view(self, request, object_id):
        return call_admin.uncall_view(self, request, object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_enter_results": request.user.has_perm(RESULTS_PERMISSION),
            "can_call": request.user.has_perm(call_admin.CALL_PERMISSION),
        }
        race = self.get_object(request, unquote(object_id)) if object_id else None
        if race is not None:
            # The desk is warned, on the page and in a message, when the figures do not bear
            # the standing call out (candidates/results.py, DeskCall.conflict).
            if request.method == "GET":
                desk = call_admin.warn_if_contradicted(request, race)
            else:
                desk = call_admin.call_desk(race)
            extra_context.update(
                call_desk=desk,
                embed_snippet=embeds.race_snippet(request, race),
                subtitle=race_label(race),
                race_label=race_label(race),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def response_change(self, request, obj):
        if "_continue" not in request.POST:  # the change page warns by itself
            call_admin.warn_if_contradicted(request, obj)  # e.g. just marked final
        return super().response_change(request, obj)

    @admin.display(description="Results as the public page shows them")
    def results_check(self, race):
        if race is None or race.pk is None:
            return "Save the race first, then add candidacies and counties."
        return results_table(checked_results(race))

    def results_grid_form(self, request, object_id):
        """(race, the grid's form) for a race the user may enter results for; (None, None)
        for a missing race. "Mark final" posts the grid with the final status."""
        race = self.get_object(request, unquote(object_id))
        if race is None:
            return None, None
        if not self.has_change_permission(request, race):
            raise PermissionDenied
        data = None
        if request.method == "POST":
            data = request.POST.copy()
            if MARK_FINAL in data:
                data["status"] = Race.Status.UNOFFICIAL_FINAL
        candidacies = race.candidacies.select_related("candidate").order_by("ballot_order", "pk")
        units = race.reporting_units.filter(parent__isnull=True)
        return race, ResultsGridForm(data, race=race, candidacies=candidacies, units=units)

    def results_view(self, request, object_id):
        """The results grid. A valid post shows the confirmation page, "Check totals" shows
        the grid again with the results it would give, and "Publish these figures" (from the
        confirmation page) saves every count in one transaction, checked again."""
        race, form = self.results_grid_form(request, object_id)
        if race is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        preview = None
        valid = form.is_bound and form.is_valid()
        if valid and MARK_FINAL in request.POST and not form.every_precinct_in():
            form.add_error(None, NOT_ALL_IN)  # the button is offered only then; checked here
            valid = False
        if valid:
            if PUBLISH in request.POST:
                form.save(user=request.user)
                self.log_change(request, race, "Entered results in the grid.")
                messages.success(request, "Results saved. The totals below are what readers see.")
                return redirect(reverse("admin:candidates_race_results", args=[race.pk]))
            preview = form.preview()
            if CHECK not in request.POST:
                return self.results_page(
                    request,
                    race,
                    "admin/candidates/race/results_confirm.html",
                    title=f"Publish these figures? {race.heading}",
                    form=form,
                    changes=form.changes(),
                    preview_table=results_table(preview),
                )
        stored = checked_results(race)
        return self.results_page(
            request,
            race,
            "admin/candidates/race/results_grid.html",
            title=f"Enter results: {race.heading}",
            form=form,
            results_check=results_table(stored),
            preview_table=results_table(preview) if preview is not None else "",
            offer_final=not race.is_final and self.grid_has_every_precinct(form),
            media=self.media + form.media,
        )

    @staticmethod
    def grid_has_every_precinct(form):
        """Whether the figures shown (typed, or else stored) have every precinct in."""
        if not form.is_bound:
            form = ResultsGridForm(
                {**{name: form[name].value() for name in form.fields}},
                race=form.race,
                candidacies=form.candidacies,
                units=form.units,
            )
        return form.is_valid() and form.every_precinct_in()

    def results_check_view(self, request, object_id):
        """What the grid's script asks while the editor types: the results the typed figures
        would give (JSON: the table, whether every precinct is in, the errors). Writes
        nothing; only the grid's own POST, with its CSRF token."""
        if request.method != "POST":
            return JsonResponse({"error": "POST the grid's fields."}, status=405)
        race, form = self.results_grid_form(request, object_id)
        if race is None:
            return JsonResponse({"error": "No such race."}, status=404)
        if not form.is_valid():
            errors = [str(e) for errors in form.errors.values() for e in errors]
            return JsonResponse({"table": "", "final_ready": False, "errors": errors})
        return JsonResponse(
            {
                "table": str(results_table(form.preview())),
                "final_ready": not race.is_final and form.every_precinct_in(),
                "errors": [],
            }
        )

    def results_page(self, request, race, template, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": race,
            "race": race,
            "race_label": race_label(race),
            **context,
        }
        return TemplateResponse(request, template, context)


# The grid's submit buttons (admin/candidates/race/results_grid.html, results_confirm.html).
PUBLISH, CHECK, MARK_FINAL = "_publish", "_check", "_mark_final"
NOT_ALL_IN = (
    "Not every precinct of every county is in yet, so the race cannot be marked final from "
    "the grid. Fill in the precincts reporting, or choose the status by hand."
)


@admin.register(EmbedOrigin)
class EmbedOriginAdmin(DeskAdmin):
    """Partner sites that may frame the results boxes (candidates/embeds.py)."""

    list_display = ["origin", "name", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["origin", "name"]
    fields = ["origin", "name", "active"]


class MeasureCountInline(admin.TabularInline):
    model = MeasureCount
    fields = ["county", "precincts_total", "precincts_reporting", "yes_votes", "no_votes"]
    extra = 1
    verbose_name = "county"
    verbose_name_plural = "counties (Yes and No votes)"


class BallotMeasureAdminForm(forms.ModelForm):
    """The measure form refuses a final status while counties it expects are missing (the
    rule RaceAdminForm applies to races: candidates/results.py, Coverage)."""

    class Meta:
        model = BallotMeasure
        fields = ["status", "expected_units"]

    def clean(self):
        cleaned = super().clean()
        measure = self.instance
        if cleaned.get("status") in Race.FINAL_STATUSES:
            measure.expected_units = cleaned.get("expected_units")
            counts = MeasureCount.objects.filter(measure=measure) if measure.pk else []
            refusal = measure_final_refusal(measure, counts)
            if refusal:
                self.add_error("status", f"{refusal}.")
        return cleaned


@admin.register(BallotMeasure)
class BallotMeasureAdmin(DeskAdmin):
    form = BallotMeasureAdminForm
    list_display = ["title", "election", "pass_rule", "status", "results_updated_at"]
    list_filter = ["status", "pass_rule", "election"]
    list_select_related = ["election"]
    search_fields = ["title", "question", "election__name"]
    autocomplete_fields = ["election"]
    readonly_fields = ["results_updated_at", "final_at"]
    inlines = [MeasureCountInline]
    fieldsets = [
        (None, {"fields": ["election", "title", "slug", "question", "pass_rule"]}),
        ("Results", {"fields": ["expected_units", "status", "results_updated_at", "final_at"]}),
    ]


@admin.register(MeasureCount)
class MeasureCountAdmin(DeskAdmin):
    list_display = ["county", "measure", "yes_votes", "no_votes", "precincts_reporting"]
    list_filter = ["measure__election"]
    list_select_related = ["measure"]
    search_fields = ["county", "measure__title"]
    autocomplete_fields = ["measure"]


def results_table(results):
    """``race_results`` as a small table: the check an editor reads before publishing."""
    return render_to_string("admin/candidates/includes/results_table.html", {"results": results})
