"""The staff screen kept and reused for every person, its line-drawn timeline and the footer."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from screens.footer import AppFooter
from screens.header import AppHeader
from screens.linetable import LineTable
from storage.overview import timeline_page
from storage.store import Store
from tests.tui.conftest import elsewhere, make_app, settle
from tests.tui.helpers import open_staff


def timeline_hashes(home: Path, staff_id: str) -> list[str]:
    store = Store(home)
    try:
        rows, _total = timeline_page(store, staff_id, 0, 40)
    finally:
        store.close()
    return [r["hash"] for r in rows]


async def test_kept_screen_shows_the_next_person_not_the_last(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S001")
        first = app.screen
        assert first is app.kept_staff_screen()  # built in the background after the roster
        table = first.query_one(LineTable)
        await pilot.press("down", "down")
        assert table.cursor_row == 2
        await pilot.press("escape")
        await settle(pilot)
        await open_staff(pilot, "S002")
        assert app.screen is first
        summary = str(first.query_one("#summary", Static).render())
        assert "Ben Kowalski (S002)" in summary and "Amara" not in summary
        assert "staff S002" in str(first.query_one(AppHeader).render())
        assert table.keys == timeline_hashes(demo_home, "S002")
        assert table.cursor_row == 0 and first.page == 0
        assert first.detail is not None and first.detail["person"]["staff_id"] == "S002"


async def test_person_opened_while_the_kept_screen_is_under_a_form(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S001")
        kept = app.screen
        await pilot.press("h")  # the shadow note form, on top of S001
        await settle(pilot)
        app.open_staff("S002")
        await settle(pilot)
        other = app.screen
        assert type(other).__name__ == "StaffScreen" and other is not kept
        assert other.staff_id == "S002" and kept.staff_id == "S001"
        assert other.query_one(LineTable).keys == timeline_hashes(demo_home, "S002")
        assert kept in app.screen_stack


async def test_timeline_cursor_keys_click_and_cut_cells(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S001")
        table = app.screen.query_one(LineTable)
        assert table.row_count == len(timeline_hashes(demo_home, "S001")) > 5
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("home", "down")
        assert table.cursor_key == table.keys[1]
        await pilot.click(LineTable, offset=(5, 4))  # line 0 is the header
        assert table.cursor_row == 3
        header = table.render_line(0).text
        assert header.split() == ["When", "Record", "Summary", "By"]
        lines = [table.render_line(y).text for y in range(1, table.row_count + 1)]
        assert all(len(line) == len(header) for line in lines)
        assert any("…" in line for line in lines)  # long summaries are cut, not wrapped


async def test_footer_shows_keys_and_a_click_runs_one(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S001")
        footer = app.screen.query_one(AppFooter)
        shown = footer.render().plain
        for words in ("esc Back", "c Scenario", "e Amend", "^p palette"):
            assert words in shown
        y, start = next((y, s) for y, s, _e, key, _on in footer._spans if key == "escape")  # noqa: SLF001
        await pilot.click(AppFooter, offset=(start + 1, y))
        await settle(pilot)
        assert type(app.screen).__name__ == "RosterScreen"


async def test_quitting_while_the_staff_screen_is_built_in_the_background(demo_home: Path) -> None:
    """The kept staff screen starts building as soon as the roster is painted; quitting at that
    moment must close cleanly (run_test re-raises anything the app raised)."""
    import asyncio

    for _ in range(3):
        app = make_app(demo_home)
        async with app.run_test(size=(120, 40)):
            while not app.roster_ready.is_set():
                await asyncio.sleep(0.001)
        assert app.return_code in (0, None)



async def test_person_read_ahead_is_read_again_after_the_store_changed(demo_home: Path) -> None:
    """The roster reads the highlighted person ahead of Enter; a record written meanwhile by
    another connection (as sync does) must still be on their screen when it opens."""
    import asyncio

    from tests.conftest import scenario_body
    from tests.tui.conftest import FIXED

    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for _ in range(500):
            if app.prefetched_staff_id == "S001":
                break
            await asyncio.sleep(0.01)
        assert app.prefetched_staff_id == "S001"  # the roster's cursor starts on S001
        other = elsewhere(demo_home)
        added = other.append("scenario_check", scenario_body("S001"), now=FIXED)
        other.close()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.staff_id == "S001"
        assert app.screen.query_one(LineTable).keys[0] == added["hash"]
