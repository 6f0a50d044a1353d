"""The checker the hostile tests rely on finds what a live payload would add to a page."""

import pytest

from tests.hostile.inert import injected

PAGE = (
    '<html><head><script type="application/ld+json">{"@type": "WebSite"}</script>'
    '<link rel="stylesheet" href="/static/css/site.css"></head>'
    '<body><a href="/articles/">Articles</a><svg width="10"></svg>{}</body></html>'
)


@pytest.mark.parametrize(
    "live",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="  JaVa\tScRiPt:alert(1)">x</a>',
        '<iframe src="/"></iframe>',
        "<object data=x></object>",
        '<svg onload="alert(1)"></svg>',
        '<div style="color:red">x</div>',
        '<meta http-equiv="refresh" content="0;url=/">',
        '<link rel="stylesheet" href="//evil.example/x.css">',
        '<form action="data:text/html,x"></form>',
    ],
)
def test_a_live_payload_is_found(live):
    assert injected(PAGE.replace("{}", live), PAGE.replace("{}", ""))


def test_a_json_ld_block_broken_open_by_a_payload_is_found():
    broken = PAGE.replace('"WebSite"', '"</script><b>x</b>"').replace("{}", "")
    assert injected(broken)


def test_escaped_payloads_and_the_sites_own_markup_are_not_reported():
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;"
    assert injected(PAGE.replace("{}", escaped), PAGE.replace("{}", "")) == []
