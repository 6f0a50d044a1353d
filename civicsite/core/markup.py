"""Light Markdown for text we did not write ourselves (candidates' answers, short notes), and
the site's own pages (About, Contact, Corrections policy), plus the heading rule every
Markdown text on the site follows.

Python-Markdown turns the text into HTML; nh3 then keeps a small allow-list and drops the rest,
so the result is safe to show with ``|safe``. Run it once, when the text is saved, and store
the HTML (README, "Robustness": untrusted text is sanitized once). Raw HTML typed into the
text is not trusted: script and style elements go with their content, other tags are stripped
to their text, event-handler attributes and ``javascript:`` URLs never survive.
"""

import markdown
import nh3
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = {"p", "br", "em", "strong", "ul", "ol", "li", "blockquote", "a"}
# A site page (civicsite.models.Page) is the newsroom's own text: it may have headings.
PAGE_TAGS = ALLOWED_TAGS | {"h2", "h3", "h4"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
# Links from untrusted text: no ranking credit, no window.opener for the target.
LINK_REL = "nofollow noopener"
URL_SCHEMES = {"http", "https", "mailto"}
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")


class _ShiftHeadings(Treeprocessor):
    """The page's headline is its only <h1>, and headings never skip a level (WCAG 1.3.1,
    axe's heading-order): the text's top level becomes <h2>, whether the editor wrote it with
    ``#`` or ``##``, the levels below follow it, and a heading is never more than one level
    below the one before it (``##`` then ``####`` gives h2 then h3)."""

    def run(self, root):
        headings = [element for element in root.iter() if element.tag in HEADING_TAGS]
        if not headings:
            return
        shift = 2 - min(int(element.tag[1]) for element in headings)
        previous = 1
        for element in headings:
            level = min(int(element.tag[1]) + shift, previous + 1, 6)
            element.tag = f"h{level}"
            previous = level


class HeadingLevels(markdown.Extension):
    """Headings under the page's <h1>: see ``_ShiftHeadings``. Every Markdown text shown on
    a page with its own headline (article bodies, interview turns, site pages) uses it."""

    def extendMarkdown(self, md):
        md.treeprocessors.register(_ShiftHeadings(md), "shift_headings", 5)


def _render(text, tags, link_rel):
    if not text or not text.strip():
        return ""
    html = markdown.markdown(text, extensions=[HeadingLevels()], output_format="html")
    return nh3.clean(
        html,
        tags=tags,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        link_rel=link_rel,
        url_schemes=URL_SCHEMES,
        strip_comments=True,
    ).strip()


def render_light_markdown(text):
    """Markdown ``text`` as sanitized HTML (an empty string for blank text)."""
    return _render(text, ALLOWED_TAGS, LINK_REL)


def render_page_markdown(text):
    """A site page's Markdown as sanitized HTML: the light allow-list plus headings from
    <h2>. The newsroom's own links, so no nofollow, but never window.opener."""
    return _render(text, PAGE_TAGS, "noopener")
