"""Regenerate the README screenshots (SVG) from the seeded demo store at a frozen clock:

    .venv/bin/python docs/make_screenshots.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage.store import Store  # noqa: E402
from supervisor_tui.app import SupervisorApp  # noqa: E402
from supervisor_tui.demo import ensure_demo_roster, load_story  # noqa: E402
from tests.tui.test_snapshots import FLOWS  # noqa: E402

FIXED = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
SHOTS = ["roster", "staff", "record", "scenario", "scenario_review", "shadow", "note", "close_pathway",
         "restrictions", "decision_aid", "sync", "palette"]


async def shoot(home: Path, name: str, out: Path) -> None:
    app = SupervisorApp(Store(home), clock=lambda: FIXED, cursor_blink=False, health_interval=0)
    async with app.run_test(size=(120, 40)) as pilot:
        for key in ("", *FLOWS[name]):
            if key:
                await pilot.press(key)
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
        app.save_screenshot(str(out / f"{name}.svg"))


def main() -> None:
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp))  # the seeded original; shots use copies
        store.init_profile("SUP01", "Alex Morgan")
        ensure_demo_roster(store)
        load_story(store, now=FIXED)
        store.close()
        for name in SHOTS:  # a fresh copy each time, so no draft carries over
            copy = Path(tmp) / name
            shutil.copytree(tmp, copy, ignore=shutil.ignore_patterns(*SHOTS))
            asyncio.run(shoot(copy, name, out))
            print(out / f"{name}.svg")


if __name__ == "__main__":
    main()
