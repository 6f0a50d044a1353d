"""Markdown to safe HTML, once, at save time.

Editors write article bodies (and interview turns) in Markdown. ``render_body`` turns that into
HTML with python-markdown, places figures, pull quotes and embedded posts where the body says
``[figure: key]``, ``[pullquote: key]`` or ``[embed: key]`` on a line of its own, and then runs
the whole result through ONE nh3 sanitizer with an explicit allow-list. The pieces are drawn by
small templates (templates/articles/includes/) and go through the same sanitizer as the prose,
so the allow-list admits exactly what those templates need and nothing an editor (or a pasted
snippet) could use to run script: no <script>, <style>, <iframe>, event handlers, or
javascript:/data: URLs.

One piece is the exception: ``[results: race-slug]`` (or ``[results: election-slug/race-slug]``
for an older race with the same slug; a bare slug is the newest race that has it) places the
race's live results box, our own embed page (candidates/embeds.py) in an iframe, so the body,
rendered once, shows figures that keep changing. The sanitizer still refuses every iframe an
editor writes; this one is put in after sanitizing, in place of a marker made with a random
value no body can guess, and its address is built by ``reverse`` from slugs the placement
pattern allows.

Nothing here queries the database but a ``[results: ...]`` line (one query each, on save):
callers pass the article's figures, pull quotes and embeds (see Article.render_body and
services.article_render).
"""

import re
import secrets
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field

import markdown
import nh3
from django.db.models import Count
from django.template.loader import render_to_string
from markdown.blockprocessors import BlockProcessor

from civicsite.core.markup import HeadingLevels

# Figures in the body column: full width on a phone, the column width (about 46rem) beyond.
BODY_FIGURE_SIZES = "(min-width: 50rem) 46rem, 100vw"
ALLOWED_TAGS = {
    # prose from Markdown
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "a", "ul", "ol",
    "li", "blockquote", "code", "pre", "sub", "sup", "abbr", "del", "ins", "s", "small",
    "table", "thead", "tbody", "tr", "th", "td", "caption",
    # the placement templates
    "figure", "figcaption", "picture", "source", "img", "aside", "span", "time", "cite",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "srcset", "sizes", "width", "height", "alt"},
    "source": {"srcset", "sizes"},
    "time": {"datetime"},
    "blockquote": {"cite"},
    "ol": {"start"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
# Attributes whose values are fixed lists (nh3 drops any other value).
ALLOWED_ATTRIBUTE_VALUES = {
    "img": {"loading": {"lazy", "eager"}, "decoding": {"async"}},
    "source": {"type": {"image/webp", "image/jpeg", "image/png", "image/gif"}},
}
ALLOWED_CLASSES = {
    "figure": {"figure"},
    "span": {"figure__caption", "figure__credit", "embed-post__name", "embed-post__handle"},
    "aside": {"pull-quote"},
    "blockquote": {"embed-post"},
    "p": {"pull-quote__source", "embed-post__author", "embed-post__text", "embed-post__meta"},
}
URL_SCHEMES = {"http", "https", "mailto"}
_SRCSET_URL = re.compile(r"^(/|https?://)[^\s,]+$")


def _filter_attribute(tag, attribute, value):
    """srcset holds URLs nh3 does not check: only site-relative or http(s) ones pass."""
    if attribute == "srcset":
        candidates = [part.strip().split(" ")[0] for part in value.split(",") if part.strip()]
        if not candidates or not all(_SRCSET_URL.match(url) for url in candidates):
            return None
    return value


_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags={"script", "style"},
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_filter_attribute,
    tag_attribute_values=ALLOWED_ATTRIBUTE_VALUES,
    allowed_classes=ALLOWED_CLASSES,
    url_schemes=URL_SCHEMES,
    link_rel="noopener",
)


def sanitize_html(html):
    """The one sanitizer for rendered bodies: everything off the allow-list is removed."""
    return _cleaner.clean(html)


PLACEMENT_RE = re.compile(
    r"^[ ]{0,3}\[(?P<kind>figure|pullquote|embed|results):[ \t]*(?P<key>[-\w]+(?:/[-\w]+)?)"
    r"[ \t]*\][ \t]*$",
    re.MULTILINE,
)
# A results line's key: a race's slug, or "election-slug/race-slug".
_RESULTS_KEY = re.compile(r"^(?:(?P<election>[-\w]+)/)?(?P<race>[-\w]+)$")


@dataclass
class Rendered:
    html: str
    # (kind, key) of placements the body asks for but the article does not have.
    unknown: list = field(default_factory=list)


class _PlacementProcessor(BlockProcessor):
    """Replaces a ``[kind: key]`` line with the piece's HTML (via the raw-HTML stash)."""

    def __init__(self, parser, renderers, unknown):
        super().__init__(parser)
        self.renderers = renderers
        self.unknown = unknown

    def test(self, parent, block):
        return bool(PLACEMENT_RE.search(block))

    def run(self, parent, blocks):
        block = blocks.pop(0)
        match = PLACEMENT_RE.search(block)
        before, after = block[: match.start()].rstrip("\n"), block[match.end() :].lstrip("\n")
        if before.strip():
            self.parser.parseBlocks(parent, [before])
        kind, key = match["kind"], match["key"].lower()
        # Only a results line's key may name an election ("election/race").
        html = self.renderers[kind](key) if kind == "results" or "/" not in key else ""
        if html:
            paragraph = etree.SubElement(parent, "p")
            paragraph.text = self.parser.md.htmlStash.store(html.strip())
        else:
            self.unknown.append((kind, key))
        if after.strip():
            blocks.insert(0, after)


class _PlacementExtension(markdown.Extension):
    def __init__(self, renderers, unknown):
        super().__init__()
        self.renderers = renderers
        self.unknown = unknown

    def extendMarkdown(self, md):
        # Just above the paragraph processor (10): lists, quotes and code blocks go first, so
        # a placement line inside a code block stays literal text.
        md.parser.blockprocessors.register(
            _PlacementProcessor(md.parser, self.renderers, self.unknown), "placement", 15
        )


def _by_key(items):
    return {item.key.lower(): item for item in items}


def render_body(text, *, figures=(), pull_quotes=(), embeds=()):
    """Markdown with placements to sanitized HTML; reports placements it could not fill."""
    figures, pull_quotes, embeds = _by_key(figures), _by_key(pull_quotes), _by_key(embeds)

    def piece(template, name, items, **extra):
        def render(key):
            if key not in items:
                return ""
            return render_to_string(template, {name: items[key], **extra})

        return render

    frames = _ResultsFrames()
    renderers = {
        "figure": piece(
            "articles/includes/figure.html", "figure", figures, sizes=BODY_FIGURE_SIZES
        ),
        "pullquote": piece("articles/includes/pull_quote.html", "quote", pull_quotes),
        "embed": piece("articles/includes/embed_post.html", "embed", embeds),
        "results": frames.marker,
    }
    unknown = []
    md = markdown.Markdown(
        extensions=[
            "sane_lists",
            "tables",
            "fenced_code",
            _PlacementExtension(renderers, unknown),
            HeadingLevels(),  # headings start at <h2> under the headline (core/markup.py)
        ],
        output_format="html",
    )
    html = md.convert(text or "")
    return Rendered(html=frames.put_in(sanitize_html(html)), unknown=unknown)


class _ResultsFrames:
    """``[results: ...]`` lines (module docstring): a marker for each while the body is
    rendered and sanitized, then the race's results box in the marker's place."""

    def __init__(self):
        self.prefix = f"results-box-{secrets.token_hex(8)}-"
        self.frames = {}

    def marker(self, key):
        from candidates.embeds import snippet_height  # only for a body with such a line
        from candidates.models import Race

        match = _RESULTS_KEY.match(key)
        races = Race.objects.filter(slug=match["race"])
        if match["election"]:
            races = races.filter(election__slug=match["election"])
        race = (
            races.select_related("election", "office")
            .annotate(rows=Count("candidacies"))
            .order_by("-election__date", "-pk")
            .first()
        )
        if race is None:
            return ""
        marker = f"{self.prefix}{len(self.frames)}"
        # The frame cannot size itself: the height partners' snippets get too.
        context = {"race": race, "height": snippet_height(race.rows)}
        self.frames[marker] = render_to_string("articles/includes/results_frame.html", context)
        return marker

    def put_in(self, html):
        for marker, frame in self.frames.items():
            html = html.replace(f"<p>{marker}</p>", frame.strip())
        return html


def places(text, kind, key):
    """Whether the Markdown ``text`` places the piece ``[kind: key]`` on a line of its own.

    The article page asks it of its lead figure: a lead the body also places is shown once,
    where the body places it, not a second time above the headline's first paragraph.
    """
    key = (key or "").lower()
    return any(
        match["kind"] == kind and match["key"].lower() == key
        for match in PLACEMENT_RE.finditer(text or "")
    )


def render_markdown(text):
    """Plain Markdown (no placements) to sanitized HTML, e.g. an interview turn."""
    return render_body(text).html
