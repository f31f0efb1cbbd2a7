"""Focus and keys (issue 15): keys typed while a form opens are queued and replayed, never
dropped; no hidden Tab stop swallows typing; typing into a Select chooses the option."""

from __future__ import annotations

import threading
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
        # Another thread holds the store (as a worker syncing would): the person's detail can
        # neither be read nor its read-ahead checked while the trainer types on.
        held, release = threading.Event(), threading.Event()

        def hold() -> None:
            with app.store_lock:
                held.set()
                release.wait(30)

        holder = threading.Thread(target=hold)
        holder.start()
        held.wait(30)
        try:
            await pilot.press("enter", "c", "down", "down", "down", "enter", "p", "p", "f")
            await pilot.pause()
            assert type(app.screen).__name__ == "RosterScreen"  # nothing has opened yet
        finally:
            release.set()
            holder.join()
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "ScenarioScreen", type(screen).__name__
        assert screen.staff_id == "S006"
        assert screen.scenario.id == "new-confusion-news2"  # the fourth in the list
        assert sorted(screen.results.values()) == ["fail", "pass", "pass"]
        assert app.screen_stack[-2].staff_id == "S006"
        roster = app.screen_stack[-3]
        assert not roster.query_one("#cohort", Select).expanded  # "c" never reached the roster


def burst(app, *keys: str) -> None:
    """Keys arriving at once, as a fast typist's (or a terminal multiplexer's) do: all read
    before the app has handled the first."""
    from textual import events

    names = {" ": ("space", " "), "\t": ("tab", "\t"), "\r": ("enter", "\r")}
    for key in keys:
        for char in (key if len(key) > 1 and key not in ("tab", "enter", "down", "up") else [key]):
            name, character = names.get(char, (char, char if len(char) == 1 else None))
            app._driver.send_message(events.Key(name, character))  # noqa: SLF001 - as the terminal does


async def test_keys_typed_fast_follow_the_focus(tmp_path: Path) -> None:
    """First run, typed at terminal speed: id, Tab, name, Tab… each part lands in its own field
    (Textual alone sent every key to the field focused when the burst arrived)."""
    from supervisor_tui.shell.app import SupervisorApp

    app = SupervisorApp(Store(tmp_path / "home"), cursor_blink=False, health_interval=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        burst(app, "SUP01", "tab", "Alex Morgan", "tab", "correct horse", "tab", "correct horse")
        await settle(pilot)
        values = {w.id: w.value for w in app.screen.query(Input)}
    assert (values["supervisor"], values["name"], values["passphrase"], values["passphrase2"]) == (
        "SUP01", "Alex Morgan", "correct horse", "correct horse")


async def test_session_setup_selects_show_focus_and_take_a_letter_straight_after_tab(demo_home: Path) -> None:
    from textual.widgets._select import SelectCurrent

    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        screen = app.screen
        scenario, cohort = screen.query_one("#scenario", Select), screen.query_one("#cohort", Select)
        assert app.focused is scenario
        assert scenario.query_one(SelectCurrent).styles.border_top[0] == "double"  # as other forms' fields
        assert cohort.query_one(SelectCurrent).styles.border_top[0] != "double"
        burst(app, "n", "tab", "o")  # New confusion…, then the cohort: Overnight float staff
        await settle(pilot)
        assert app.focused is cohort and cohort.query_one(SelectCurrent).styles.border_top[0] == "double"
        assert scenario.value == "new-confusion-news2"
        assert cohort.value == "overnight-float"
        assert "S001" in screen.query_one("#people").selected  # the cohort's members are ticked


async def test_an_emoji_in_a_field_keeps_its_border_in_place(demo_home: Path) -> None:
    """"❤️" (a one-cell heart asked to look like an emoji, VS16) is one cell in some terminals and
    two in others; Textual counted two, so the field's right border moved a cell where the
    terminal drew one. The field draws it in text presentation (VS15): one cell everywhere. The
    value typed is kept as typed."""
    from rich.cells import cell_len, get_character_cell_size
    from textual import events
    from textual.keys import _character_to_key

    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S006")
        await pilot.press("h")
        await settle(pilot)
        field = app.screen.query_one("#situation", Input)
        field.focus()
        for char in "a❤\ufe0fb":  # as the terminal sends them (Pilot's press names keys by name)
            app._driver.send_message(events.Key(_character_to_key(char), char))  # noqa: SLF001
            await pilot.pause()
        await settle(pilot)
        assert field.value == "a❤\ufe0fb"  # kept as typed (and so signed or saved as a draft)
        line = "".join(segment.text for segment in field.render_line(0))
        per_codepoint = sum(get_character_cell_size(c) for c in line)  # a terminal ignoring VS16
        assert cell_len(line) == per_codepoint == field.scrollable_content_region.width + 1
        assert "❤\ufe0e" in line and "\ufe0f" not in line  # drawn as text: one cell everywhere


async def test_quit_typed_after_marks_asks_about_the_form_they_made(demo_home: Path) -> None:
    """Enter, p, p, Ctrl+Q typed while the runner opens: Ctrl+Q keeps its place behind the marks,
    so the app asks about the half-filled form (it went to the screen below before, and the
    marks were left in a form nobody was asked about)."""
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S006")
        await pilot.press("c")
        await settle(pilot)
        with app.store_lock:
            await pilot.press("enter", "p", "p", "ctrl+q")
        await settle(pilot)
        assert type(app.screen).__name__ == "LeaveFormModal"
        assert type(app.screen_stack[-2]).__name__ == "ScenarioScreen"
        assert sorted(app.screen_stack[-2].results.values()) == ["pass", "pass"]
