"""The coverage list: the published stories about a candidate or a race, on their pages.

    {% load coverage_tags %}
    {% coverage candidate=candidate %}   or   {% coverage race=race %}

One bounded query, whatever the number of stories (COVERAGE_LIMIT, newest first, plus one
row to know whether a "More stories" link to the full list is needed): no count, no query per
row. It lives here, not in the candidates app, because the candidates app never imports
articles (DESIGN.md); its templates load the tag as they load ``event_tags``.
"""

from django import template
from django.urls import reverse

from articles.models import Article

register = template.Library()

COVERAGE_LIMIT = 10


@register.inclusion_tag("articles/includes/coverage.html")
def coverage(*, candidate=None, race=None, limit=COVERAGE_LIMIT):
    published = Article.objects.published()
    if race is not None:
        articles = published.about_race(race)
        more_url = reverse(
            "articles:race-coverage",
            kwargs={"election_slug": race.election.slug, "slug": race.slug},
        )
        subject = f"{race.heading}, {race.election.date:%Y}"
    else:
        articles = published.about_candidate(candidate)
        more_url = reverse("articles:candidate-coverage", kwargs={"slug": candidate.slug})
        subject = candidate.name
    rows = list(articles.for_coverage()[: limit + 1])
    return {
        "articles": rows[:limit],
        "more_url": more_url if len(rows) > limit else "",
        "subject": subject,
    }
