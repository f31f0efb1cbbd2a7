"""Defect 4 of issue 15: evidence dates. A shift before the pathway's assignment is signed only
after a warning and shown as "not counted: before the pathway"; a date more than a year back is
refused in the form's words; a second note for the same date and shift is announced."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from screens.linetable import LineTable
from tests.tui.conftest import make_app, settle
from tests.tui.helpers import open_staff, pick, problems_text, records


async def fill_shadow(pilot, shift_date: str, shift: str = "night") -> None:
    await pilot.press("h")
    await settle(pilot)
    await pilot.press(*"Drowsy after new medication")  # the situation has the focus
    app = pilot.app
    app.screen.query_one("#shift_date").focus()
    await pilot.pause()
    await pilot.press("end", "ctrl+u", *shift_date)
    await pick(pilot, "#shift", shift)
    await pick(pilot, "#staff_choice", "supervisor")
    await pick(pilot, "#supervisor_choice", "supervisor")


async def test_shift_before_the_pathway_warned_then_shown_not_counted(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S006")
        done_before = app.screen.detail["pathways"][0]["own_progress"]["shadow_shifts"]["done"]
        await fill_shadow(pilot, "2026-09-10")  # PW-OVN-0142 was assigned on 2026-09-21
        await pilot.press("ctrl+s")
        await settle(pilot)
        warning = str(app.screen.query_one("#warnings", Static).render())
        assert "Not counted: the shift date 2026-09-10 is before pathway PW-OVN-0142 was assigned" in warning
        await pilot.press("escape")  # back to the form, nothing lost
        await settle(pilot)
        assert app.screen.query_one("#shift_date", Input).value == "2026-09-10"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")  # sign anyway
        await settle(pilot)
        assert type(app.screen).__name__ == "StaffScreen"
        table = app.screen.query_one(LineTable)
        row = next(table.get_row_at(i) for i in range(table.row_count) if "2026-09-10 night" in table.get_row_at(i)[2])
        assert row[2].endswith("· not counted: before the pathway")
        pathway = app.screen.detail["pathways"][0]
        assert pathway["own_progress"]["shadow_shifts"]["done"] == done_before  # not counted
    shadows = [r for r in records(demo_home, "shadow_escalation") if r["body"]["staff_id"] == "S006"]
    assert shadows[-1]["body"]["shift_date"] == "2026-09-10"


async def test_absurd_date_refused_in_words_and_same_shift_announced(demo_home: Path) -> None:
    app = make_app(demo_home)
    before = len(records(demo_home, "shadow_escalation"))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S004")
        await fill_shadow(pilot, "1999-01-15")
        await pilot.press("ctrl+s")
        await settle(pilot)
        if type(app.screen).__name__ == "WarningsModal":
            await pilot.press("y")
            await settle(pilot)
        assert "Shift date: 1999-01-15 is more than a year back" in problems_text(app)
        assert app.focused is app.screen.query_one("#shift_date")  # taken to the field
        await pilot.press("end", "ctrl+u", *"2026-10-05")  # S004 already has a note for that night
        await settle(pilot)
        assert "more than a year back" not in problems_text(app)  # fixed: gone
        await pilot.press("ctrl+s")
        await settle(pilot)
        warning = str(app.screen.query_one("#warnings", Static).render())
        assert "already a shadow note for the night shift of 2026-10-05" in warning
        await pilot.press("y")
        await settle(pilot)
    assert len(records(demo_home, "shadow_escalation")) == before + 1
