"""Nothing a supervisor needs is cut off at 80 or 120 columns (issue 15), and the smaller items:
the export path stays on screen, a lifted restriction says when it was lifted, a pathway-close
draft is listed on the person's screen."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from checklists.names import short_restriction
from screens.footer import AppFooter
from screens.header import AppHeader
from tests.tui.conftest import make_app, settle
from tests.tui.helpers import open_staff


def rendered(widget) -> str:
    return "\n".join(line.text for line in widget.render_lines(widget.region.reset_offset))


async def test_header_keeps_its_figures_with_a_very_long_name(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.supervisor_label = "Maximiliana " * 18 + "(SUP01)"  # 210+ characters
        await settle(pilot)
        header = rendered(app.screen.query_one(AppHeader))
        assert "…" in header and header.rstrip().endswith("unsynced")
        assert "2026-11-02" in header


async def test_footer_shows_every_key_at_80_columns(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = rendered(app.screen.query_one(AppFooter))
        for words in ("/ Search", "r Restrictions", "t Training", "s Sync", "g Report", "q Quit", "^p palette"):
            assert words in footer, footer
        info = str(app.screen.query_one("#pageinfo", Static).render())
        assert info.startswith("Restrictions: → scrolls to them")  # the hidden column is named


async def test_leave_question_is_whole_at_80_columns(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_staff(pilot, "S006")
        await pilot.press("h")
        await settle(pilot)
        await pilot.press(*"Drowsy", "escape")
        await settle(pilot)
        text = "\n".join(str(label.render()) for label in app.screen.query("Label"))
        assert "s / Esc stay on the form" in text
        assert all(label.region.right <= 80 and label.size.width >= len(str(label.render()))
                   for label in app.screen.query("Label"))
        await pilot.press("s")


async def test_lifted_restriction_says_when_it_was_lifted(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        lifted = [row for row in rows if str(row[1]) == "lifted"]
        assert lifted and all(str(row[2]).startswith("lifted 20") for row in lifted)


async def test_export_path_stays_and_close_draft_is_listed(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S005")
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # CSV
        await settle(pilot)
        status = str(app.screen.query_one("#status", Static).render())
        assert "Exported" in status and ".csv" in status
        assert any("Written to" in n.message for n in app._notifications)  # noqa: SLF001
        await pilot.press("x")  # close the pathway: half filled, kept
        await settle(pilot)
        await pilot.press(*"Scenarios re-run", "escape")
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        status = str(app.screen.query_one("#status", Static).render())
        assert "Unfinished drafts" in status and "Pathway closed · saved" in status and "(x)" in status


async def test_restriction_codes_are_never_cut_at_120_columns(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        width = table.columns[list(table.columns)[-1]].width
        for key, item in app.screen.items.items():
            cell = str(table.get_row(key)[-1])
            assert all(len(line) <= width for line in cell.splitlines())
            assert " ".join(cell.split()) == ", ".join(short_restriction(c) for c in item["codes"])
        assert table.region.right <= 120


async def test_first_run_footer_drops_create_profile_once_created(tmp_path: Path) -> None:
    app = make_app(tmp_path / "fresh")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "Create profile" in rendered(app.screen.query_one(AppFooter))
        await pilot.press(*"SUP09", "tab", *"Sam Lee", "tab", *"a long passphrase", "tab",
                          *"a long passphrase", "ctrl+s")
        await settle(pilot)
        await settle(pilot)
        assert "Create profile" not in rendered(app.screen.query_one(AppFooter))


async def test_the_decision_timer_stays_in_sight_at_80x24(demo_home: Path) -> None:
    """The trainer presses t while reading the script: the timer's line must be visible (at
    80x24 it scrolled away with the item list being focused, so t seemed to do nothing)."""
    from tests.tui.helpers import start_scenario

    app = make_app(demo_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_staff(pilot, "S001")
        await start_scenario(pilot, "new-confusion-news2")
        await pilot.press("t", "p", "p", "p", "p", "p")
        await settle(pilot)
        timer = app.screen.query_one("#timer")
        pane = app.screen.query_one("#mark-pane")
        assert "RUNNING" in str(timer.render())
        assert pane.scroll_y > 0  # the marks moved the pane down…
        assert timer.region.height and pane.region.contains_region(timer.region)  # …the timer stays
