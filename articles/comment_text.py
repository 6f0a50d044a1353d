"""A comment's text: plain text made into safe HTML once, and what makes two comments the same.

``render_comment_text``: the text is escaped, its line breaks kept and its http(s) addresses made
into links with rel="nofollow ugc noopener", once, when the comment is saved (Comment.save stores
the result in ``text_html``). No HTML a commenter types survives. This module knows no model, so
the Comment model and the moderation rules (articles/comments.py) can both build on it.
"""

import hashlib
import re

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

# Bidirectional embedding, override and isolate controls (they can make text display in an
# order other than the one typed, e.g. "gpj.exe") and C0 control characters other than tab and
# line feed. Nobody needs them in a comment, a name or an address.
_UNWANTED_CHARACTERS = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b-\x1f\x7f]")
# http(s) addresses and bare www. addresses; quotes and angle brackets end an address.
_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'`]+")
_TRAILING_PUNCTUATION = ".,;:!?'\"*"


def clean_plain_text(value):
    """Line breaks normalised to \\n, unwanted control characters removed."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    return _UNWANTED_CHARACTERS.sub("", value)


def _trim_url(url):
    """Drop what ends a sentence rather than the address: "see www.x.org." or "(www.x.org)"."""
    while url:
        if url[-1] in _TRAILING_PUNCTUATION or url[-1] == ")" and url.count(")") > url.count("("):
            url = url[:-1]
        else:
            break
    return url


def _linkify(line):
    """One line of plain text to HTML: escaped, with its addresses as nofollow links."""
    parts = []
    position = 0
    for match in _URL.finditer(line):
        url = _trim_url(match.group())
        if not url or url.lower() in ("http://", "https://", "www."):
            continue
        href = url if url.lower().startswith(("http://", "https://")) else f"https://{url}"
        parts.append(escape(line[position : match.start()]))
        parts.append(format_html('<a href="{}" rel="nofollow ugc noopener">{}</a>', href, url))
        position = match.start() + len(url)
    parts.append(escape(line[position:]))
    return "".join(parts)


def render_comment_text(text):
    """A comment's plain text as HTML: paragraphs at blank lines, <br> at line breaks, links.

    Everything the commenter typed is escaped; the only markup is what this function writes
    (<p>, <br>, <a href="http(s)://..." rel="nofollow ugc noopener">), so the result is safe
    to print as it is.
    """
    text = clean_plain_text(text).strip()
    paragraphs = [p for p in re.split(r"\n[ \t]*\n\s*", text) if p.strip()]
    html = "\n".join(
        "<p>" + "<br>\n".join(_linkify(line) for line in paragraph.split("\n")) + "</p>"
        for paragraph in paragraphs
    )
    return mark_safe(html)  # built from escaped parts only, above


def count_links(text):
    return len(_URL.findall(text or ""))


def comment_fingerprint(*, name, email, text):
    """What makes two comments on one article the same: name, email (any case) and text."""
    key = "\x00".join([name.strip(), email.strip().lower(), text.strip()])
    return hashlib.sha256(key.encode()).hexdigest()


class ReaderTextModel:
    """Mixed into models that keep a reader's text (comments, readers' questions): ``save()``
    stores the text's escaped HTML and the duplicate fingerprint beside it, also when only
    some fields are saved."""

    def save(self, *args, **kwargs):
        self.text_html = render_comment_text(self.text)
        self.fingerprint = comment_fingerprint(name=self.name, email=self.email, text=self.text)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", "email", "text"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "text_html", "fingerprint"}
        super().save(*args, **kwargs)
