"""`make bench ARGS=--scenario election-night`: the site while results change under load.

Election night is when readers reload most and results change every few minutes. This puts
16 connections (wrk) on the home page, the ten most-read races (pages and their JSON) and a
spread of long-tail articles for ``--night-seconds`` (120), while a results import for those
ten races runs every ``--import-every`` seconds (10) in this process, as the poller would.
It runs twice: straight at gunicorn, then through the edge cache (Varnish with xkey,
deploy/varnish.vcl.template) when varnishd is installed.

Reported per 5-second window: requests/s, its ratio to the ceiling (the constant view on a
server with the page cache off, measured in the same run), p50 and p99. Per import: its
staleness (from the import's commit to the first response of a changed race's page showing
the new figure) and renders (pages rendered again between this import and the next: misses
of addresses already served before, from gunicorn's access log; a long-tail article's first
render is not caused by an import and is counted apart). JSON in bench/results/.
"""

import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

LONG_TAIL = 400  # articles in the spread, served once before the night starts
WINDOW_SECONDS = 5
VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"

WRK_SCRIPT = """
-- The night's mix: 10% home, 40% race pages, 20% race JSON, 30% long-tail articles.
local home, races, json, tail = {home}, {races}, {json}, {tail}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end
function init(args)
  math.randomseed(seed * 7919 + os.time())
end
function request()
  local r = math.random()
  local path
  if r < 0.1 then path = home
  elseif r < 0.5 then path = races[math.random(#races)]
  elseif r < 0.7 then path = json[math.random(#json)]
  else path = tail[math.random(#tail)] end
  return wrk.format("GET", path)
end
"""


def lua_list(items):
    return "{" + ", ".join(json.dumps(item) for item in items) + "}"


class Night:
    """The ten races, their import file, and the long tail, from the bench data set."""

    def __init__(self):
        from django.urls import reverse

        from articles.models import Article
        from candidates.models import Race, ReportingUnit, VoteCount
        from civicsite.core import pagecache
        from civicsite.management.commands.seed_bench import PREFIX

        # The ten races of the newest elections (the bench data set has a few per election).
        self.races = list(
            Race.objects.filter(election__slug__startswith=PREFIX)
            .select_related("election", "office")
            .order_by("-election__date", "election__slug", "office__district", "pk")[:10]
        )
        self.elections = {race.election_id: race.election for race in self.races}
        # Tonight they are being counted: half the precincts in, not final.
        Race.objects.filter(pk__in=[race.pk for race in self.races]).update(
            status=Race.Status.COUNTING, final_at=None
        )
        ReportingUnit.objects.filter(race__in=self.races).update(precincts_reporting=20)
        pagecache.invalidate()
        self.counts = list(
            VoteCount.objects.filter(candidacy__race__in=self.races)
            .order_by("candidacy__race", "candidacy__ballot_order", "unit__name")
            .values_list(
                "candidacy__race__election_id",
                "unit__name",
                "candidacy__race__office__name",
                "candidacy__candidate__name",
                "votes",
            )
        )
        self.round = 0
        self.home = reverse("home")
        kwargs = [{"election_slug": race.election.slug, "slug": race.slug} for race in self.races]
        self.race_pages = [reverse("candidates:race-detail", kwargs=k) for k in kwargs]
        self.race_json = [reverse("candidates:race-results-json", kwargs=k) for k in kwargs]
        self.tail = [
            article.get_absolute_url()
            for article in Article.objects.published()
            .filter(slug__startswith=PREFIX)
            .order_by("-publish_at")[:LONG_TAIL]
        ]
        # Long-tail stories with one of the ten races' results boxes show the changed races too.
        self.tail_showing = (
            Article.objects.published()
            .filter(slug__startswith=PREFIX, races__in=self.races)
            .filter(
                pk__in=Article.objects.published()
                .filter(slug__startswith=PREFIX)
                .order_by("-publish_at")[:LONG_TAIL]
                .values("pk")
            )
            .distinct()
            .count()
        )
        self.probe_page = self.race_pages[0]
        self.probe_office = self.races[0].office.name

    def import_texts(self):
        """{election: file} of every count of the ten races, each raised by this round's step."""
        self.round += 1
        files = {}
        for election_id, county, office, name, votes in self.counts:
            lines = files.setdefault(election_id, ["county,office,candidate,votes"])
            lines.append(f"{county},{office},{name},{votes + 13 * self.round}")
        return {self.elections[key]: "\n".join(lines) + "\n" for key, lines in files.items()}

    def probe_figure(self):
        """The first candidate's total in the probed race after this round, as pages print it."""
        totals = Counter()
        for election_id, _, office, name, votes in self.counts:
            if election_id == self.races[0].election_id and office == self.probe_office:
                totals[name] += votes + 13 * self.round
        return f"{totals[min(totals)]:,}"

    def wrk_script(self, folder):
        path = Path(folder) / "night.lua"
        path.write_text(
            WRK_SCRIPT.format(
                home=json.dumps(self.home),
                races=lua_list(self.race_pages),
                json=lua_list(self.race_json),
                tail=lua_list(self.tail),
            )
        )
        return path

    def every_address(self):
        return [self.home, *self.race_pages, *self.race_json, *self.tail]


def run_imports(night, base, stop, imports, every):
    """An import every ``every`` seconds; after each, poll the probed page for its figure."""
    from django.db import transaction

    from candidates.importing import import_results

    next_at = time.monotonic() + every
    while not stop.is_set():
        if stop.wait(max(0.0, next_at - time.monotonic())):
            return
        next_at += every
        files = night.import_texts()
        started = time.time()
        with transaction.atomic():  # one import of the ten races: one commit
            for election, text in files.items():
                import_results(text, election=election)
        committed = time.time()
        figure = night.probe_figure()
        staleness = None
        while time.time() - committed < 30:
            with urllib.request.urlopen(base + night.probe_page, timeout=10) as response:
                if figure in response.read().decode():
                    staleness = time.time() - committed
                    break
            time.sleep(0.02)
        imports.append(
            {
                "started": started,
                "committed": committed,
                "import_s": round(committed - started, 3),
                "staleness_s": None if staleness is None else round(staleness, 3),
            }
        )


def windows(base, script, seconds, args, run_wrk):
    """wrk in back-to-back windows of WINDOW_SECONDS; one result per window."""
    out = []
    for _ in range(max(1, seconds // WINDOW_SECONDS)):
        started = time.time()
        result = run_wrk(base + "/", args, script=script, duration=WINDOW_SECONDS)
        out.append({"started": started, **result})
    return out


def renders_per_import(log_path, imports, served_before):
    """Re-renders of addresses already served, between each import and the next."""
    seen = set(served_before)
    misses = []  # (unix second, address) of re-renders
    first_renders = 0
    stamp = re.compile(r"\[(\d+/\w+/\d+:\d+:\d+:\d+ [+-]\d+)\] (\S+) (\S+)")
    for line in Path(log_path).read_text().splitlines():
        match = stamp.search(line)
        if not match or match.group(3) != "miss":
            continue
        when = time.mktime(time.strptime(match.group(1), "%d/%b/%Y:%H:%M:%S %z"))
        address = match.group(2)
        if address in seen:
            misses.append((when, address))
        else:
            seen.add(address)
            first_renders += 1
    counts = []
    for index, done in enumerate(imports):
        start = int(done["started"])
        end = int(imports[index + 1]["started"]) if index + 1 < len(imports) else float("inf")
        counts.append(sum(1 for when, _ in misses if start <= when < end))
    return counts, first_renders


def summarise(label, measured, imports, renders, first_renders, ceiling, pages_showing):
    for window in measured:
        window["ratio"] = round(window["rps"] / ceiling, 3)
    staleness = [done["staleness_s"] for done in imports]
    print(f"\n{label}: {len(measured)} windows of {WINDOW_SECONDS} s, {len(imports)} imports")
    print(f"{'window':>6} {'req/s':>8} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}")
    for number, window in enumerate(measured, start=1):
        print(
            f"{number:>6} {window['rps']:>8.0f} {window['ratio']:>6.2f} "
            f"{window['p50_ms']:>7.1f} {window['p99_ms']:>7.1f} {window['errors']:>6}"
        )
    print(f"staleness per import (s): {staleness}")
    print(
        f"renders per import: {renders} (pages requested that show the changed races: "
        f"{pages_showing}; first renders of long-tail pages: {first_renders})"
    )
    return {
        "windows": measured,
        "min_ratio": min(window["ratio"] for window in measured),
        "max_p99_ms": max(window["p99_ms"] for window in measured),
        "staleness_s": staleness,
        "renders_per_import": renders,
        "first_renders": first_renders,
        "imports": imports,
        "pages_showing_changed_races": pages_showing,
    }


def scenario(night, base, args, run_wrk, log_path, fetch):
    """Warm every address, then the night: windows of load while imports run."""
    for address in night.every_address():
        fetch(base + address)
        fetch(base + address)
    served = set(night.every_address())
    stop, imports = threading.Event(), []
    with tempfile.TemporaryDirectory() as folder:
        script = night.wrk_script(folder)
        importer = threading.Thread(
            target=run_imports, args=(night, base, stop, imports, args.import_every)
        )
        importer.start()
        try:
            measured = windows(base, script, args.night_seconds, args, run_wrk)
        finally:
            stop.set()
            importer.join(timeout=60)
    renders, first = renders_per_import(log_path, imports, served)
    return measured, imports, renders, first


def start_varnish(backend_port, port):
    import sys

    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root / "deploy"))
    import render_varnish

    # Varnish's worker runs as its own user: its folder must be readable by it.
    workdir = Path(tempfile.mkdtemp(prefix="civicsite-bench-varnish-"))
    workdir.chmod(0o755)
    vcl = workdir / "site.vcl"
    vcl.write_text(render_varnish.render(BACKEND_PORT=backend_port))
    command = [VARNISHD, "-F", "-n", str(workdir / "run"), "-f", str(vcl)]
    command += ["-a", f"127.0.0.1:{port}", "-s", "malloc,256m"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, workdir


def run(args, env, base_env_ceiling):
    """The scenario through gunicorn, then through the edge cache; returns the report."""
    from django.conf import settings
    from django.db import connections
    from django.urls import reverse

    from bench import RESULTS, fetch, free_port, gunicorn_server, run_wrk

    night = Night()
    connections.close_all()
    pages_showing = 1 + len(night.race_pages) + len(night.race_json) + night.tail_showing
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    report = {"scenario": "election-night", "when": stamp, "runs": {}}
    with gunicorn_server(base_env_ceiling, args, f"night-ceiling-{stamp}") as ceiling_base:
        ceiling = max(
            run_wrk(ceiling_base + reverse("bench-ceiling"), args)["requests_per_second"]
            for _ in range(args.rounds)
        )
    report["ceiling_rps"] = ceiling
    print(f"ceiling (constant view, page cache off): {ceiling:.0f} req/s")

    log_path = RESULTS / f"night-gunicorn-{stamp}.access.log"
    with gunicorn_server(env, args, f"night-{stamp}", access_log=log_path) as base:
        measured, imports, renders, first = scenario(night, base, args, run_wrk, log_path, fetch)
    report["runs"]["gunicorn"] = summarise(
        "Through gunicorn", measured, imports, renders, first, ceiling, pages_showing
    )

    if Path(VARNISHD).exists():
        edge_port, app_port = free_port(), free_port()
        edge_base = f"http://127.0.0.1:{edge_port}"
        edge_env = {**env, "EDGE_PURGE_URLS": edge_base + "/"}
        settings.EDGE_PURGE_URLS = [edge_base + "/"]  # this process's imports purge it too
        log_path = RESULTS / f"night-edge-{stamp}.access.log"
        varnish, workdir = start_varnish(app_port, edge_port)
        try:
            with gunicorn_server(
                edge_env, args, f"night-edge-{stamp}", access_log=log_path, port=app_port
            ):
                wait_for_edge(edge_base)
                measured, imports, renders, first = scenario(
                    night, edge_base, args, run_wrk, log_path, fetch
                )
                cached = {
                    name: run_wrk(edge_base + address, args)
                    for name, address in (("home", night.home), ("race", night.probe_page))
                }
        finally:
            varnish.terminate()
            varnish.wait(timeout=30)
            shutil.rmtree(workdir, ignore_errors=True)
            settings.EDGE_PURGE_URLS = []
        edge = summarise(
            "Through the edge cache", measured, imports, renders, first, ceiling, pages_showing
        )
        edge["cached_pages"] = {
            name: {
                "rps": result["requests_per_second"],
                "ratio": round(result["requests_per_second"] / ceiling, 2),
                "p99_ms": result["p99_ms"],
            }
            for name, result in cached.items()
        }
        print(f"edge cache, cached pages alone: {edge['cached_pages']}")
        report["runs"]["edge"] = edge
    else:
        print("varnishd not installed: the edge-cache run is skipped (Debian's varnish).")
    path = RESULTS / f"{stamp}-election-night.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"Written to {path.relative_to(RESULTS.parent.parent)}")
    return report


def wait_for_edge(base, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("varnishd did not answer within 30 s.")
