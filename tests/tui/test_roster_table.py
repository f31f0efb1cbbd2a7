"""The roster's line-drawn table (``screens.roster.RosterTable``) keeps what the DataTable it
replaced let a supervisor do: arrows and Enter, Page Up/Down, a click on the highlighted row,
the row under the mouse shaded, Ctrl+Home/End,
restriction codes wrapped onto a row's second line at 120 columns and reached by scrolling
sideways at 80, overdue rows marked in words, the highlighted person read ahead."""

from __future__ import annotations

from pathlib import Path

from screens.roster import RosterTable
from tests.tui.conftest import FIXED, make_app, settle


def lines(table: RosterTable) -> list[str]:
    return [strip.text for strip in table.render_lines(table.region.reset_offset)]


async def test_keys_and_clicks_move_and_open(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RosterTable)
        assert app.focused is table and table.cursor_key == "S001"
        await pilot.press("down", "down")
        await settle(pilot)
        assert table.cursor_key == "S003"
        await pilot.pause(0.1)  # the read-ahead waits for the cursor to rest
        await settle(pilot)
        assert app.prefetched_staff_id == "S003"
        await pilot.press("ctrl+end")
        assert table.cursor_key == "S024"
        await pilot.press("ctrl+home")
        assert table.cursor_key == "S001"
        # Page Down as the DataTable did: the cursor moves over the rows filling a page (all
        # 24 rows, 30 lines, fit in the 32 below the header: to the last; the view stays)
        await pilot.press("pagedown")
        assert table.cursor_key == "S024" and table.scroll_y == 0
        await pilot.press("pageup")
        assert table.cursor_key == "S001" and table.scroll_y == 0
        # S001-S006 are two lines high (their codes wrap): S007 is on line 13 below the header
        await pilot.hover(RosterTable, offset=(3, 13))
        assert table.hover_row == 6  # shaded under the mouse, as in a DataTable
        await pilot.press("down")
        assert table.hover_row is None and table.cursor_key == "S002"  # until a key moves on
        await pilot.press("ctrl+home")
        await pilot.click(RosterTable, offset=(3, 13))
        await settle(pilot)
        assert table.cursor_key == "S007" and type(app.screen).__name__ == "RosterScreen"
        await pilot.click(RosterTable, offset=(3, 13))  # the highlighted row again: opens it
        await settle(pilot)
        assert getattr(app.screen, "staff_id", None) == "S007"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert getattr(app.screen, "staff_id", None) == "S001"  # back on the roster's first row


async def test_codes_wrap_at_120_and_scroll_sideways_at_80(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = lines(app.screen.query_one(RosterTable))
        first = next(i for i, line in enumerate(shown) if "S001" in line)
        assert "no high acuity, no solo community," in shown[first]
        assert shown[first + 1].strip() == "paired working"  # the same row's second line
        assert "S002" in shown[first + 2]
    app = make_app(demo_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RosterTable)
        assert "Restrictions" not in lines(table)[0] and table.max_scroll_x > 0
        await pilot.press("end")
        await settle(pilot)
        shown = lines(table)
        assert "Restrictions" in shown[0]
        assert any("no high acuity, no solo community, paired working" in line for line in shown)
        await pilot.press("home")
        await settle(pilot)
        assert table.scroll_x == 0 and "ID" in lines(table)[0]
        await pilot.press("right", "right")
        await settle(pilot)
        assert table.scroll_x == 2


async def test_overdue_is_said_in_words(demo_home: Path) -> None:
    app = make_app(demo_home, now=FIXED.replace(day=20))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = lines(app.screen.query_one(RosterTable))
        assert any("S001" in line and "OVERDUE" in line for line in shown)
