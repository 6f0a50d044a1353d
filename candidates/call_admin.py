"""The desk's race calls in the admin: "Call race" and "Withdraw call" on a race's page.

Both views sit beside the race's change page (``/admin/candidates/race/<id>/call/`` and
``.../uncall/``), need ``candidates.add_racecall`` (Editor and Data editor roles), and call
the services in candidates/calls.py; a refusal re-renders the form with its reason. The race
page in the admin shows the standing call, whether readers see it and, when the figures do not
bear it out (or the final figures contradict it), a warning saying why (``call_desk``).
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from candidates import calls
from candidates.models import RaceCall, ReportingUnit
from candidates.race_pickers import race_label
from candidates.results import race_results

CALL_PERMISSION = "candidates.add_racecall"


class RaceCallForm(forms.Form):
    outcome = forms.ChoiceField(
        label="The call",
        choices=RaceCall.Outcome.choices,
        widget=forms.RadioSelect,
        initial=RaceCall.Outcome.WON,
    )
    candidacies = forms.ModelMultipleChoiceField(
        label="Candidates called",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text="The winner, or the two who advance to a runoff.",
    )
    note = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional. Why the desk calls it now; readers see it in the call log.",
    )

    def __init__(self, *args, race, **kwargs):
        super().__init__(*args, **kwargs)
        self.race = race
        self.fields["candidacies"].queryset = race.candidacies.select_related("candidate").filter(
            withdrawn=False
        )
        self.fields["candidacies"].label_from_instance = lambda c: c.display_name
        if race.seats != 1 or race.decision_rule != race.DecisionRule.MAJORITY:
            self.fields["outcome"].choices = [
                (RaceCall.Outcome.WON, "Winner" if race.seats == 1 else "Winners")
            ]


class UncallForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional. Why the call is withdrawn; readers see it in the call log.",
    )


def call_desk(race):
    """What the race's admin page shows about the call: the standing call with who made it,
    whether readers see it, the warning when the figures do not bear it out, and every call
    made (a few queries; the admin only)."""
    race.top_units = list(ReportingUnit.objects.top_level().filter(race=race))
    results = race_results(race)
    history = list(
        race.calls.select_related("called_by", "uncalled_by").prefetch_related(
            "candidacies__candidate"
        )
    )
    return {"results": results, "call": results.call, "history": history}


def warn_if_contradicted(request, race):
    """An admin message when the figures do not bear the standing call out."""
    desk = call_desk(race)
    call = desk["call"]
    if call is not None and not call.shown:
        messages.warning(request, f"The call is not shown to readers. {call.conflict}")
    return desk


def _race_or_redirect(model_admin, request, object_id):
    if not request.user.has_perm(CALL_PERMISSION):
        raise PermissionDenied
    return model_admin.get_object(request, unquote(object_id))


def _page(model_admin, request, race, template, **context):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": race,
        "race": race,
        "race_label": race_label(race),
        **context,
    }
    return TemplateResponse(request, template, context)


def call_view(model_admin, request, object_id):
    race = _race_or_redirect(model_admin, request, object_id)
    if race is None:
        return model_admin._get_obj_does_not_exist_redirect(request, model_admin.opts, object_id)
    form = RaceCallForm(request.POST if request.method == "POST" else None, race=race)
    if request.method == "POST" and form.is_valid():
        try:
            call = calls.call_race(
                race=race,
                outcome=form.cleaned_data["outcome"],
                candidacies=form.cleaned_data["candidacies"],
                user=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            model_admin.log_change(
                request, race, f"Called the race ({call.get_outcome_display()})."
            )
            messages.success(request, "The race is called.")
            warn_if_contradicted(request, race)
            return redirect(reverse("admin:candidates_race_change", args=[race.pk]))
    return _page(
        model_admin,
        request,
        race,
        "admin/candidates/race/call.html",
        title=f"Call the race: {race.heading}",
        form=form,
        desk=call_desk(race),
    )


def uncall_view(model_admin, request, object_id):
    race = _race_or_redirect(model_admin, request, object_id)
    if race is None:
        return model_admin._get_obj_does_not_exist_redirect(request, model_admin.opts, object_id)
    form = UncallForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            calls.uncall_race(race=race, user=request.user, note=form.cleaned_data["note"])
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            model_admin.log_change(request, race, "Withdrew the call.")
            messages.success(request, "The call is withdrawn.")
            return redirect(reverse("admin:candidates_race_change", args=[race.pk]))
    return _page(
        model_admin,
        request,
        race,
        "admin/candidates/race/uncall.html",
        title=f"Withdraw the call: {race.heading}",
        form=form,
        desk=call_desk(race),
    )
