"""Is a page inert? Parse it with html.parser and list anything a payload could have made live.

The site's own pages have no inline script and no event-handler attributes at all (the CSP
forbids them), so any of these in a response is an injection, whatever the payload was:

- a <script> that is not a JSON-LD block, or a JSON-LD block that is no longer valid JSON
  (a payload closing the block early with "</script>" breaks it);
- an on* attribute (onerror, onload, onfocus ...);
- a javascript:, vbscript: or data: address in href, src, action, formaction, data, srcdoc,
  poster, background or xlink:href;
- an element that runs or frames other content: iframe, frame, object, embed, applet, base,
  meta refresh, or an <svg>/<math> the site did not draw (compared with the same page drawn
  without the payload);
- a style= attribute (inline styles are forbidden by the CSP, so none is ours), or a
  stylesheet <link> that is not one of our static files.

Browsers strip leading spaces, tabs and newlines from a URL's scheme and are case-blind about
it, so the check does the same ("  JaVa\tScRiPt:").
"""

import json
import re
from collections import Counter
from html.parser import HTMLParser

URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "srcdoc",
    "poster",
    "background",
    "xlink:href",
    "srcset",
    "ping",
    "cite",
    "manifest",
    "codebase",
}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")
FRAMING_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal"}
# Drawn by the site itself (result bars, icons); only new ones count.
COUNTED_TAGS = {"svg", "math", "form", "style"}
_URL_NOISE = re.compile(r"[\x00-\x20]")


def _scheme_of(value):
    return _URL_NOISE.sub("", value or "").lower()


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.counted = Counter()
        self._in_json_ld = False
        self._json_ld = []
        self.json_ld_blocks = []

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag, attrs):
        attributes = dict(attrs)
        if tag in COUNTED_TAGS:
            self.counted[tag] += 1
        if tag == "script":
            kind = (attributes.get("type") or "").strip().lower()
            if kind == "application/ld+json" and "src" not in attributes:
                self._in_json_ld = True
                self._json_ld = []
            elif not (attributes.get("src") or "").startswith("/static/"):
                self.problems.append(f"a <script> that is not JSON-LD: {attrs!r}")
        if tag in FRAMING_TAGS:
            self.problems.append(f"a <{tag}> element: {attrs!r}")
        rel = (attributes.get("rel") or "").lower()
        if (
            tag == "link"
            and rel in {"stylesheet", "import"}
            and not (attributes.get("href") or "").startswith("/static/")
        ):
            self.problems.append(f"a stylesheet from elsewhere: {attrs!r}")
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            self.problems.append(f"a meta refresh: {attrs!r}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"an event handler {name}= on <{tag}>")
            if name == "style":
                self.problems.append(f"an inline style= on <{tag}>")
            if name in URL_ATTRIBUTES and _scheme_of(value).startswith(DANGEROUS_SCHEMES):
                self.problems.append(f"a {value!r} address in {name}= on <{tag}>")

    def handle_data(self, data):
        if self._in_json_ld:
            self._json_ld.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._in_json_ld:
            self._in_json_ld = False
            text = "".join(self._json_ld)
            self.json_ld_blocks.append(text)
            try:
                json.loads(text)
            except ValueError:
                self.problems.append(f"a JSON-LD block that is not valid JSON: {text[:200]!r}")


def scan(html):
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner


def injected(html, baseline=None):
    """Problems found in ``html``; with ``baseline`` (the same page without the payload), also
    any <svg>, <math>, <form> or <style> more than the baseline has."""
    found = scan(html)
    problems = list(found.problems)
    if baseline is not None:
        expected = scan(baseline).counted
        for tag, count in found.counted.items():
            if count > expected.get(tag, 0):
                problems.append(f"{count - expected.get(tag, 0)} more <{tag}> than without it")
    return problems


def assert_inert(response, baseline=None, *, payload=None):
    """The response is HTML in which the payload did nothing (or not HTML at all)."""
    content_type = response.get("Content-Type", "")
    if "html" not in content_type:
        return
    problems = injected(response.content.decode(errors="replace"), baseline)
    assert not problems, f"payload {payload!r} came out live: {problems}"
