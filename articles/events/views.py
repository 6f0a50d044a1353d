"""Public event pages, their calendars, and the readers' question forms.

Every view starts from ``Event.objects.published()`` (staff with the view permission may
preview a draft, behind a bar and ``never_cache``). The event page is the only page whose CSP
allows frames, and only from the two stream players (articles/events/streams.py); it also
asks browsers not to prefetch DNS, so no third-party host is looked up before the reader
clicks "Play".

Question forms sit on cached, shared pages, so like the comment form they carry no CSRF token
and the post is checked by its Origin or Referer instead (articles/views.py,
``request_is_same_origin``). A refused question draws the page again with the reader's text
and the reason, with a 4xx status; nothing is written.
"""

from itertools import groupby

from csp.decorators import csp_update
from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.http.request import split_domain_port
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from articles.events import calendars, metadata, streams
from articles.events.forms import ReaderQuestionForm
from articles.events.models import Event, GuideQuestionCall
from articles.events.questions import (
    CLOSED_MESSAGE,
    RECEIVED_MESSAGE,
    QuestionRefused,
    question_post,
)
from articles.views import request_is_same_origin
from candidates.models import Candidate, Election, Questionnaire, Race
from civicsite.core.metadata import page_meta

# The event page may frame exactly the two stream players; no other page may frame anything.
EVENT_CSP = {"frame-src": list(streams.FRAME_SOURCES)}

CROSS_SITE_MESSAGE = (
    "We could not accept this question: it was not sent from this site's question form. "
    "Please go back to the page and send it from there."
)


def can_preview(user):
    return user.is_staff and user.has_perm("articles.view_event")


def event_page_queryset(events):
    """One event with what its page shows: 3 queries (the event with its election and
    write-up, its races, its candidates), plus 1 for the readers' questions once held."""
    return events.select_related("election", "writeup").prefetch_related(
        Prefetch(
            "races",
            queryset=Race.objects.select_related("election", "office").order_by(
                "election__date", "office__name"
            ),
        ),
        Prefetch("candidates", queryset=Candidate.objects.order_by("name")),
    )


def _calendar_elections(event, races):
    """The elections whose calendar feed lists this event (its own, its races')."""
    elections = {race.election.pk: race.election for race in races}
    if event.election:
        elections.setdefault(event.election.pk, event.election)
    return sorted(elections.values(), key=lambda election: election.date)


def _questions_by_topic(event):
    """Accepted questions after the event, grouped by topic, each with where it was asked
    in the recording and where its answers are."""
    questions = list(event.reader_questions.for_event_page())
    for question in questions:
        seconds = question.recording_seconds
        question.recording_link = (
            streams.at_time(event.recording_url, seconds) if event.recording_url else ""
        )
        question.recording_clock = streams.clock(seconds) if seconds is not None else ""
    return [
        (topic, list(group)) for topic, group in groupby(questions, key=lambda q: q.topic or "")
    ]


def event_context(request, event, *, form=None, error=""):
    races = list(event.races.all())
    candidates = list(event.candidates.all())
    parent_host, _ = split_domain_port(request.get_host())
    # The stream's player, shown while the event is still to come; its provider names the link.
    stream_link = streams.stream_embed(event.stream_url, parent_host=parent_host)
    stream = None if event.is_cancelled or event.is_held else stream_link
    recording = None
    if event.recording_url:
        recording = streams.stream_embed(event.recording_url, parent_host=parent_host)
    if form is None and event.accepts_questions:
        form = ReaderQuestionForm(target=event)
    writeup = event.writeup if event.writeup and event.writeup.is_public else None
    return {
        "event": event,
        "races": races,
        "candidates": candidates,
        "calendar_elections": _calendar_elections(event, races),
        "stream": stream,
        "stream_provider": stream_link.provider if stream_link else "",
        "recording": recording,
        "writeup": writeup,
        "question_topics": _questions_by_topic(event) if event.is_held else [],
        "question_form": form,
        "question_error": error,
        "is_preview": not event.is_public,
        "meta": metadata.event_meta(request, event, candidates=candidates),
    }


def render_event(request, event, *, form=None, status=200, error=""):
    context = event_context(request, event, form=form, error=error)
    response = render(request, "articles/event_detail.html", context, status=status)
    # No DNS look-ups of the stream's host (or any linked host) before the reader clicks.
    response["X-DNS-Prefetch-Control"] = "off"
    if context["is_preview"]:
        add_never_cache_headers(response)
    return response


@csp_update(EVENT_CSP)
@require_safe
def event_detail(request, slug):
    events = Event.objects.all() if can_preview(request.user) else Event.objects.published()
    return render_event(request, get_object_or_404(event_page_queryset(events), slug=slug))


@csp_update(EVENT_CSP)
@csrf_exempt  # request_is_same_origin() instead: the form is on a cached, shared page
@require_POST
def event_question_post(request, slug):
    """A reader's question for an event: stored (held for moderation) and redirected back,
    or refused with the page drawn again (400 form, 403 closed, 409 duplicate, 429 flood)."""
    if not request_is_same_origin(request):
        return HttpResponseForbidden(
            render_to_string("403.html", {"reason": CROSS_SITE_MESSAGE}, request=request)
        )
    event = get_object_or_404(event_page_queryset(Event.objects.published()), slug=slug)
    if not event.accepts_questions:
        return render_event(request, event, status=403, error=CLOSED_MESSAGE)
    form = ReaderQuestionForm(request.POST, target=event)
    if not form.is_valid():
        return render_event(request, event, form=form, status=400)
    try:
        question_post(target=event, data=form.cleaned_data, request=request)
    except QuestionRefused as refusal:
        return render_event(request, event, form=form, status=refusal.status, error=refusal.message)
    messages.success(request, RECEIVED_MESSAGE)
    return redirect(event.get_absolute_url())


def _calendar_response(body, filename):
    response = HttpResponse(body, content_type=calendars.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def event_ics(request, slug):
    """The event as an .ics file ("Add to calendar"); a cancelled event stays, CANCELLED."""
    event = get_object_or_404(Event.objects.published(), slug=slug)
    url = request.build_absolute_uri(event.get_absolute_url())
    return _calendar_response(calendars.event_ics(event, url=url), f"{event.slug}.ics")


@require_safe
def election_calendar(request, slug):
    """A subscribable feed: the election's events and election days, the runoff included.
    Three queries however many events."""
    election = get_object_or_404(Election, slug=slug)
    days = Election.objects.filter(
        Q(pk=election.pk) | Q(runoff_of=election.pk) | Q(pk=election.runoff_of_id or 0)
    ).order_by("date", "pk")
    events = Event.objects.published().for_election(election).order_by("starts_at", "id")
    body = calendars.election_ics(
        election,
        days=[(day, request.build_absolute_uri(day.get_absolute_url())) for day in days],
        events=[(event, request.build_absolute_uri(event.get_absolute_url())) for event in events],
    )
    return _calendar_response(body, f"{election.slug}.ics")


# --- Questions for a voter guide ---------------------------------------------------------------


def _open_guide_call(election_slug, slug):
    """The published guide's call for questions, or a 404 (no guide, no call)."""
    questionnaire = get_object_or_404(
        Questionnaire.objects.published().select_related("race__election", "race__office"),
        race__election__slug=election_slug,
        race__slug=slug,
    )
    call = GuideQuestionCall.objects.filter(questionnaire=questionnaire).first()
    if call is None:
        raise Http404("This voter guide does not take readers' questions.")
    return questionnaire, call


@csrf_exempt  # request_is_same_origin() instead: the form is also on the cached guide page
@require_http_methods(["GET", "HEAD", "POST"])
def guide_question(request, election_slug, slug):
    """Suggest a question for a voter guide: the form alone (linked from the guide, where it
    is also shown), and where both forms post."""
    questionnaire, call = _open_guide_call(election_slug, slug)
    form, status, error = None, 200, ""
    if not call.accepts_questions:
        status, error = (403 if request.method == "POST" else 200), CLOSED_MESSAGE
    elif request.method == "POST":
        if not request_is_same_origin(request):
            return HttpResponseForbidden(
                render_to_string("403.html", {"reason": CROSS_SITE_MESSAGE}, request=request)
            )
        form = ReaderQuestionForm(request.POST, target=questionnaire)
        if form.is_valid():
            try:
                question_post(target=questionnaire, data=form.cleaned_data, request=request)
            except QuestionRefused as refusal:
                status, error = refusal.status, refusal.message
            else:
                messages.success(request, RECEIVED_MESSAGE)
                return redirect(questionnaire.get_absolute_url())
        else:
            status = 400
    if form is None and call.accepts_questions:
        form = ReaderQuestionForm(target=questionnaire)
    context = {
        "questionnaire": questionnaire,
        "race": questionnaire.race,
        "call": call,
        "question_form": form,
        "question_error": error,
        "meta": page_meta(
            request,
            title=f"Suggest a question: {questionnaire.title}",
            robots="noindex",
        ),
    }
    return render(request, "articles/event_guide_question.html", context, status=status)
