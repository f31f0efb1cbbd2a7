"""First run (or adding a supervisor to a shared laptop): create the profile and its key,
sealed under a passphrase typed twice, then offer demo data or a roster CSV."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Label, Static

from screens.common import alive
from screens.footer import AppFooter
from screens.header import AppHeader
from screens.inputs import make_input
from screens.passphrase import PassphrasePair

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


class FirstRunScreen(Screen):
    """Step 1: profile, key and passphrase. Step 2: demo data, roster import, or start empty
    (skipped when adding a supervisor to a laptop whose roster is already there)."""

    CSS_PATH = "first_run.tcss"
    BINDINGS = [Binding("ctrl+s", "create", "Create profile", priority=True)]

    def __init__(self, adding: bool = False) -> None:
        super().__init__()
        self.adding = adding

    def compose(self) -> ComposeResult:
        yield AppHeader("add a supervisor" if self.adding else "first run")
        with Vertical(id="profile-step"):
            intro = ("Add yourself to this laptop: your own profile, your own signing key, your own "
                     "passphrase. Other supervisors here never see your drafts or sign as you."
                     if self.adding else
                     "Welcome. This laptop has no supervisor profile yet. Your records are signed "
                     "with a key created now; it stays on this laptop, sealed under your passphrase.")
            yield Static(intro, classes="intro")
            with Horizontal(classes="row"):
                yield Label("Supervisor id", classes="label")
                yield make_input(self.app, id="supervisor", placeholder="e.g. SUP01", classes="field")
            with Horizontal(classes="row"):
                yield Label("Your name", classes="label")
                yield make_input(self.app, id="name", placeholder="as it appears on records", classes="field")
            yield PassphrasePair()
            yield Static(id="problems", classes="problems")
            yield Button("Create profile (Ctrl+S)", id="create", variant="primary")
        with Vertical(id="data-step"):
            yield Static("Profile created. What do you want on the roster?", classes="intro")
            yield Button("Load the demo roster and a six-week story (d)", id="demo", variant="primary")
            with Horizontal(classes="row"):
                yield Label("Roster CSV", classes="label")
                yield make_input(self.app, id="csv", placeholder="path to staff.csv (staff_id,name,role,cohort)",
                                 classes="field")
            yield Button("Import roster CSV (i)", id="import")
            yield Button("Start with an empty roster (s)", id="skip")
            yield Static(id="import-problems", classes="problems")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#data-step").display = False
        self.query_one("#problems").display = False
        self.query_one("#supervisor").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {"create": self.action_create, "demo": self.action_demo,
                   "import": self.action_import, "skip": self.action_skip}
        actions[event.button.id or ""]()

    def on_input_submitted(self, event: Any) -> None:
        """Enter moves on: id → name → create; in the CSV field, Enter imports."""
        field = event.input.id
        if field == "supervisor":
            self.query_one("#name").focus()
        elif field == "name":
            self.query_one("#passphrase").focus()
        elif field == "passphrase":
            self.query_one("#passphrase2").focus()
        elif field == "passphrase2":
            self.action_create()
        elif field == "csv":
            self.action_import()

    def on_key(self, event: Any) -> None:
        if not self.query_one("#data-step").display or self.focused is self.query_one("#csv"):
            return
        handler = {"d": self.action_demo, "i": self.action_import, "s": self.action_skip}.get(event.key)
        if handler:
            event.stop()
            handler()

    @alive
    def _problems(self, box: str, lines: list[str]) -> None:
        widget = self.query_one(box, Static)
        widget.update("\n".join(f"✗ {line}" for line in lines))
        widget.display = bool(lines)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """"Create profile" leaves the footer once the profile exists (the data step)."""
        if action == "create" and self.query("#data-step") and self.query_one("#data-step").display:
            return False
        return True

    def action_create(self) -> None:
        if self.query_one("#data-step").display:
            return
        supervisor = self.query_one("#supervisor").value.strip()
        name = self.query_one("#name").value.strip()
        problems, invalid = [], []
        if not _ID.match(supervisor):
            problems.append("Supervisor id: use 1-64 letters, digits or _.:- (no spaces)")
            invalid.append("#supervisor")
        if not name:
            problems.append("Your name: required")
            invalid.append("#name")
        pair = self.query_one(PassphrasePair).problems()
        problems += pair
        if pair:
            invalid.append("#passphrase2" if pair[0].startswith("Again") else "#passphrase")
        self._problems("#problems", problems)
        if invalid:  # the first field to fix gets the cursor
            self.query_one(invalid[0]).focus()
        if not problems:
            self._create(supervisor, name, self.query_one(PassphrasePair).value)

    @work(thread=True, exclusive=True)
    def _create(self, supervisor: str, name: str, passphrase: str) -> None:
        app: Any = self.app
        try:
            with app.store_lock:
                if self.adding:
                    profile = app.store.add_profile(supervisor, name, passphrase)
                else:
                    profile = app.store.init_profile(supervisor, name, passphrase)
                has_roster = bool(app.store.roster())
        except Exception as exc:  # noqa: BLE001 - shown to the user, typed values kept
            app.call_from_thread(self._problems, "#problems", [str(exc)])
            return
        app.call_from_thread(self._created, profile, has_roster)

    @alive
    def _created(self, profile: Any, has_roster: bool = False) -> None:
        self.app.supervisor_label = f"{profile.name} ({profile.supervisor})"
        if self.adding and has_roster:
            self.app.signed_in(profile)
            return
        self.query_one("#profile-step").display = False
        self.query_one("#data-step").display = True
        self.query_one("#demo").focus()
        self.refresh_bindings()

    def action_demo(self) -> None:
        self._load(None)

    def action_import(self) -> None:
        path = self.query_one("#csv").value.strip()
        if not path:
            self._problems("#import-problems", ["Roster CSV: give the path of a roster CSV file"])
            self.query_one("#csv").focus()
            return
        self._load(Path(path).expanduser())

    def action_skip(self) -> None:
        self.app.profile_created()

    @work(thread=True, exclusive=True)
    def _load(self, path: Path | None) -> None:
        from storage.demo import ensure_demo_roster, load_story

        app: Any = self.app
        try:
            with app.store_lock:
                if path is None:
                    ensure_demo_roster(app.store)
                    load_story(app.store, now=app.now())
                    message = "Demo roster and records loaded."
                else:
                    count = app.store.import_roster(path)
                    message = f"Imported {count} staff from {path.name}."
        except Exception as exc:  # noqa: BLE001 - e.g. RosterError naming the bad lines
            app.call_from_thread(self._problems, "#import-problems", [str(exc)])
            return
        app.call_from_thread(self._loaded, message)

    @alive
    def _loaded(self, message: str) -> None:
        self.app.notify(message)
        self.app.refresh_unsynced()
        self.app.profile_created()
