"""The articles demo content: idempotent, invented bylines, real people's words kept short."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from articles import demo
from articles.models import Article, Author, Byline, Embed, Exchange, Figure, PullQuote

pytestmark = pytest.mark.django_db


def load_demo():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def media_files():
    return sorted(str(p) for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


def test_loading_the_demo_twice_leaves_one_copy_of_everything_and_no_new_files():
    first_output = load_demo()
    files_after_first = media_files()
    counts = [
        model.objects.count()
        for model in (Article, Author, Byline, Figure, PullQuote, Embed, Exchange)
    ]

    load_demo()

    assert [
        model.objects.count()
        for model in (Article, Author, Byline, Figure, PullQuote, Embed, Exchange)
    ] == counts
    assert counts[:2] == [4, 1]
    assert media_files() == files_after_first
    assert "Articles: 4 demo articles by Demo Desk (6 placeholder figures)." in first_output
    assert "Skipped" not in first_output


def test_demo_articles_carry_only_the_invented_byline():
    load_demo()
    assert list(Author.objects.values_list("name", flat=True)) == ["Demo Desk"]
    assert set(Byline.objects.values_list("author__name", flat=True)) == {"Demo Desk"}
    everything = " ".join(
        f"{a.title} {a.dek} {a.body} {a.photo_credit_line}" for a in Article.objects.all()
    )
    # The seed's writer is a real journalist: never credited with (or named on) our prose.
    assert "Farshi" not in everything


def test_demo_images_are_placeholders_credited_as_illustrations_with_honest_alt_text():
    load_demo()
    for figure in Figure.objects.all():
        assert figure.credit == "Illustration"
        assert figure.alt_text.startswith("Placeholder illustration:")
        assert (figure.width, figure.height) == (1600, 1000)
        assert figure.renditions
    assert all(article.lead_figure_id for article in Article.objects.all())


def test_real_peoples_words_are_a_few_words_or_labelled_paraphrases():
    load_demo()
    post = Embed.objects.get()
    assert post.text == "In or out of office, I'm ready to get to it."
    assert (post.author_name, post.handle) == ("Liliana Bakhtiari", "@LilianaforATL")
    for turn in Exchange.objects.all():
        assert turn.speaker.endswith("(paraphrased)")


def test_the_profile_places_its_figures_and_pull_quote_in_the_body():
    load_demo()
    profile = Article.objects.get(kind=Article.Kind.PROFILE)
    assert profile.body_html.count('<figure class="figure">') == 2
    assert "Politico, 2014" in profile.body_html
    assert "[figure:" not in profile.body_html and "[pullquote:" not in profile.body_html
    assert [c.name for c in profile.candidates.all()] == ["Liliana Bakhtiari"]
    assert profile.races.get().election.date.year == 2017


def test_demo_pages_render_for_readers(client):
    load_demo()
    for article in Article.objects.all():
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200, article.slug
    results = client.get(
        Article.objects.get(slug="district-5-heads-to-runoff-bakhtiari-mahoney").get_absolute_url()
    ).content.decode()
    assert "5,134" in results and "49.50%" in results
    assert client.get("/articles/").content.decode().count('class="article-card"') == 4


def test_a_missing_candidate_or_race_is_skipped_with_a_note(monkeypatch):
    """The articles loader runs without candidates.demo (e.g. an empty database)."""
    out = StringIO()
    demo.load(stdout=out)
    assert Article.objects.count() == 4
    assert "Skipped candidate 'Liliana Bakhtiari'" in out.getvalue()
    assert not Article.objects.filter(candidates__isnull=False).exists()
