"""Regenerate the README screenshots of the governance web view (PNG, taken with Debian's
Chromium through Playwright) from the seeded demo store at a frozen clock:

    .venv/bin/python docs/make_web_screenshots.py

It uses the test fixtures and Playwright (test extras: run ``python3 dev.py test`` once first).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from storage.demo_roster import COHORT_NAMES, demo_roster  # noqa: E402
from storage.store import Store  # noqa: E402
from sync.central import open_central  # noqa: E402
from tests.tui.conftest import FIXED, build_seeded  # noqa: E402
from tests.web.conftest import CHROMIUM_ARGS  # noqa: E402
from tests.web.helpers import PASSWORD, Clock, WebServer, make_accounts  # noqa: E402


def main() -> None:
    out = ROOT / "docs" / "screenshots"
    chromium = shutil.which("chromium") or sys.exit("Debian's chromium is needed (apt install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        laptop = Store(build_seeded(Path(tmp) / "home"))
        central = open_central(f"sqlite:///{Path(tmp) / 'central.db'}")
        central.import_roster(demo_roster(24), COHORT_NAMES)
        profile = laptop.require_profile()
        info = central.enrol(central.create_token(profile.supervisor), profile.device, profile.supervisor,
                             laptop.key.public_key_hex)
        central.push(info, sorted((r for r in laptop.records() if r["device"] == profile.device),
                                  key=lambda r: r["seq"]))
        make_accounts(central)
        server = WebServer(central, Clock(FIXED)).start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1200, "height": 900})
                page.goto(server.url + "/web/")
                page.fill("#name", "auditor")
                page.fill("#password", PASSWORD)
                page.click("button[type=submit]")
                page.screenshot(path=str(out / "web_dashboard.png"), full_page=True)
                page.goto(server.url + "/web/staff/S001")
                page.screenshot(path=str(out / "web_staff.png"), clip={"x": 0, "y": 0, "width": 1200, "height": 2300},
                                full_page=True)
                browser.close()
        finally:
            server.stop()
            central.close()
            laptop.close()
    print(f"wrote {out / 'web_dashboard.png'} and {out / 'web_staff.png'}")


if __name__ == "__main__":
    main()
