"""Page weight: a long article with figures, results and 50 comments stays light.

Readers on phones on election night pay for every byte. The budget: the article page's HTML
and the stylesheets it links, each gzip-compressed as a server sends them, under 50 KB in all;
no script in <head> that blocks rendering; every image with its width and height (no layout
shift), and every image but the lead one loaded lazily (it is below the fold).
"""

import gzip
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from articles.models import Comment
from articles.services import article_render
from tests.articles.factories import make_article, make_author, make_figure
from tests.candidates.factories import make_candidate, make_district_5_general

pytestmark = pytest.mark.django_db

BUDGET_BYTES = 50 * 1024
PARAGRAPH = (
    "The District 5 race drew five candidates and a crowded field of forums, with turnout in "
    "DeKalb and Fulton counties running ahead of the last municipal election. Early voting "
    "lines were short on weekdays and long on the final Saturday, poll workers said, and "
    "absentee ballots arrived in larger numbers than the county had planned for."
)


class PageParts(HTMLParser):
    """The stylesheets, the scripts in <head> and the images of a page."""

    def __init__(self):
        super().__init__()
        self.in_head = False
        self.stylesheets, self.head_scripts, self.images = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "head":
            self.in_head = True
        elif tag == "link" and attrs.get("rel") == "stylesheet":
            self.stylesheets.append(attrs["href"])
        elif tag == "script" and self.in_head and "src" in attrs:
            self.head_scripts.append(attrs["src"])
        elif tag == "img":
            self.images.append(attrs)

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False


@pytest.fixture
def long_article():
    article = make_article(
        title="District 5 heads to a runoff after a record early vote",
        authors=[make_author(name="Demo Desk")],
    )
    figures = [make_figure(article, key=f"figure-{n}") for n in range(1, 4)]
    paragraphs = [PARAGRAPH] * 24
    for n, figure in enumerate(figures):
        paragraphs.insert(6 * (n + 1), f"[figure: {figure.key}]")
    article.body = "\n\n".join(paragraphs)
    article.lead_figure = make_figure(article, key="lead", width=1600, height=900)
    article.save()
    article_render(article=article)
    article.races.add(make_district_5_general())
    article.candidates.add(make_candidate(name="Demo Candidate"))
    article.tags.add("District 5", "Runoff", "Turnout")
    for n in range(50):
        Comment.objects.create(
            article=article,
            name=f"Demo Reader {n}",
            email=f"reader{n}@example.org",
            text=f"Comment {n}: " + PARAGRAPH[: 120 + 3 * n],
            status=Comment.Status.APPROVED,
        )
    return article


def gzipped_size(data):
    return len(gzip.compress(data, compresslevel=6))


def test_a_long_article_with_figures_and_50_comments_is_under_50_kb_gzipped(long_article):
    html = Client().get(long_article.get_absolute_url()).content
    assert html.count(b'class="comment') >= 50
    parts = PageParts()
    parts.feed(html.decode())
    css = [finders.find(re.sub(r"^/static/", "", href)) for href in parts.stylesheets]
    assert all(css), parts.stylesheets
    total = gzipped_size(html) + sum(gzipped_size(Path(path).read_bytes()) for path in css)
    assert total < BUDGET_BYTES, f"{total:,} bytes gzipped"


def test_the_article_page_has_no_render_blocking_script_and_sized_lazy_images(long_article):
    parts = PageParts()
    parts.feed(Client().get(long_article.get_absolute_url()).content.decode())
    assert parts.head_scripts == []
    assert len(parts.images) >= 4  # the lead figure and three in the body
    for image in parts.images:
        assert image.get("width") and image.get("height"), image
    lead, *below_the_fold = parts.images
    assert lead["loading"] == "eager"
    assert all(image["loading"] == "lazy" for image in below_the_fold)
