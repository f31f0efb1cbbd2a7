"""Regenerate the README screenshots (SVG) from the seeded demo store at a frozen clock:

    .venv/bin/python docs/make_screenshots.py
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage.store import Store  # noqa: E402
from supervisor_tui.shell.app import SupervisorApp  # noqa: E402
from tests.conftest import TEST_PASSPHRASE  # noqa: E402  (sets the test passphrase and KDF)
from tests.tui.conftest import FIXED, build_seeded  # noqa: E402
from tests.tui.test_snapshots import FLOWS  # noqa: E402

SHOTS = ["roster", "staff", "record", "scenario", "scenario_review", "shadow", "note", "close_pathway",
         "restrictions", "decision_aid", "sync", "palette"]


async def shoot(home: Path, name: str, out: Path) -> None:
    store = Store(home)
    store.unlock(TEST_PASSPHRASE)  # as after the sign-in screen
    app = SupervisorApp(store, clock=lambda: FIXED, cursor_blink=False, health_interval=0)
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
        build_seeded(Path(tmp))  # the seeded original (fixed key: same hashes every run); shots use copies
        for name in SHOTS:  # a fresh copy each time, so no draft carries over
            copy = Path(tmp) / name
            shutil.copytree(tmp, copy, ignore=shutil.ignore_patterns(*SHOTS))
            asyncio.run(shoot(copy, name, out))
            print(out / f"{name}.svg")


if __name__ == "__main__":
    main()
