"""Voter guides in the admin: questionnaires with their questions, and the answer grid.

Imported by candidates/admin.py (``from candidates import guide_admin  # noqa: F401``). Two
custom views sit beside the questionnaire's change page, linked from its object tools and
both behind ``change_questionnaire``:

- "Enter answers" (``/admin/candidates/questionnaire/<id>/answers/``): one form per
  candidacy in ballot order, a textarea per question, a "Did not respond" box and the date
  received; the word limit is checked per answer and the whole grid saves in one transaction.
- "Completion" (``/admin/candidates/questionnaire/<id>/completion/``): candidacies x
  questions, each cell answered / did not respond / missing.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from candidates import guides
from candidates.guide_forms import CandidacyAnswersForm
from candidates.models import Answer, Question, Questionnaire
from candidates.race_pickers import RacePickersMixin
from candidates.race_pickers import race_label as label_of_race
from civicsite.core.history import HistoryAdmin


class QuestionInline(admin.TabularInline):
    model = Question
    fields = ["order", "short_label", "text"]
    extra = 1
    ordering = ["order", "id"]


@admin.register(Questionnaire)
class QuestionnaireAdmin(RacePickersMixin, HistoryAdmin):
    list_display = ["title", "race_label", "published", "sent_on", "completion"]
    list_filter = ["published", "random_order", "race__election"]
    list_select_related = ["race__election", "race__office"]
    search_fields = ["title", "race__office__name", "race__election__name"]
    autocomplete_fields = ["race"]
    inlines = [QuestionInline]
    fieldsets = [
        (None, {"fields": ["race", "title", "intro", "published"]}),
        ("How it was done", {"fields": ["sent_on", "max_words", "random_order", "method_note"]}),
    ]

    def get_queryset(self, request):
        return guides.with_completion(super().get_queryset(request))

    @admin.display(description="Race", ordering="race__election__date")
    def race_label(self, questionnaire):
        return label_of_race(questionnaire.race)

    @admin.display(description="Completion")
    def completion(self, questionnaire):
        return f"{questionnaire.candidates_answered} of {questionnaire.candidates_total} answered"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/answers/",
                self.admin_site.admin_view(self.answers_view),
                name="candidates_questionnaire_answers",
            ),
            path(
                "<path:object_id>/completion/",
                self.admin_site.admin_view(self.completion_view),
                name="candidates_questionnaire_completion",
            ),
            *super().get_urls(),
        ]

    def _questionnaire_for_change(self, request, object_id):
        questionnaire = self.get_object(request, unquote(object_id))
        if questionnaire is not None and not self.has_change_permission(request, questionnaire):
            raise PermissionDenied
        return questionnaire

    def _context(self, request, questionnaire, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": questionnaire,
            "questionnaire": questionnaire,
            "race": questionnaire.race,
            "title": title,
            **extra,
        }

    def answers_view(self, request, object_id):
        """The answer grid: every candidacy's answers in one form, saved in one transaction."""
        questionnaire = self._questionnaire_for_change(request, object_id)
        if questionnaire is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        questions = list(questionnaire.questions.order_by("order", "id"))
        candidacies = list(
            guides.ballot_ordered_candidacies().filter(race_id=questionnaire.race_id)
        )
        existing = {}
        for answer in Answer.objects.filter(question__questionnaire=questionnaire).order_by():
            existing.setdefault(answer.candidacy_id, []).append(answer)
        data = request.POST if request.method == "POST" else None
        forms = [
            CandidacyAnswersForm(
                data,
                prefix=f"c{candidacy.pk}",
                candidacy=candidacy,
                questions=questions,
                max_words=questionnaire.max_words,
                initial=_initial(existing.get(candidacy.pk, [])),
            )
            for candidacy in candidacies
        ]
        if data is not None:
            # Validate every form (no short cut), so each shows its own errors.
            valid = [form.is_valid() for form in forms]
            if all(valid):
                changed = guides.questionnaire_save_answers(
                    questionnaire=questionnaire,
                    entries=[
                        guides.CandidacyEntry(
                            candidacy=form.candidacy,
                            texts=form.cleaned_data["texts"],
                            did_not_respond=form.cleaned_data["did_not_respond"],
                            received_on=form.cleaned_data["received_on"],
                        )
                        for form in forms
                    ],
                )
                self.log_change(request, questionnaire, f"Entered answers ({changed} changed).")
                messages.success(request, f"Answers saved ({changed} changed).")
                return redirect(
                    reverse("admin:candidates_questionnaire_answers", args=[questionnaire.pk])
                )
            messages.error(request, "Nothing was saved. Please correct the errors below.")
        context = self._context(
            request,
            questionnaire,
            f"Enter answers: {questionnaire.title}",
            forms=forms,
            questions=questions,
        )
        return TemplateResponse(request, "admin/candidates/questionnaire/answers.html", context)

    def completion_view(self, request, object_id):
        questionnaire = self._questionnaire_for_change(request, object_id)
        if questionnaire is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        questions, rows = guides.completion_table(questionnaire)
        counts = dict.fromkeys(guides.STATE_LABELS, 0)
        for _candidacy, cells in rows:
            for cell in cells:
                counts[cell.state] += 1
        context = self._context(
            request,
            questionnaire,
            f"Completion: {questionnaire.title}",
            questions=questions,
            rows=rows,
            counts=[(guides.STATE_LABELS[state], n) for state, n in counts.items()],
        )
        return TemplateResponse(request, "admin/candidates/questionnaire/completion.html", context)


def _initial(answers):
    """A grid form's initial values from the candidacy's answers on file."""
    initial = {f"q{a.question_id}": a.text for a in answers if a.status == guides.ANSWERED}
    initial["did_not_respond"] = bool(answers) and all(
        a.status == guides.DID_NOT_RESPOND for a in answers
    )
    initial["received_on"] = next((a.received_on for a in answers if a.received_on), None)
    return initial
