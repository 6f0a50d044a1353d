"""Voter guides: the same questions put to every candidate in a race, and their answers.

Everything a guide page, the guide index, the admin's answer grid and the articles app's
candidate Q&A read or write goes through this module, so the rules live in one place:

- No Answer row means "no answer on file": the newsroom has nothing (demo content, a guide
  still being filled in). "Did not respond" is a claim about the candidate and is only ever
  shown when an editor recorded it (Answer.Status.DID_NOT_RESPOND). Neither is ever blank.
- Readers see published questionnaires only (``Questionnaire.objects.published()``); staff who
  may view questionnaires get a preview of unpublished ones.
- Word limits are counted the way a reader would count (``count_words``).
- Pages read in a fixed number of queries: ``guide_questionnaires()`` declares every join.
"""

import random
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from candidates.models import Answer, Candidacy, Question, Questionnaire

ANSWERED = Answer.Status.ANSWERED
DID_NOT_RESPOND = Answer.Status.DID_NOT_RESPOND
NO_ANSWER_ON_FILE = "missing"

STATE_LABELS = {
    ANSWERED: "Answered",
    DID_NOT_RESPOND: "Did not respond",
    NO_ANSWER_ON_FILE: "No answer on file",
}

# --- Word limits ----------------------------------------------------------------------------

# [link text](url) and ![alt](src): the reader sees the text, not the address.
_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
# A word has at least one letter or digit; "-", "*", "1." list markers and "#" do not count.
_WORD_CHARACTER = re.compile(r"[^\W_]")


def count_words(text):
    """Words as a reader counts them.

    Split on whitespace after dropping Markdown link targets; a token counts when it holds a
    letter or digit, so "well-known" and "5,134" are one word each and a lone "-" or "*"
    bullet marker, a "#" or a "**" is none.
    """
    text = _MARKDOWN_LINK.sub(r" \1 ", text or "")
    return sum(1 for token in text.split() if _WORD_CHARACTER.search(token))


def word_limit_error(text, max_words):
    """The message for an answer over the questionnaire's limit, else None."""
    if not max_words:
        return None
    words = count_words(text)
    if words <= max_words:
        return None
    return f"This answer has {words:,} words; the limit is {max_words:,}."


# --- Reading guides -------------------------------------------------------------------------


def ordered_questions():
    return Question.objects.order_by("order", "id")


def ballot_ordered_candidacies():
    return Candidacy.objects.select_related("candidate").order_by("ballot_order", "id")


def guide_questionnaires():
    """Questionnaires with everything a guide page shows, in four queries whatever the size.

    The questionnaire with its race, election and office; its questions; the race's
    candidacies with their candidates; the answers (Answer's default ordering joins two
    tables, so it is dropped: the page orders by question and candidacy itself).
    """
    return Questionnaire.objects.select_related("race__election", "race__office").prefetch_related(
        Prefetch("questions", queryset=ordered_questions()),
        Prefetch("race__candidacies", queryset=ballot_ordered_candidacies()),
        Prefetch("questions__answers", queryset=Answer.objects.order_by()),
    )


def can_preview(user):
    """Staff who may see questionnaires in the admin may preview unpublished guides."""
    return user.is_active and user.is_staff and user.has_perm("candidates.view_questionnaire")


def answered_candidacies_count():
    """Subquery: how many candidacies answered at least one of a questionnaire's questions."""
    answered = (
        Answer.objects.filter(question__questionnaire=OuterRef("pk"), status=ANSWERED)
        .order_by()
        .values("question__questionnaire")
        .annotate(n=Count("candidacy", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(answered, output_field=IntegerField()), 0)


def candidacies_count():
    """Subquery: how many candidacies the questionnaire's race has."""
    total = (
        Candidacy.objects.filter(race=OuterRef("race_id"))
        .order_by()
        .values("race")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(total, output_field=IntegerField()), 0)


def with_completion(queryset):
    """Annotate ``candidates_answered`` and ``candidates_total`` (subqueries, no row fan-out)."""
    return queryset.annotate(
        candidates_answered=answered_candidacies_count(), candidates_total=candidacies_count()
    )


def guides_for_index():
    """Published guides: upcoming elections first (soonest first), then past (latest first)."""
    guides = with_completion(
        Questionnaire.objects.published().select_related("race__election", "race__office")
    )
    today = timezone.localdate()
    return {
        "upcoming": list(
            guides.filter(race__election__date__gte=today).order_by(
                "race__election__date", "race__office__name", "title"
            )
        ),
        "past": list(
            guides.filter(race__election__date__lt=today).order_by(
                "-race__election__date", "race__office__name", "title"
            )
        ),
    }


@dataclass
class GuideCell:
    """One candidacy's answer to one question, or the honest absence of one."""

    candidacy: Candidacy
    answer: Answer | None

    @property
    def state(self):
        return self.answer.status if self.answer else NO_ANSWER_ON_FILE

    @property
    def state_label(self):
        return STATE_LABELS[self.state]


@dataclass
class GuideRow:
    question: Question
    cells: list = field(default_factory=list)


@dataclass
class GuidePage:
    questionnaire: Questionnaire
    candidacies: list  # the candidacies shown, in the order shown
    all_candidacies: list  # every candidacy in the race, ballot order (for the compare form)
    rows: list = field(default_factory=list)

    @property
    def race(self):
        return self.questionnaire.race

    @property
    def random_order(self):
        return self.questionnaire.random_order

    @property
    def compared(self):
        return len(self.candidacies) < len(self.all_candidacies)


def guide_page(questionnaire, *, compare=(), rng=None):
    """The rows of a guide: per question, each shown candidacy's cell, side by side.

    ``questionnaire`` comes from ``guide_questionnaires()``; nothing here queries. ``compare``
    is a list of candidacy ids (already validated) that narrows the candidacies shown. With
    ``random_order`` set the candidacies are shuffled on every call (every page load), so no
    candidate always gets the first column.
    """
    all_candidacies = list(questionnaire.race.candidacies.all())
    chosen = set(compare)
    shown = [c for c in all_candidacies if c.pk in chosen] if chosen else list(all_candidacies)
    if questionnaire.random_order:
        (rng or random).shuffle(shown)
    page = GuidePage(
        questionnaire=questionnaire, candidacies=shown, all_candidacies=all_candidacies
    )
    for question in questionnaire.questions.all():
        by_candidacy = {answer.candidacy_id: answer for answer in question.answers.all()}
        page.rows.append(
            GuideRow(
                question=question,
                cells=[GuideCell(c, by_candidacy.get(c.pk)) for c in shown],
            )
        )
    return page


def guide_url(race, *, compare=()):
    url = reverse(
        "candidates:race-guide", kwargs={"election_slug": race.election.slug, "slug": race.slug}
    )
    if compare:
        url += "?" + "&".join(f"compare={pk}" for pk in compare)
    return url


# --- One candidacy's answers (the articles app's candidate Q&A) ------------------------------


def candidacy_answers(candidacy):
    """[(question, answer or None)] for the candidacy's race, in question order.

    Published questionnaires only; two queries (questions, then this candidacy's answers).
    """
    questions = list(
        ordered_questions().filter(
            questionnaire__race_id=candidacy.race_id, questionnaire__published=True
        )
    )
    if not questions:
        return []
    answers = {
        answer.question_id: answer
        for answer in Answer.objects.filter(
            candidacy=candidacy, question__in=[q.pk for q in questions]
        ).order_by()
    }
    return [(question, answers.get(question.pk)) for question in questions]


def _counterpart_with_answers(candidacy, **race_lookup):
    has_answers = Exists(
        Answer.objects.filter(
            candidacy=OuterRef("pk"), status=ANSWERED, question__questionnaire__published=True
        )
    )
    return (
        Candidacy.objects.filter(candidate_id=candidacy.candidate_id, **race_lookup)
        .filter(has_answers)
        .select_related("candidate", "race__election")
        .first()
    )


def general_counterpart(candidacy):
    """In a runoff: the same candidate's candidacy in the race it continues, if it has answers
    in a published guide; else None."""
    return _counterpart_with_answers(candidacy, race__runoff__pk=candidacy.race_id)


def runoff_counterpart(candidacy):
    """The reverse: the same candidate's candidacy in this race's runoff, with answers."""
    return _counterpart_with_answers(candidacy, race__runoff_of_id=candidacy.race_id)


@dataclass
class CandidacyQA:
    """What templates/candidates/includes/candidacy_answers.html shows (as ``qa``)."""

    candidacy: Candidacy
    answers: list
    general: Candidacy | None = None
    runoff: Candidacy | None = None
    # Set by the caller when the other candidacy has a page of its own (a Q&A article).
    general_link: str = ""
    runoff_link: str = ""

    @property
    def general_url(self):
        if not self.general:
            return ""
        return self.general_link or guide_url(self.general.race, compare=[self.general.pk])

    @property
    def runoff_url(self):
        if not self.runoff:
            return ""
        return self.runoff_link or guide_url(self.runoff.race, compare=[self.runoff.pk])


def candidacy_qa(candidacy):
    """One candidacy's answers and the links to the same candidate's other guide (4 queries)."""
    return CandidacyQA(
        candidacy=candidacy,
        answers=candidacy_answers(candidacy),
        general=general_counterpart(candidacy),
        runoff=runoff_counterpart(candidacy),
    )


# --- Writing answers (the admin's grid) ------------------------------------------------------


@dataclass
class CandidacyEntry:
    """What an editor entered for one candidacy: a text per question id, or did-not-respond."""

    candidacy: Candidacy
    texts: dict
    did_not_respond: bool = False
    received_on: object = None


def questionnaire_save_answers(*, questionnaire, entries):
    """Save the grid in one transaction; returns the number of answers written or removed.

    Per candidacy: "did not respond" marks every question so; otherwise a text makes an
    answer and a blank removes any answer on file (back to "no answer on file"). Rows that
    already hold the same values are left alone.
    """
    questions = list(questionnaire.questions.all())
    changed = 0
    with transaction.atomic():
        existing = {
            (a.question_id, a.candidacy_id): a
            for a in Answer.objects.select_for_update()
            .filter(question__questionnaire=questionnaire)
            .order_by()
        }
        for entry in entries:
            for question in questions:
                answer = existing.get((question.pk, entry.candidacy.pk))
                if entry.did_not_respond:
                    wanted = (DID_NOT_RESPOND, "")
                else:
                    text = (entry.texts.get(question.pk) or "").strip()
                    wanted = (ANSWERED, text) if text else None
                if wanted is None:
                    if answer is not None:
                        answer.delete()
                        changed += 1
                    continue
                status, text = wanted
                if answer is None:
                    answer = Answer(question=question, candidacy=entry.candidacy)
                elif (answer.status, answer.text, answer.received_on) == (
                    status,
                    text,
                    entry.received_on,
                ):
                    continue
                answer.status, answer.text, answer.received_on = status, text, entry.received_on
                answer.save()
                changed += 1
    return changed


def completion_table(questionnaire):
    """Rows of (candidacy, [GuideCell per question]) for the admin's completion view."""
    questions = list(questionnaire.questions.all())
    candidacies = list(ballot_ordered_candidacies().filter(race_id=questionnaire.race_id))
    answers = {
        (a.question_id, a.candidacy_id): a
        for a in Answer.objects.filter(question__questionnaire=questionnaire).order_by()
    }
    rows = [(c, [GuideCell(c, answers.get((q.pk, c.pk))) for q in questions]) for c in candidacies]
    return questions, rows
