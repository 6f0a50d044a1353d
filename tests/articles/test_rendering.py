"""Article bodies: Markdown rendered once at save time, sanitized with one nh3 allow-list."""

from html.parser import HTMLParser

import pytest

from articles.models import Article
from articles.rendering import render_body, render_markdown
from articles.services import article_render
from tests.articles.factories import (
    make_article,
    make_embed,
    make_exchange,
    make_figure,
    make_pull_quote,
)

pytestmark = pytest.mark.django_db


class Elements(HTMLParser):
    """Every start tag with its attributes, as a browser would parse them."""

    def __init__(self, html):
        super().__init__()
        self.tags = []
        self.text = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def named(self, name):
        return [attrs for tag, attrs in self.tags if tag == name]


HOSTILE_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<style>body{display:none}</style>",
    '<img src="x" onerror="alert(1)">',
    '<a href="/" onclick="alert(1)">click</a>',
    "[click](javascript:alert(1))",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<iframe src="https://evil.example"></iframe>',
    '<object data="x.swf"></object><embed src="x.swf">',
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<div style="background:url(javascript:alert(1))">styled</div>',
    '<form action="https://evil.example"><input name="q"></form>',
    '<img src="/x.jpg" srcset="javascript:alert(1) 1x">',
    '<p class="pull-quote attacker">classes</p>',
    "<meta http-equiv=refresh content='0;url=https://evil.example'>",
    "<!-- <script>alert(1)</script> -->",
    '<base href="https://evil.example/">',
]
FORBIDDEN_TAGS = {
    "script", "style", "iframe", "object", "embed", "svg", "math", "form", "input", "meta",
    "base", "div",
}  # fmt: skip


@pytest.mark.parametrize("payload", HOSTILE_PAYLOADS)
def test_hostile_markup_in_a_body_renders_inert(payload):
    html = render_markdown(f"Intro paragraph.\n\n{payload}\n\nOutro.")
    parsed = Elements(html)
    for tag, attrs in parsed.tags:
        assert tag not in FORBIDDEN_TAGS, html
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            assert name != "style", html
            lowered = (value or "").replace(" ", "").lower()
            assert not lowered.startswith(("javascript:", "data:", "vbscript:")), html
            assert "javascript:" not in lowered, html
        # Only the classes the placement templates use survive; editors cannot add others.
        assert "attacker" not in (attrs.get("class") or ""), html


def test_markdown_features_render_as_html():
    html = render_markdown(
        "# Results night\n\n## In the counties\n\nThe *runoff* is **Nov. 30**: "
        "[the rule](https://example.com/rule).\n\n- Fulton\n- DeKalb\n\n1. first\n2. second\n\n"
        "> Every vote counted.\n"
    )
    parsed = Elements(html)
    tags = [tag for tag, _ in parsed.tags]
    # The page headline is the only <h1>: body headings start at <h2>.
    assert "h1" not in tags
    assert tags.count("h2") == 1 and tags.count("h3") == 1
    assert {"em", "strong", "ul", "ol", "li", "blockquote", "a"} <= set(tags)
    assert parsed.named("a")[0]["href"] == "https://example.com/rule"


def test_a_placed_figure_renders_a_picture_with_webp_srcset_sizes_and_dimensions():
    article = make_article(body="Before.\n\n[figure: crowd]\n\nAfter.")
    make_figure(article, key="crowd", width=1000, height=600, alt_text="Supporters at a rally")
    article_render(article=article)

    parsed = Elements(article.body_html)
    assert len(parsed.named("picture")) == 1
    (source,) = parsed.named("source")
    assert source["type"] == "image/webp"
    assert "480w" in source["srcset"] and "1000w" in source["srcset"]
    assert source["sizes"]
    (img,) = parsed.named("img")
    assert img["alt"] == "Supporters at a rally"
    assert (img["width"], img["height"]) == ("1000", "600")
    assert img["srcset"] and img["sizes"]
    assert img["src"].endswith("1000w.jpg")
    assert (img["loading"], img["decoding"]) == ("lazy", "async")
    assert parsed.named("figcaption")


def test_a_pull_quote_and_an_embedded_post_render_as_static_markup():
    article = make_article(body="[pullquote: approval]\n\nText.\n[embed: post]")
    make_pull_quote(article, key="approval", text="Eleven percent approval.", source="Politico")
    make_embed(
        article,
        key="post",
        author_name="Demo Campaign",
        handle="@demo",
        text="Ready to get to it.",
        url="https://example.com/p/1",
    )
    article_render(article=article)

    parsed = Elements(article.body_html)
    assert [a.get("class") for a in parsed.named("aside")] == ["pull-quote"]
    assert "Eleven percent approval." in parsed.text
    assert "— Politico" in parsed.text
    (embed,) = [b for b in parsed.named("blockquote") if b.get("class") == "embed-post"]
    assert embed["cite"] == "https://example.com/p/1"
    link = [a for a in parsed.named("a") if a["href"] == "https://example.com/p/1"]
    assert link and "View the original post" in parsed.text
    assert "@demo" in parsed.text and "Nov. 14, 2017" in parsed.text
    assert not parsed.named("script") and not parsed.named("iframe")


def test_an_unknown_placement_renders_nothing_and_is_reported():
    article = make_article(body="Before.\n\n[figure: missing]\n\nAfter.")
    unknown = article_render(article=article)

    assert unknown == [("figure", "missing")]
    assert "missing" not in article.body_html
    assert "[figure" not in article.body_html
    assert Elements(article.body_html).text == ["Before.", "\n", "After."]


def test_a_placement_inside_a_code_block_stays_literal_text():
    html = render_body("    [figure: one]\n").html
    assert "<pre><code>[figure: one]" in html


def test_body_html_follows_the_body_when_an_article_is_saved_outside_the_admin():
    article = make_article(body="First *draft*.")
    assert "<em>draft</em>" in article.body_html

    article = Article.objects.get(pk=article.pk)
    article.body = "Second **version**."
    article.save()

    assert Article.objects.get(pk=article.pk).body_html == "<p>Second <strong>version</strong>.</p>"


def test_saving_after_adding_a_figure_places_it_in_body_html():
    article = make_article(body="[figure: map]")
    make_figure(article, key="map")
    article = Article.objects.get(pk=article.pk)
    article.body = "Map below.\n\n[figure: map]"
    article.save()
    assert "<picture>" in Article.objects.get(pk=article.pk).body_html


def test_article_render_reads_the_pieces_in_three_queries_and_writes_once(
    django_assert_num_queries,
):
    """Rendering costs one query per kind of piece, however many figures there are."""
    article = make_article(body="[figure: a]\n\n[figure: b]\n\n[pullquote: q]\n\n[embed: e]")
    make_figure(article, key="a")
    make_figure(article, key="b")
    make_pull_quote(article, key="q")
    make_embed(article, key="e")
    with django_assert_num_queries(4):
        article_render(article=article)


def test_readers_get_stored_html_so_no_markdown_is_rendered_per_request(monkeypatch):
    """body_html is stored: reading an article back needs no Markdown at all."""
    article = make_article(body="Some *stored* text.")
    import markdown

    def refuse(*args, **kwargs):
        raise AssertionError("Markdown rendered while reading")

    monkeypatch.setattr(markdown.Markdown, "convert", refuse)
    stored = Article.objects.published().get(pk=article.pk)
    assert stored.body_html == "<p>Some <em>stored</em> text.</p>"


def test_interview_turns_are_rendered_and_sanitized_on_save():
    article = make_article(kind=Article.Kind.INTERVIEW)
    turn = make_exchange(article, text="We *will* win. <script>alert(1)</script>")
    assert turn.text_html == "<p>We <em>will</em> win. </p>"
