"""Pilot tests for getting around: roster search and filters, overdue rows, first run, sync and
report screens, export from the staff screen."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from screens.roster import RosterTable
from storage.store import Store
from tests.tui.conftest import FIXED, make_app, settle
from tests.tui.helpers import open_staff, pick, type_into


async def test_roster_search_filters_and_palette(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RosterTable)
        assert table.row_count == 24
        await pilot.press("slash", *"okaf")
        await settle(pilot)
        assert table.keys == ["S001"]
        await pilot.press("escape")
        await pick(pilot, "#state", "in_progress", open_key="v")
        assert table.keys == ["S008", "S009", "S010"]
        await pilot.press("escape")  # clears the filters
        await settle(pilot)
        assert table.row_count == 24
        await pick(pilot, "#cohort", "elm-street", open_key="c")
        assert table.row_count == 6
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"go to staff ben")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert getattr(app.screen, "staff_id", None) == "S002"


async def test_overdue_rows_stand_out(demo_home: Path) -> None:
    later = FIXED.replace(day=20)
    app = make_app(demo_home, now=later)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pick(pilot, "#state", "overdue", open_key="v")
        table = app.screen.query_one(RosterTable)
        ids = table.keys
        assert "S001" in ids and "S019" not in ids
        due_cell = table.get_row_at(table.keys.index("S001"))[5]
        assert "OVERDUE" in str(due_cell)


async def test_first_run_creates_profile_and_loads_demo(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    app = make_app(home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        problems = str(app.screen.query_one("#problems", Static).render())
        assert "Supervisor id: use 1-64" in problems and "Your name: required" in problems  # the labels
        assert "✗ supervisor:" not in problems and "✗ name:" not in problems  # never the code's names
        assert app.focused is app.screen.query_one("#supervisor")  # the first field to fix
        await type_into(pilot, "#supervisor", "SUP09")
        await type_into(pilot, "#name", "Jo Reyes")
        await type_into(pilot, "#passphrase", "short")
        await pilot.press("ctrl+s")
        await settle(pilot)
        problems = str(app.screen.query_one("#problems", Static).render())
        assert "at least 10 characters" in problems and "Strength: too short" in str(
            app.screen.query_one("#strength", Static).render())
        await type_into(pilot, "#passphrase", "blue kettle on the moor")
        await type_into(pilot, "#passphrase2", "blue kettle on the mood")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "differ" in str(app.screen.query_one("#problems", Static).render())
        assert app.focused is app.screen.query_one("#passphrase2")
        assert app.screen.query_one("#supervisor", Input).value == "SUP09"  # kept
        await type_into(pilot, "#passphrase2", "blue kettle on the moor")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert type(app.screen).__name__ == "RosterScreen"
        assert app.screen.query_one(RosterTable).row_count == 24
        assert "Jo Reyes (SUP09)" in app.supervisor_label
        assert app.unsynced > 70
    store = Store(home)
    assert store.profile.supervisor == "SUP09" and store.key_path.stat().st_mode & 0o777 == 0o600
    assert not (home / "device.key").exists()
    store.unlock("blue kettle on the moor")
    store.close()


async def test_sync_without_server_says_so_and_report_opens(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert "Not enrolled" in str(app.screen.query_one("#server", Static).render())
        assert app.screen.query_one("#enrol-box").display  # asks for the server and token
        await pilot.press("ctrl+e")  # nothing typed yet: says what is missing
        await settle(pilot)
        problems = str(app.screen.query_one("#enrol-problems", Static).render())
        assert "server URL" in problems and "token: required" in problems
        assert app.unsynced > 70
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert type(app.screen).__name__ == "ReportScreen"


async def test_export_from_staff_screen_writes_to_exports(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S001")
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("down", "enter")  # JSON
        await settle(pilot)
    written = list((demo_home / "exports").glob("S001-*.json"))
    assert len(written) == 1 and written[0].stat().st_size > 100


async def test_roster_sorts_by_next_due_then_name(demo_home: Path) -> None:
    from storage.overview import roster_overview

    store = Store(demo_home)
    rows = roster_overview(store, FIXED.date())
    store.close()
    by_due = [r.staff_id for r in sorted(
        rows, key=lambda r: (not r.overdue, r.next_due or "9999-99-99", r.staff_id))]
    by_name = [r.staff_id for r in sorted(rows, key=lambda r: r.name.lower())]
    assert by_due != sorted(by_due)  # the demo has due dates that reorder the roster
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RosterTable)
        assert table.keys == sorted(by_due)
        await pilot.press("o")
        await settle(pilot)
        assert table.keys == by_due
        assert "sorted by next due, overdue first" in app.screen.query_one("#pageinfo", Static).render().plain
        assert table.cursor_row == 0
        await pilot.press("o")
        await settle(pilot)
        assert table.keys == by_name
        await pilot.press("o")
        await settle(pilot)
        assert table.keys == sorted(by_due)
