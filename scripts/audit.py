"""`make audit`: axe-core, the Nu HTML validator and Lighthouse on every page type, with
realistic data.

What it does, in order:

1. sets up a throwaway site in a temporary folder (a new SQLite file, media and cache
   folders; DEBUG=0, a generated SECRET_KEY, ALLOWED_HOSTS=127.0.0.1): migrate,
   collectstatic, ``load_demo``, then scripts/audit_data.py (a race counting with county
   results, a called race, a final one, a ballot measure, a voter guide three candidates
   answered, a long article with approved comments), which prints one address of each page
   type;
2. serves it with gunicorn on a free loopback port;
3. fetches each page and runs the Nu HTML validator (``vnu.jar``, /usr/bin/java) on the HTML
   (errors per page), then axe-core (injected by Playwright into /usr/bin/chromium, headless)
   at 390 and 1280 px (violations by impact), then Lighthouse (mobile and desktop) on the home,
   article, race and guide pages (the four category scores, of the run with the median
   performance score of three);
4. prints a table, writes everything (with each finding's rule and elements) to
   scripts/audit/report.json (git-ignored), and exits 1 on any critical or serious axe
   violation, any Nu error or any Lighthouse score under 95, unless ``--report-only``.

Traffic stays on 127.0.0.1: Chromium (for axe and for Lighthouse) resolves no other host
(``--host-resolver-rules``), and Lighthouse's simulated throttling needs no network. The tools
are npm packages pinned in scripts/audit/package.json, installed by ``make audit`` with
``npm ci --ignore-scripts``. README.md, "Audit", says how to read the report.
"""

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "scripts" / "audit"
NODE_MODULES = TOOLS / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
LIGHTHOUSE = NODE_MODULES / "lighthouse" / "cli" / "index.js"
REPORT = TOOLS / "report.json"
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
JAVA = os.environ.get("JAVA", "/usr/bin/java")

# As tests/browser/conftest.py, plus: no host but the loopback one resolves.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
WIDTHS = {390: 844, 1280: 900}  # width: height
LIGHTHOUSE_PAGES = ["home", "article", "race-counting", "guide"]
LIGHTHOUSE_CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
LIGHTHOUSE_MIN = 95
IMPACTS = ["critical", "serious", "moderate", "minor"]
# Pages whose HTTP status is not 200 by design.
EXPECTED_STATUS = {"404": 404}


def log(message):
    print(message, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_env(folder):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"sqlite:///{folder / 'site.sqlite3'}",
        CACHE_DIR=str(folder / "cache"),
        MEDIA_ROOT=str(folder / "media"),
        STATIC_ROOT=str(folder / "static"),
        SERVE_MEDIA="1",
        DEMO_BANNER="1",
        LOG_LEVEL="WARNING",
    )
    return env


def run(env, *command, capture=False):
    result = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
    )
    return result.stdout


def build_site(env):
    log("Setting up the site: migrate, collectstatic, demo content, audit data ...")
    run(env, "manage.py", "migrate", "--noinput", "--verbosity", "0")
    run(env, "manage.py", "collectstatic", "--noinput", "--verbosity", "0")
    run(env, "manage.py", "load_demo", "--verbosity", "0")
    return json.loads(run(env, "scripts/audit_data.py", capture=True))


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for(url, seconds=30):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return fetch(url)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def validate_html(pages, folder):
    """Nu HTML validator on the saved HTML of every page: {name: [error messages]}."""
    files = {}
    for name, html in pages.items():
        path = folder / f"{name}.html"
        path.write_bytes(html)
        files[path] = name
    # vnu takes file paths (a file: URI is read as an address and silently skipped) and
    # names each file in its messages as "file:" + the path.
    result = subprocess.run(
        [JAVA, "-jar", str(VNU), "--format", "json", "--exit-zero-always", *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
    )
    errors = {name: [] for name in pages}
    for message in json.loads(result.stderr)["messages"]:
        if message.get("type") != "error":
            continue
        name = files[Path(message["url"].removeprefix("file:"))]
        errors[name].append(
            {
                "message": message.get("message", ""),
                "line": message.get("lastLine"),
                "extract": message.get("extract", ""),
            }
        )
    return errors


def run_axe(base, pages):
    """axe-core on every page at each width: {(name, width): [violations]}."""
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            for width, height in WIDTHS.items():
                context = browser.new_context(viewport={"width": width, "height": height})
                # Injected through DevTools before the page's own scripts: the site's CSP (no
                # inline scripts) stays on, as readers get it.
                context.add_init_script(path=str(AXE))
                page = context.new_page()
                for name, path in pages.items():
                    page.goto(base + path, wait_until="load")
                    found = page.evaluate("async () => (await axe.run(document)).violations")
                    results[name, width] = [
                        {
                            "id": v["id"],
                            "impact": v["impact"],
                            "help": v["help"],
                            "nodes": [n["target"] for n in v["nodes"]][:10],
                            "count": len(v["nodes"]),
                        }
                        for v in found
                    ]
                context.close()
        finally:
            browser.close()
    return results


def quoted_flag(flag):
    """A Chromium flag as Lighthouse's --chrome-flags parses it: a value with spaces quoted."""
    name, _, value = flag.partition("=")
    return f'{name}="{value}"' if " " in value else flag


def run_lighthouse(url, folder, *, desktop):
    output = folder / f"lighthouse-{len(list(folder.glob('lighthouse-*')))}.json"
    command = [
        "node",
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={output}",
        f"--only-categories={','.join(LIGHTHOUSE_CATEGORIES)}",
        "--disable-full-page-screenshot",
        "--chrome-flags=" + " ".join(["--headless=new", *map(quoted_flag, CHROMIUM_FLAGS)]),
    ]
    if desktop:
        command.append("--preset=desktop")
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)
    report = json.loads(output.read_text())
    scores = {
        key: round(100 * (category["score"] or 0)) for key, category in report["categories"].items()
    }
    failing = sorted(
        {
            audit_id
            for key in ("accessibility", "best-practices", "seo")
            for ref in report["categories"][key]["auditRefs"]
            if ref["weight"]
            and (audit_id := ref["id"])
            and report["audits"][audit_id]["score"] is not None
            and report["audits"][audit_id]["score"] < 1
        }
    )
    return {
        "scores": scores,
        "failing_audits": failing,
        "benchmark_index": report["environment"]["benchmarkIndex"],
    }


def lighthouse_median(url, folder, *, desktop, runs):
    """The run with the median performance score of ``runs``: the performance score varies
    from run to run with the machine's load (Lighthouse's docs advise the median of several
    runs); the other categories do not."""
    results = [run_lighthouse(url, folder, desktop=desktop) for _ in range(runs)]
    results.sort(key=lambda result: result["scores"]["performance"])
    median = results[len(results) // 2]
    median["performance_runs"] = [result["scores"]["performance"] for result in results]
    return median


def check_tools():
    missing = [str(p) for p in (AXE, VNU, LIGHTHOUSE) if not p.exists()]
    if missing:
        sys.exit(f"Missing {', '.join(missing)}: run `npm ci --prefix scripts/audit`.")
    for program in (CHROMIUM, JAVA, "node"):
        if not shutil.which(program):
            sys.exit(f"{program} not found (Debian packages: chromium, default-jre, nodejs).")


def table(report):
    lines = []
    header = f"{'page':<24} {'width':>5} {'crit':>4} {'ser':>4} {'mod':>4} {'min':>4} {'Nu':>4}"
    header += "  Lighthouse (perf/a11y/bp/seo)"
    lines.append(header)
    lines.append("-" * len(header))
    for name, page in report["pages"].items():
        for width in WIDTHS:
            counts = page["axe"][str(width)]["by_impact"]
            row = f"{name:<24} {width:>5} " + " ".join(f"{counts[impact]:>4}" for impact in IMPACTS)
            row += f" {len(page['nu_errors']) if width == 390 else '':>4}"
            form = "mobile" if width == 390 else "desktop"
            scores = page.get("lighthouse", {}).get(form, {}).get("scores")
            if scores:
                row += f"  {form:<8}" + "/".join(str(scores[c]) for c in LIGHTHOUSE_CATEGORIES)
            lines.append(row)
    return "\n".join(lines)


def failures(report):
    found = []
    for name, page in report["pages"].items():
        if page["status"] != EXPECTED_STATUS.get(name, 200):
            found.append(f"{name}: HTTP {page['status']}")
        for width, axe in page["axe"].items():
            for v in axe["violations"]:
                if v["impact"] in ("critical", "serious"):
                    found.append(f"{name} @{width}: axe {v['impact']} {v['id']} ({v['help']})")
        for error in page["nu_errors"]:
            found.append(f"{name}: Nu line {error['line']}: {error['message']}")
        for form, result in page.get("lighthouse", {}).items():
            for category, score in result["scores"].items():
                if score < LIGHTHOUSE_MIN:
                    found.append(
                        f"{name} ({form}): Lighthouse {category} {score} "
                        f"(failing: {', '.join(result['failing_audits']) or 'performance'})"
                    )
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--report-only", action="store_true", help="report, and exit 0 whatever is found"
    )
    parser.add_argument("--no-lighthouse", action="store_true", help="skip Lighthouse")
    parser.add_argument(
        "--lighthouse-runs",
        type=int,
        default=3,
        help="Lighthouse runs per page and form factor; the median is reported (default 3)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary site folder")
    args = parser.parse_args()
    check_tools()

    folder = Path(tempfile.mkdtemp(prefix="civicsite-audit-"))
    env = site_env(folder)
    pages = build_site(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(BIN / "gunicorn"), "civicsite.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "1", "--threads", "4"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        wait_for(base + "/healthz")
        report = {"base": base, "pages": {}}
        html = {}
        for name, path in pages.items():
            status, body = fetch(base + path)
            html[name] = body
            report["pages"][name] = {"path": path, "status": status}
        log(f"Nu HTML validator on {len(html)} pages ...")
        nu = validate_html(html, folder)
        log(f"axe-core on {len(pages)} pages at {', '.join(map(str, WIDTHS))} px ...")
        axe = run_axe(base, pages)
        for name, page in report["pages"].items():
            page["nu_errors"] = nu.get(name, [])
            page["axe"] = {}
            for width in WIDTHS:
                violations = axe[name, width]
                page["axe"][str(width)] = {
                    "by_impact": {
                        impact: sum(1 for v in violations if v["impact"] == impact)
                        for impact in IMPACTS
                    },
                    "violations": violations,
                }
        if not args.no_lighthouse:
            for name in LIGHTHOUSE_PAGES:
                if name not in pages:
                    continue
                log(f"Lighthouse on {name} (mobile, desktop; {args.lighthouse_runs} runs) ...")
                report["pages"][name]["lighthouse"] = {
                    form: lighthouse_median(
                        base + pages[name],
                        folder,
                        desktop=form == "desktop",
                        runs=args.lighthouse_runs,
                    )
                    for form in ("mobile", "desktop")
                }
    finally:
        server.terminate()
        server.wait(timeout=10)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            log(f"Site folder kept: {folder}")

    found = failures(report)
    report["failures"] = found
    REPORT.write_text(json.dumps(report, indent=2) + "\n")
    print(table(report))
    print(f"\nAxe counts are rules violated, by impact; Nu is errors per page. Report: {REPORT}")
    if found:
        print(f"\n{len(found)} problem(s):")
        for line in found:
            print(f"  {line}")
    else:
        lighthouse = "Lighthouse skipped" if args.no_lighthouse else "Lighthouse 95+ everywhere"
        print(f"\nNo critical or serious axe violation, no Nu error, {lighthouse}.")
    return 0 if args.report_only or not found else 1


if __name__ == "__main__":
    sys.exit(main())
