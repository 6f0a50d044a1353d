"""The candidates' sections of /sitemap.xml list candidates, elections, races and published
voter guides only."""

import xml.etree.ElementTree as ET

import pytest
from django.contrib.sitemaps.views import sitemap

from candidates.models import Questionnaire
from candidates.sitemaps import SITEMAPS
from tests.candidates.factories import make_candidate, make_race

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def listed_paths(rf):
    """The paths this app's sections list, rendered as /sitemap.xml renders them."""
    response = sitemap(rf.get("/sitemap.xml"), sitemaps=SITEMAPS)
    root = ET.fromstring(response.render().content)
    return {loc.text.removeprefix("http://testserver") for loc in root.findall("s:url/s:loc", NS)}


def test_the_candidates_sections_list_every_candidate_race_and_published_guide(rf):
    candidate = make_candidate(name="Liliana Bakhtiari")
    race = make_race()
    guide = Questionnaire.objects.create(race=race, title="Guide", published=True)
    other_race = make_race()
    Questionnaire.objects.create(race=other_race, title="Unpublished guide", published=False)

    paths = listed_paths(rf)

    assert paths == {
        candidate.get_absolute_url(),
        race.election.get_absolute_url(),
        other_race.election.get_absolute_url(),
        race.get_absolute_url(),
        other_race.get_absolute_url(),
        guide.get_absolute_url(),
    }
    assert f"{other_race.get_absolute_url()}guide/" not in paths
