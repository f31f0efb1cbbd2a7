"""Defect 5 of issue 15: the attempt follows the (review, note #) chosen, every time either
changes; the staff screen and the record view show the rework chain and link the attempts."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from screens.linetable import LineTable
from screens.record import plain_text
from tests.tui.conftest import make_app, settle
from tests.tui.helpers import open_staff, pick, records


async def test_attempt_follows_review_and_note_number(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S008")
        await pilot.press("n")
        await settle(pilot)
        attempt = app.screen.query_one("#attempt", Input)
        assert attempt.value == "3"  # sample note 1: attempts 1 (rework) and 2 signed
        await pick(pilot, "#review", "first_five")
        assert attempt.value == "2"  # first-five note 1 has attempt 1
        app.screen.query_one("#sequence").focus()
        await pilot.press("end", "backspace", "3")
        await settle(pilot)
        assert attempt.value == "3"  # first-five note 3: attempt 1 rework → 2 compliant
        chain = str(app.screen.query_one("#chain", Static).render())
        assert "attempt 1 rework → attempt 2 compliant" in chain and "this is attempt 3" in chain
        await pilot.press("backspace", "4")
        await settle(pilot)
        assert attempt.value == "2"
        await pick(pilot, "#review", "sample")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)


async def test_rework_chain_on_the_staff_screen_and_in_the_record_view(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S008")
        table = app.screen.query_one(LineTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        first = next(i for i, row in enumerate(rows) if row[2].startswith("first-five note 3, attempt 1"))
        assert rows[first][2].endswith("→ attempt 2 compliant")
        table.move_cursor(first)
        await pilot.press("enter")
        await settle(pilot)
        shown = plain_text(app.screen.shown)
        assert "Attempts at this note: ▶ attempt 1 rework" in shown and "→ attempt 2 compliant" in shown
        await pilot.press("a")  # to the next attempt
        await settle(pilot)
        second = [r for r in records(demo_home, "note_assessment")
                  if r["body"]["staff_id"] == "S008" and r["body"]["review"] == "first_five"
                  and r["body"]["sequence"] == 3 and r["body"]["attempt"] == 2][0]
        assert app.screen.record_hash == second["hash"]
        assert "▶ attempt 2 compliant" in plain_text(app.screen.shown)
