"""Light Markdown for text we did not write ourselves (candidates' answers, short notes).

Python-Markdown turns the text into HTML; nh3 then keeps a small allow-list and drops the rest,
so the result is safe to show with ``|safe``. Run it once, when the text is saved, and store
the HTML (README, "Robustness": untrusted text is sanitized once). Raw HTML typed into the
text is not trusted: script and style elements go with their content, other tags are stripped
to their text, event-handler attributes and ``javascript:`` URLs never survive.
"""

import markdown
import nh3

ALLOWED_TAGS = {"p", "br", "em", "strong", "ul", "ol", "li", "blockquote", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
# Links from untrusted text: no ranking credit, no window.opener for the target.
LINK_REL = "nofollow noopener"
URL_SCHEMES = {"http", "https", "mailto"}


def render_light_markdown(text):
    """Markdown ``text`` as sanitized HTML (an empty string for blank text)."""
    if not text or not text.strip():
        return ""
    html = markdown.markdown(text, output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        link_rel=LINK_REL,
        url_schemes=URL_SCHEMES,
        strip_comments=True,
    ).strip()
