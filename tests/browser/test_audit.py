"""axe-core on four page types with realistic data: no critical or serious violation.

The whole audit (every page type, the Nu HTML validator, Lighthouse) is ``make audit``
(scripts/audit.py); this keeps its core in the suite. The data is the audit's own
(scripts/audit_data.py: a race counting with county results, a voter guide three candidates
answered, a long article with approved comments), all invented. axe-core comes from
scripts/audit/node_modules (``npm ci --prefix scripts/audit``); without it, or without
Chromium (tests/browser/conftest.py), the test is skipped with the reason.
"""

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "scripts" / "audit" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = ["home", "article", "race-counting", "guide"]
WIDTHS = {390: 844, 1280: 900}


def audit_data():
    spec = importlib.util.spec_from_file_location("audit_data", ROOT / "scripts/audit_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db(transaction=True)
def test_key_pages_have_no_serious_accessibility_problem_at_phone_and_desktop_widths(
    live_server, browser
):
    if not AXE.exists():
        message = "axe-core is not installed: npm ci --prefix scripts/audit --ignore-scripts"
        if os.environ.get("REQUIRE_AUDIT") == "1":  # CI installs it (.ci/run)
            pytest.fail(message)
        pytest.skip(message)
    module = audit_data()
    pages = module.load()
    found = []
    for width, height in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_init_script(path=str(AXE))
        page = context.new_page()
        for name in PAGES:
            page.goto(live_server.url + pages[name])
            violations = page.evaluate("async () => (await axe.run(document)).violations")
            found += [
                f"{name} @{width}px: {v['impact']} {v['id']} at {v['nodes'][0]['target']}"
                for v in violations
                if v["impact"] in ("critical", "serious")
            ]
        context.close()
    assert found == []
