"""What the election pages say about themselves: title, description, image, breadcrumbs and
schema.org data for search engines and social previews (civicsite/core/metadata.py prints it).

Only rows the view already loaded are read: no queries.
"""

from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.text import Truncator

from candidates.templatetags.results_tags import instagram_url, web_url, x_url
from civicsite.core.metadata import SCHEMA_CONTEXT, page_meta


def _elections_crumb():
    return ("Elections", reverse("candidates:election-list"))


def person(candidate, *, url, image_url="", same_as=()):
    """schema.org Person for a candidate's profile page."""
    data = {"@context": SCHEMA_CONTEXT, "@type": "Person", "name": candidate.name, "url": url}
    if candidate.ballot_name and candidate.ballot_name != candidate.name:
        data["alternateName"] = candidate.ballot_name
    if candidate.bio:
        data["description"] = candidate.bio
    if image_url:
        data["image"] = image_url
    same_as = [link for link in same_as if link]
    if same_as:
        data["sameAs"] = same_as
    return data


def election_event(election, *, url):
    """schema.org Event for polling day: the election's date at its jurisdiction."""
    data = {
        "@context": SCHEMA_CONTEXT,
        "@type": "Event",
        "name": election.name,
        "startDate": election.date.isoformat(),
        "endDate": election.date.isoformat(),
        "url": url,
        "eventStatus": "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
    }
    if election.jurisdiction:
        data["location"] = {"@type": "Place", "name": election.jurisdiction}
    if election.description:
        data["description"] = election.description
    return data


def candidate_meta(request, candidate):
    url = request.build_absolute_uri(candidate.get_absolute_url())
    image = candidate.photo.url if candidate.photo else ""
    same_as = [
        web_url(candidate.website),
        x_url(candidate.x_handle),
        web_url(candidate.facebook_url),
        instagram_url(candidate.instagram_handle),
    ]
    image_url = request.build_absolute_uri(image) if image else ""
    return page_meta(
        request,
        title=candidate.name,
        url=url,
        description=Truncator(candidate.bio).chars(200)
        if candidate.bio
        else "Every race, with results.",
        og_type="profile",
        image=image,
        image_alt=candidate.photo_alt,
        json_ld=[person(candidate, url=url, image_url=image_url, same_as=same_as)],
        breadcrumbs=[
            ("Candidates", reverse("candidates:candidate-list")),
            (candidate.name, None),
        ],
    )


def election_meta(request, election):
    url = request.build_absolute_uri(election.get_absolute_url())
    return page_meta(
        request,
        title=f"{election.name}, {date_format(election.date, 'N j, Y')}",
        url=url,
        description="Every race on the ballot, with results and precincts reporting.",
        json_ld=[election_event(election, url=url)],
        breadcrumbs=[_elections_crumb(), (election.name, None)],
    )


def race_meta(request, race):
    election = race.election
    return page_meta(
        request,
        # With the date: the same office on two elections' ballots (2017 and 2021) is two pages
        # that must not share a title or a social card.
        title=f"{race.heading}: {election.name}, {date_format(election.date, 'N j, Y')} results",
        path=race.get_absolute_url(),
        description="Candidates, votes, shares and precincts reporting.",
        breadcrumbs=[
            _elections_crumb(),
            (election.name, election.get_absolute_url()),
            (race.heading, None),
        ],
    )


def measure_meta(request, measure):
    election = measure.election
    return page_meta(
        request,
        title=f"{measure.title}: {election.name}, {date_format(election.date, 'N j, Y')} results",
        path=measure.get_absolute_url(),
        description=Truncator(measure.question).chars(200)
        if measure.question
        else "Yes and No votes, shares and counties reporting.",
        breadcrumbs=[
            _elections_crumb(),
            (election.name, election.get_absolute_url()),
            (measure.title, None),
        ],
    )


def guide_meta(request, questionnaire, *, path, noindex):
    """``noindex``: a preview, or a comparison of two candidates (a view of the one guide)."""
    race = questionnaire.race
    when = date_format(race.election.date, "N j, Y")
    return page_meta(
        request,
        title=f"{questionnaire.title}: {race.heading}, {when}",
        path=path,
        description=f"Every candidate's answers, side by side: {race.heading}, {when}.",
        og_type="article",
        robots="noindex" if noindex else "",
        breadcrumbs=[
            _elections_crumb(),
            (race.election.name, race.election.get_absolute_url()),
            (race.heading, race.get_absolute_url()),
            ("Voter guide", None),
        ],
    )


def election_list_meta(request):
    return page_meta(
        request,
        title="Elections",
        path=reverse("candidates:election-list"),
        description="Upcoming elections, elections being counted now, and past elections "
        "with their results.",
    )


def guide_list_meta(request):
    return page_meta(
        request,
        title="Voter guides",
        path=reverse("candidates:guide-list"),
        description="Every candidate's answers to the same questions, race by race.",
    )


def candidate_list_meta(request, *, list_page):
    return page_meta(
        request,
        title="Candidates",
        list_page=list_page,
        description="Every candidate we cover, A to Z, with their latest race.",
    )
