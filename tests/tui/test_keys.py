"""Focus and keys (issue 15): keys typed while a form opens are queued and replayed, never
dropped; no hidden Tab stop swallows typing; typing into a Select chooses the option."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Select

from storage.store import Store
from tests.tui.conftest import make_app, settle
from tests.tui.helpers import open_staff


async def test_marks_typed_while_the_runner_opens_are_kept(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S006")
        await pilot.press("c")
        await settle(pilot)
        with app.store_lock:  # the runner's draft is still being looked up while the trainer types
            await pilot.press("enter", "p", "p", "f", "escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "LeaveFormModal"  # the marks made the form half filled
        await pilot.press("k")
        await settle(pilot)
    store = Store(demo_home)
    try:
        drafts = [d for d in store.drafts() if d["draft_key"].startswith("scenario_check:S006:")]
        results = store.load_draft(drafts[0]["draft_key"])["results"]
    finally:
        store.close()
    assert sorted(results.values()) == ["fail", "pass", "pass"]


async def test_tab_never_stops_on_a_hidden_place(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S006")
        for key in ("n", "h"):
            await pilot.press(key)
            await settle(pilot)
            seen = []
            for _ in range(14):
                await pilot.press("tab")
                seen.append(app.focused)
            assert all(w is not None and w.has_class("field") or w.id == "elements" for w in seen), \
                [type(w).__name__ for w in seen]
            await pilot.press("escape")
            await settle(pilot)
            if type(app.screen).__name__ == "LeaveFormModal":
                await pilot.press("d")
                await settle(pilot)


async def test_typing_into_a_select_chooses_the_option(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S006")
        await pilot.press("h")
        await settle(pilot)
        app.screen.query_one("#shift").focus()
        await pilot.press("n")  # Night
        await settle(pilot)
        assert app.screen.query_one("#shift", Select).value == "night"
        app.screen.query_one("#staff_choice").focus()
        await pilot.press("s")  # Supervisor
        await settle(pilot)
        assert app.screen.query_one("#staff_choice", Select).value == "supervisor"
        assert app.screen.query_one("#situation", Input).value == ""  # nothing went elsewhere


async def test_keys_typed_while_the_staff_screen_opens_are_kept(demo_home: Path) -> None:
    """Roster: "/", a name, Enter, and straight on "c", the scenario, Enter and marks, typed
    before the person's screen is shown (their detail is still being read): every key lands on
    the person's screen and then the runner, none on the roster (where "c" is the cohort filter)."""
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"S006")
        await settle(pilot)
        with app.store_lock:  # the person's detail cannot be read while the trainer types on
            await pilot.press("enter", "c", "down", "down", "down", "enter", "p", "p", "f")
            await pilot.pause()
            assert type(app.screen).__name__ == "RosterScreen"  # nothing has opened yet
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "ScenarioScreen", type(screen).__name__
        assert screen.staff_id == "S006"
        assert screen.scenario.id == "new-confusion-news2"  # the fourth in the list
        assert sorted(screen.results.values()) == ["fail", "pass", "pass"]
        assert app.screen_stack[-2].staff_id == "S006"
        roster = app.screen_stack[-3]
        assert not roster.query_one("#cohort", Select).expanded  # "c" never reached the roster
