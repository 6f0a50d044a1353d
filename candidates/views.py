"""Public election pages: elections, races and ballot measures (HTML and JSON), candidates.

Views pick rows through candidates/queries.py (a fixed number of queries per page) and read
results only through candidates/results.py; no view or template decides who won. Pages of
races still being counted are kept only briefly by caches (results.py tags them live).
"""

from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from candidates import calls, counting, metadata, queries, race_data, services
from candidates.models import BallotMeasure, Candidate, Election, Race
from civicsite.core import pagination

CANDIDATES_PER_PAGE = 50


@require_safe
def election_list(request):
    context = {**queries.elections_for_index(), "meta": metadata.election_list_meta(request)}
    return render(request, "candidates/election_list.html", context)


@require_safe
def election_detail(request, slug):
    election = get_object_or_404(Election.objects.select_related("runoff_of"), slug=slug)
    race_pages = queries.election_races(election)
    context = {
        "election": election,
        "race_pages": race_pages,
        "guides": [page.race.published_guide for page in race_pages if page.race.published_guide],
        "runoffs": list(election.runoffs.all()),
        "measures": queries.election_measures(election),
        "meta": metadata.election_meta(request, election),
    }
    return render(request, "candidates/election_detail.html", context)


def _get_race(election_slug, slug):
    return get_object_or_404(Race.objects.with_results(), election__slug=election_slug, slug=slug)


@require_safe
def race_detail(request, election_slug, slug):
    race_page = queries.race_page(_get_race(election_slug, slug))
    race, results = race_page.race, race_page.results
    context = {
        "page": race_page,
        "race": race,
        "corrections": services.race_corrections(race),
        "call_log": calls.race_call_log(race, results),
        "county_statuses": counting.county_statuses(results),
        "meta": metadata.race_meta(request, race),
    }
    return render(request, "candidates/race_detail.html", context)


@require_safe
def race_results_json(request, election_slug, slug):
    """The race page's figures as JSON, for other newsrooms' graphics and our own live pages
    (candidates/race_data.py says what is in it)."""
    page = queries.race_page(_get_race(election_slug, slug))
    return JsonResponse(race_data.race_payload(request, page))


def _get_measure(election_slug, slug):
    return get_object_or_404(
        BallotMeasure.objects.with_counts(), election__slug=election_slug, slug=slug
    )


@require_safe
def measure_detail(request, election_slug, slug):
    results = queries.measure_page(_get_measure(election_slug, slug))
    context = {
        "results": results,
        "measure": results.measure,
        "meta": metadata.measure_meta(request, results.measure),
    }
    return render(request, "candidates/ballotmeasure_detail.html", context)


@require_safe
def measure_results_json(request, election_slug, slug):
    """The measure page's figures as JSON, as race_results_json gives a race's."""
    results = queries.measure_page(_get_measure(election_slug, slug))
    measure = results.measure
    data = {
        "title": measure.title,
        "slug": measure.slug,
        "url": request.build_absolute_uri(measure.get_absolute_url()),
        "question": measure.question,
        "election": {
            "name": measure.election.name,
            "slug": measure.election.slug,
            "date": measure.election.date.isoformat(),
        },
        "pass_rule": measure.pass_rule,
        "status": measure.status,
        "updated_at": (
            measure.results_updated_at.isoformat() if measure.results_updated_at else None
        ),
        "yes": results.yes,
        "no": results.no,
        "total": results.total,
        "yes_share": _share(results.yes_share),
        "no_share": _share(results.no_share),
        # "passed" or "failed" only once final with every expected county on file.
        "outcome": results.outcome,
        "counties_on_file": results.coverage.on_file,
        "counties_expected": results.coverage.expected,
        "counties": [
            {
                "name": row.count.county,
                "precincts_reporting": row.count.precincts_reporting,
                "precincts_total": row.count.precincts_total,
                "yes": row.count.yes_votes,
                "no": row.count.no_votes,
                "yes_share": _share(row.yes_share),
            }
            for row in results.counties
        ],
    }
    return JsonResponse(data)


def _share(share):
    return f"{share:.2f}" if share is not None else None


@require_safe
def candidate_list(request):
    """Every candidate, A to Z, 50 to a page; a page that does not exist is a 404."""
    listing = pagination.paginate(request, queries.candidates_for_index(), CANDIDATES_PER_PAGE)
    context = {
        "paginator": listing.page_obj.paginator,
        "meta": metadata.candidate_list_meta(request, list_page=listing),
        **listing.context(),
    }
    return render(request, "candidates/candidate_list.html", context)


@require_safe
def candidate_detail(request, slug):
    candidate = get_object_or_404(Candidate, slug=slug)
    context = {
        "candidate": candidate,
        "entries": queries.candidacies_for_profile(candidate),
        "meta": metadata.candidate_meta(request, candidate),
    }
    return render(request, "candidates/candidate_detail.html", context)
