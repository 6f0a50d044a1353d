"""The edge cache, for real: Varnish (Debian's varnish + varnish-modules for xkey) in front of
gunicorn, with the VCL from deploy/. A page is kept, cookies and staff pass through it,
tracking parameters never make a copy, and a results import run as its own process purges the
page by tag the moment it commits: the next answers show the new figure within the grace.

Skipped when varnishd is missing, unless REQUIRE_EDGE_CACHE=1 (CI installs it). The site runs on
its own SQLite file (tests/civicsite/sites.py), so this runs in the SQLite run only.
"""

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from deploy import render_varnish
from tests.civicsite import sites
from tests.civicsite.test_other_processes import (
    IMPORT,
    RESULTS,
    candidate_total,
    load_race,
    read_rows,
    with_first_count_raised,
)

VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"
GRACE_SECONDS = 5

pytestmark = [
    pytest.mark.skipif(
        bool(os.environ.get("REDIS_URL")), reason="runs once, with the embedded default"
    ),
    pytest.mark.skipif(
        not os.path.exists(VARNISHD) and os.environ.get("REQUIRE_EDGE_CACHE") != "1",
        reason="varnishd not installed (Debian's varnish and varnish-modules)",
    ),
]


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    """gunicorn serving a site with one race, Varnish in front (one for the module)."""
    tmp_path = tmp_path_factory.mktemp("edge")
    app_port, edge_port = sites.free_port(), sites.free_port()
    edge_url = f"http://127.0.0.1:{edge_port}"
    env = sites.site_env(tmp_path, EDGE_PURGE_URLS=edge_url + "/")
    race_url = load_race(env)
    # Varnish's worker runs as its own user: its working folder and VCL must not be under
    # pytest's private (0700) temporary folder.
    workdir = Path(tempfile.mkdtemp(prefix="civicsite-varnish-"))
    workdir.chmod(0o755)
    vcl = workdir / "site.vcl"
    vcl.write_text(render_varnish.render(BACKEND_PORT=app_port, GRACE=f"{GRACE_SECONDS}s"))
    varnish = [VARNISHD, "-F", "-n", str(workdir / "run"), "-f", str(vcl)]
    varnish += ["-a", f"127.0.0.1:{edge_port}", "-s", "malloc,64m"]
    with sites.gunicorn(env, app_port), sites.running(varnish):
        sites.wait_for(f"http://127.0.0.1:{app_port}/healthz")
        sites.wait_for(edge_url + "/healthz", seconds=30)
        yield edge_url, race_url, env
    shutil.rmtree(workdir, ignore_errors=True)


def test_a_page_is_kept_at_the_edge_and_purged_by_tag_when_an_import_commits(edge, tmp_path):
    edge_url, race_url, env = edge
    url = edge_url + race_url
    first_headers, before = sites.get(url)
    headers, again = sites.get(url)
    assert headers["X-Edge-Cache"] == "hit"
    assert again == before
    assert "xkey" not in headers  # the tags are for the edge cache only
    assert sites.get(url + "?utm_source=social&fbclid=abc")[0]["X-Edge-Cache"] == "hit"
    assert sites.get(url, {"Cookie": "sessionid=abc"})[0]["X-Edge-Cache"] == "pass"
    assert sites.get(url, {"Cookie": "_ga=GA1.2.3"})[0]["X-Edge-Cache"] == "hit"

    rows = read_rows(RESULTS)
    old_total = candidate_total(rows, rows[0]["candidate"])
    changed = tmp_path / "changed.csv"
    with_first_count_raised(RESULTS, changed, by=1000)
    sites.manage(env, "import_results", str(changed), *IMPORT)
    committed = time.monotonic()

    # Soft purge: an answer or two may still be the last copy while Varnish fetches the page.
    while True:
        headers, body = sites.get(url)
        if f"{old_total + 1000:,}" in body:
            break
        assert f"{old_total:,}" in body
        assert time.monotonic() - committed < GRACE_SECONDS, "still the old figure after grace"
        time.sleep(0.05)
    staleness = time.monotonic() - committed
    assert staleness < GRACE_SECONDS
    assert sites.get(url)[0]["X-Edge-Cache"] == "hit"


def test_a_purge_needs_tags(edge):
    import urllib.error
    import urllib.request

    edge_url, _, _ = edge
    request = urllib.request.Request(edge_url + "/", method="PURGE")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 400
