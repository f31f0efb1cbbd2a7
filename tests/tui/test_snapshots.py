"""SVG snapshots of every screen at 80x24 and 120x40 (seeded demo data, frozen clock, no
cursor blink). Update with ``pytest tests/tui/test_snapshots.py --snapshot-update``."""

from __future__ import annotations

from pathlib import Path

import pytest

from checklists.loader import shipped_library
from tests.tui.conftest import make_app, settle

SIZES = [(80, 24), (120, 40)]
_IDS = [s.id for s in shipped_library().scenarios()]
PICK_NEW_CONFUSION = ("c", *["down"] * _IDS.index("new-confusion-news2"), "enter")


async def _go(pilot, *keys: str) -> None:
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        if len(key) > 1 or key in "chnaxreo":  # keys that open screens or load data
            await settle(pilot)
    await settle(pilot)


def _staff(*then: str) -> tuple[str, ...]:
    return ("slash", *"S001", "enter", "enter", *then)


FLOWS = {
    "roster": (),
    "staff": _staff(),
    "scenario_pick": _staff("c"),
    "scenario": _staff(*PICK_NEW_CONFUSION, "p", "p", "f", "3"),
    "scenario_review": _staff(*PICK_NEW_CONFUSION, "p", "p", "p", "p", "p", "p", "1", "t", "t",
                              "ctrl+s"),
    "shadow": _staff("h"),
    "note": _staff("n"),
    "assign_pathway": _staff("a"),
    "close_pathway": _staff("x"),
    "restriction_menu": _staff("r"),
    "restriction_start": _staff("r", "enter"),
    "restriction_review": _staff("r", "down", "down", "enter"),
    "restriction_lift": _staff("r", "down", "down", "down", "enter"),
    "leave_form": _staff("h", *"Drowsy", "escape"),
    "amend": _staff("down", "e"),
    "record": _staff("down", "down", "enter"),
    "export_menu": _staff("o"),
    "decision_aid": _staff("h", "f2"),
    "restrictions": ("r",),
    "sync": ("s",),
    "palette": ("ctrl+p", *"go to staff am"),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(FLOWS))
def test_screen_snapshot(snap_compare, demo_home: Path, name: str, size: tuple[int, int]) -> None:
    async def run_before(pilot) -> None:
        await _go(pilot, *FLOWS[name])

    assert snap_compare(make_app(demo_home), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("step", ["profile", "data"])
def test_first_run_snapshot(snap_compare, tmp_path: Path, size: tuple[int, int], step: str) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        if step == "data":  # the profile is created; next: demo data or a roster CSV
            await pilot.press(*"SUP09", "tab", *"Sam Lee", "tab", *"night shift lantern", "tab",
                              *"night shift lantern", "ctrl+s")
            await settle(pilot)
            await settle(pilot)

    assert snap_compare(make_app(tmp_path / "fresh"), terminal_size=size, run_before=run_before)
