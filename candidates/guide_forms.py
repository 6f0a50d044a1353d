"""Forms for voter guides: the readers' compare filter and the editors' answer grid."""

from django import forms

from candidates.guides import word_limit_error

MAX_COMPARED = 2


class CompareForm(forms.Form):
    """?compare=<candidacy id>&compare=<candidacy id>: narrow a guide to one or two candidates.

    Only ids of candidacies in this race are accepted; anything else (junk, another race's
    ids, a NUL byte, ten kilobytes of text) is a form error, and the view shows the full guide
    with the message instead of failing.
    """

    compare = forms.TypedMultipleChoiceField(
        required=False,
        coerce=int,
        error_messages={
            "invalid_choice": "We could not find that candidate in this guide, so every "
            "candidate is shown.",
        },
    )

    def __init__(self, data=None, *, candidacies, **kwargs):
        if data is not None:
            # Each <select> sends "" for "any candidate"; those are not a choice.
            values = [v for v in data.getlist("compare") if v.strip()]
            data = {"compare": values}
        super().__init__(data, **kwargs)
        self.fields["compare"].choices = [(str(c.pk), c.display_name) for c in candidacies]

    def clean_compare(self):
        chosen = list(dict.fromkeys(self.cleaned_data["compare"]))
        if len(chosen) > MAX_COMPARED:
            raise forms.ValidationError(
                "Choose at most two candidates to compare; every candidate is shown."
            )
        return chosen


class CandidacyAnswersForm(forms.Form):
    """One candidacy's row of the answer grid: a text per question, or "did not respond"."""

    did_not_respond = forms.BooleanField(
        required=False,
        label="Did not respond",
        help_text="The candidate was sent the questions and did not answer: marks every "
        "question so.",
    )
    received_on = forms.DateField(
        required=False,
        label="Received on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="When the answers (or the refusal) reached us.",
    )

    def __init__(self, *args, candidacy, questions, max_words=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidacy = candidacy
        self.questions = list(questions)
        self.max_words = max_words
        # The limit shows as a live count under each answer (core/word_count.js); clean()
        # enforces it.
        limit = {"data-word-limit": max_words} if max_words else {"data-word-count": "answer"}
        for question in self.questions:
            self.fields[self.field_name(question)] = forms.CharField(
                required=False,
                label=question.short_label or question.text,
                widget=forms.Textarea(attrs={"rows": 5, "cols": 60, **limit}),
            )

    @staticmethod
    def field_name(question):
        return f"q{question.pk}"

    def question_fields(self):
        """(question, bound field) pairs in question order, for the template."""
        return [(q, self[self.field_name(q)]) for q in self.questions]

    def clean(self):
        cleaned = super().clean()
        texts = {q.pk: cleaned.get(self.field_name(q), "") for q in self.questions}
        for question in self.questions:
            error = word_limit_error(texts[question.pk], self.max_words)
            if error:
                self.add_error(self.field_name(question), error)
        if cleaned.get("did_not_respond") and any(texts.values()):
            self.add_error(
                "did_not_respond",
                "This candidate has answers entered. Clear them or untick “Did not respond”.",
            )
        cleaned["texts"] = texts
        return cleaned
