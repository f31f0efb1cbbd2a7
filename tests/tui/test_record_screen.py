"""The record view: a timeline row in full, its amendments, its verification and origin."""

from __future__ import annotations

import copy
from pathlib import Path

from screens.linetable import LineTable
from screens.record import RecordScreen, plain_text, record_renderable
from storage.record_view import record_view
from storage.store import Store
from supervisor_tui.model.canonical import canonical_bytes
from tests.tui.conftest import make_app, settle
from tests.tui.helpers import open_staff


async def test_enter_on_the_timeline_shows_the_record_with_its_amendment(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S001")
        table = app.screen.query_one(LineTable)
        amended = next(i for i in range(table.row_count) if "(amended)" in table.get_row_at(i)[1])
        table.move_cursor(amended)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        assert app.screen.record_hash == table.keys[amended]
        shown = plain_text(app.screen.shown)
        assert "Scenario check" in shown and "signed by SUP01" in shown
        assert "PASS ★ " in shown  # items in the checklist's words, critical ones starred
        assert "Amended 2026-11-01 09:00 UTC by SUP01: Timer was stopped late" in shown
        assert "Decision seconds: 74 → 134" in shown
        assert "✓ Hash and signature verified" in shown and "Not yet synced" in shown
        assert table.keys[amended] in shown

        await pilot.press("e")  # amend from the record view
        await settle(pilot)
        assert type(app.screen).__name__ == "ScenarioScreen"
        assert app.screen.correcting.record["hash"] == table.keys[amended]
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "StaffScreen"


async def test_amendment_view_names_the_record_it_corrects_and_double_click_opens(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S001")
        table = app.screen.query_one(LineTable)
        row = next(i for i in range(table.row_count) if table.get_row_at(i)[1] == "Amendment")
        await pilot.click(LineTable, offset=(5, row + 1), times=2)
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        shown = plain_text(app.screen.shown)
        assert "Corrects: Scenario check of" in shown
        assert "Reason:   Timer was stopped late" in shown
        assert "Corrected record" in shown and "Decision time     134 seconds" in shown
        await pilot.press("e")  # an amendment is not amended itself
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "StaffScreen"


def test_record_view_text_for_a_forged_record_of_another_device(demo_home: Path) -> None:
    """The screen's text says it does not verify and where the record came from."""
    story = Store(demo_home)
    forged = copy.deepcopy(story.records(kind="note_assessment")[0])
    forged.update(device="dev-elsewhere", seq=1, prev="", id="0194f000-0000-7000-8000-999999999998",
                  hash="e" * 64)
    with story.write():
        story.insert_signed(forged, canonical_bytes(forged["body"]).decode())
    shown = plain_text(record_renderable(record_view(story, "e" * 64), story.library))
    story.close()
    assert "✗ Does not verify: hash mismatch; unknown device key for device dev-elsewhere" in shown
    assert "pulled from the central store" in shown and "Not yet synced" not in shown
    assert "✓ Hash and signature" not in shown
    assert "✓ Date of service" in shown  # elements in the standard's words, not ids
    assert "date-of-service" not in shown


async def test_left_and_right_step_through_the_timeline(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S001")
        table = app.screen.query_one(LineTable)
        keys = list(table.keys)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.screen.record_hash == keys[1]
        await pilot.press("right")
        await settle(pilot)
        assert app.screen.record_hash == keys[2]
        assert keys[2] in plain_text(app.screen.shown)  # the shown record follows
        await pilot.press("left", "left")
        await settle(pilot)
        assert app.screen.record_hash == keys[0]
        await pilot.press("left")  # already the newest: stays
        await settle(pilot)
        assert app.screen.record_hash == keys[0]
        await pilot.press("right", "escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "StaffScreen" and table.cursor_row == 1
