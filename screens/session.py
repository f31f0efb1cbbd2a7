"""Trainer group sessions: choose one scenario and the people once (a cohort, or people picked
from the roster), then run the check person by person: each check opens the scenario runner
afresh (timer reset, items cleared, the script shown again), people can be marked absent or
skipped (run at the end), and the session ends with a summary of each person's outcome, decision
time and failed critical items. Leaving keeps the session as a draft (``screens.session_state``)."""

from __future__ import annotations

import threading
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, Select, SelectionList, Static

from screens.common import alive
from screens.describe import endpoint
from screens.footer import AppFooter
from screens.header import AppHeader
from screens.linetable import LineTable
from screens.select_keys import SelectTyping
from screens.session_state import ABSENT, PENDING, SKIPPED, Session, new_session_id
from screens.toggles import TickList

STATUS_WORDS = {"pass": "PASS", "fail": "FAIL", ABSENT: "absent", SKIPPED: "skipped (later)",
                PENDING: "waiting", "draft": "started (draft kept)"}


class SessionSetupScreen(SelectTyping, Screen):
    """Choose the scenario and the people; Ctrl+S starts the session."""

    CSS_PATH = "forms.tcss"
    AUTO_FOCUS = "#scenario"
    BINDINGS = [Binding("ctrl+s", "start", "Start session", priority=True),
                Binding("escape", "app.pop_screen", "Back")]

    def __init__(self) -> None:
        super().__init__()
        self.roster: list[dict[str, str]] = []
        self.names: dict[str, str] = {}
        self.cohorts: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        app: Any = self.app
        yield AppHeader("training session · set up")
        with VerticalScroll(classes="form", can_focus=False):
            yield Static("One scenario for a group: choose it and the people once, then run the "
                         "check person by person. Each check is signed on its own.", classes="hint")
            yield Static(id="problems", classes="problems")  # at the top: the list below is long
            with Horizontal(classes="row"):
                yield Label("Scenario", classes="label")
                yield Select([(f"{s.title} (v{s.version})", s.id) for s in app.store.library.scenarios()],
                             prompt="choose", id="scenario", classes="field")
            with Horizontal(classes="row"):
                yield Label("Whole cohort", classes="label")
                yield Select([], prompt="none (pick people below)", id="cohort", classes="field")
            yield Label("People: loading the roster…", id="people-title", classes="section-title")
            yield TickList(id="people", classes="field")
        yield AppFooter()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="session-setup")
    def load(self) -> None:
        """The roster and cohort names, read off the UI thread."""
        app: Any = self.app
        with app.store_lock:
            roster = app.store.roster()
            cohorts = {c["cohort_id"]: c["name"] for c in app.store.cohorts()}
        app.call_from_thread(self._loaded, roster, cohorts)

    @alive
    def _loaded(self, roster: list[dict[str, str]], cohorts: dict[str, str]) -> None:
        self.roster, self.cohorts = roster, cohorts
        self.names = {p["staff_id"]: p["name"] for p in roster}
        self.query_one("#cohort", Select).set_options([(name, cid) for cid, name in cohorts.items()])
        people = self.query_one("#people", SelectionList)
        people.add_options([(f"{p['name']} ({p['staff_id']}) · {cohorts.get(p['cohort'], p['cohort'])}",
                             p["staff_id"]) for p in roster])
        if roster and people.highlighted is None:
            people.highlighted = 0  # as a list built with its options shows it
        self.query_one("#people-title", Label).update(self._people_title(len(people.selected)))

    @staticmethod
    def _people_title(ticked: int) -> str:
        # the count shows that choosing a cohort ticked people further down the list
        return f"People: {ticked} ticked (space ticks; untick who is not here)"

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        self.query_one("#people-title", Label).update(self._people_title(len(event.selection_list.selected)))

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "cohort" or event.value is Select.NULL:
            return
        people = self.query_one("#people", SelectionList)
        for person in self.roster:
            if person["cohort"] == event.value:
                people.select(person["staff_id"])

    def action_start(self) -> None:
        scenario = self.query_one("#scenario", Select).value
        people = list(self.query_one("#people", SelectionList).selected)
        problems = []
        if scenario is Select.NULL:
            problems.append("Scenario: choose one")
        if not people:
            problems.append("People: tick at least one person (or choose a cohort)")
        box = self.query_one("#problems", Static)
        if problems:
            box.update("\n".join(f"✗ {p}" for p in problems))
            box.display = True
            self.query_one("#scenario" if scenario is Select.NULL else "#people").focus()
            box.scroll_visible(animate=False)
            return
        app: Any = self.app
        order = [p["staff_id"] for p in self.roster if p["staff_id"] in set(people)]
        session = Session(new_session_id(), str(scenario), order, {p: self.names.get(p, p) for p in order},
                          started_at=app.now().isoformat(timespec="minutes"))
        app.switch_screen(SessionScreen(session, save_first=True))


class SessionScreen(Screen):
    """The runner's list: who is next, who is done; Enter runs the highlighted person's check."""

    CSS_PATH = "forms.tcss"
    AUTO_FOCUS = "#people"
    BINDINGS = [
        Binding("enter", "run", "Run check", priority=True),
        Binding("a", "mark('absent')", "Absent"),
        Binding("s", "mark('skipped')", "Skip"),
        Binding("u", "mark('waiting')", "Undo mark", show=False),
        Binding("f", "finish", "Finish"),
        Binding("escape", "leave", "Leave (kept)"),
    ]

    def __init__(self, session: Session, save_first: bool = False, run_first: str | None = None) -> None:
        """``run_first``: a person whose check to reopen at once (resuming their check's draft)."""
        super().__init__()
        self.session = session
        self._run_first = run_first
        self.summary_shown = False
        self.drafted: set[str] = set()
        self._save_first = save_first
        self._lock = threading.Lock()
        self._version = self._written = 0
        self._ended = False

    def compose(self) -> ComposeResult:
        app: Any = self.app
        self.scenario = app.store.library.get(self.session.scenario_id)
        title = self.scenario.title if self.scenario else self.session.scenario_id
        yield AppHeader(f"training session · {title}")
        yield Static(id="session-info")
        yield LineTable(("#", "Person", "Status", "Decision", "Failed critical items"), flex=4, id="people")
        yield Static(id="session-summary")
        yield AppFooter()

    def on_mount(self) -> None:
        if self._save_first:
            self.save()
        first = self._run_first if self._run_first in self.session.people else None
        self.refresh_list(select=first or self.session.next_person())
        if first is not None:
            self.call_after_refresh(self.action_run)

    def on_screen_resume(self) -> None:
        self._look_for_drafts()

    # -- state -----------------------------------------------------------------------------
    def save(self) -> None:
        """Write the session's state (a snapshot taken now) in a thread worker."""
        self._version += 1
        self._write(self._version, self.session.to_dict())

    @work(thread=True, group="session-save")
    def _write(self, version: int, data: dict[str, Any]) -> None:
        app: Any = self.app
        with self._lock:
            if version <= self._written:  # a newer snapshot was written first
                return
            with app.store_lock:
                app.store.save_draft(self.session.draft_key, "session", data)
            self._written = version

    def on_unmount(self) -> None:
        """Leaving or quitting: the last state is on disk before the screen goes."""
        if not self._ended:
            self._write_now()

    def _write_now(self) -> None:
        app: Any = self.app
        with self._lock:
            with app.store_lock:
                app.store.save_draft(self.session.draft_key, "session", self.session.to_dict())
            self._written = self._version

    @work(thread=True, group="session-drafts", exclusive=True)
    def _look_for_drafts(self) -> None:
        app: Any = self.app
        with app.store_lock:
            keys = {d["draft_key"] for d in app.store.drafts()}
        drafted = {p for p in self.session.people if self.session.check_draft_key(p) in keys}
        app.call_from_thread(self._drafts_found, drafted)

    @alive
    def _drafts_found(self, drafted: set[str]) -> None:
        self.drafted = drafted
        self.refresh_list()

    def _status(self, staff_id: str) -> str:
        status = self.session.status(staff_id)
        if status == PENDING and staff_id in self.drafted:
            return "draft"
        return status

    def refresh_list(self, select: str | None = None) -> None:
        s = self.session
        table = self.query_one(LineTable)
        current = select or table.cursor_key
        texts = {i.item_id: i.text for i in getattr(self.scenario, "items", [])}
        rows = []
        for index, staff_id in enumerate(s.people):
            done = s.done.get(staff_id, {})
            seconds = f"{done['decision_seconds']} s" if "decision_seconds" in done else ""
            failed = "; ".join(texts.get(i, i) for i in done.get("failed_critical", []))
            if done.get("status") == "fail" and not failed:
                failed = f"(endpoint: {endpoint(done.get('chosen_endpoint'))})"
            rows.append((str(index + 1), f"{s.names.get(staff_id, staff_id)} ({staff_id})",
                         STATUS_WORDS.get(self._status(staff_id), self._status(staff_id)), seconds, failed))
        table.set_rows(rows, list(s.people))
        if current in s.people:
            table.move_cursor(s.people.index(current))
        f = s.figures()
        checked = (f"{f['checked']} checked, {f['pass_rate']:g}% passed" if f["pass_rate"] is not None
                   else "none checked yet")
        nxt = s.next_person()
        info = Text(f"{s.session_id} · {len(s.people)} people · {checked}"
                    f" · {f['absent']} absent · {f['waiting']} waiting\n")
        if nxt is not None:
            info.append(f"Next: {s.names.get(nxt, nxt)} ({nxt}). ", style="bold")
            info.append("Enter runs the highlighted person's check (script, timer and items afresh); "
                        "a absent, s skip (run at the end), f finish, Esc leave (the session is kept).")
        else:
            info.append("Everyone is done or absent: f shows the session summary.", style="bold")
        self.query_one("#session-info", Static).update(info)

    # -- actions -----------------------------------------------------------------------------
    def action_run(self) -> None:
        if self.summary_shown:
            self.action_leave()
            return
        staff_id = self.query_one(LineTable).cursor_key
        if staff_id is None:
            return
        if self.session.status(staff_id) in ("pass", "fail"):
            self.notify("Already checked in this session (each check is signed on its own).", timeout=3)
            return
        self.app.hold_keys(self)  # marks typed while the runner opens are kept
        self._open_check(staff_id)

    @work(thread=True, group="session-check")
    def _open_check(self, staff_id: str) -> None:
        app: Any = self.app
        with app.store_lock:  # the open pathway that needs this scenario, if any: the check counts there
            status = app.store.status(staff_id, app.today())
        pathway = next((p["pathway_id"] for p in status["pathways"] if p["status"] == "open"
                        and self.session.scenario_id in p["requirements"].get("scenarios", [])), None)
        app.call_from_thread(self._push_check, staff_id, pathway)

    @alive
    def _push_check(self, staff_id: str, pathway: str | None) -> None:
        from screens.scenario import ScenarioScreen

        def signed(record: dict[str, Any] | None) -> None:
            if record:
                self.session.signed(staff_id, record)
                self.save()
                nxt = self.session.next_person(after=staff_id)
                self.refresh_list(select=nxt)
                if nxt is None:
                    self.action_finish()

        self.app.push_screen(ScenarioScreen(staff_id, self.session.scenario_id, pathway,
                                            session_id=self.session.session_id), signed)
        self.app.release_keys(self)  # (the runner holds them until it is ready)

    def action_mark(self, status: str) -> None:
        staff_id = self.query_one(LineTable).cursor_key
        if staff_id is None or self.summary_shown:
            return
        if self.session.status(staff_id) in ("pass", "fail"):
            self.notify("Already checked: a signed check stays (correct it from the staff screen).", timeout=3)
            return
        if status == PENDING:
            self.session.done.pop(staff_id, None)
        else:
            self.session.mark(staff_id, status)
        self.save()
        self.refresh_list(select=self.session.next_person(after=staff_id) if status != PENDING else staff_id)
        if self.session.finished:
            self.action_finish()

    def action_finish(self) -> None:
        """The session summary: each person's outcome, decision time, failed critical items."""
        s = self.session
        f = s.figures()
        texts = {i.item_id: i.text for i in getattr(self.scenario, "items", [])}
        text = Text()
        text.append("Session summary\n", style="bold reverse")
        rate = f"{f['pass_rate']:g}%" if f["pass_rate"] is not None else "—"
        median = f"{f['median_seconds']} s" if f["median_seconds"] is not None else "—"
        text.append(f"{f['checked']} checked · {f['passed']} passed · pass rate {rate} · median decision "
                    f"time {median} · {f['absent']} absent · {f['skipped']} skipped · {f['waiting']} not run\n")
        for staff_id in s.people:
            done = s.done.get(staff_id, {})
            status = STATUS_WORDS.get(self._status(staff_id), self._status(staff_id))
            line = f"  {status:<8} {s.names.get(staff_id, staff_id)} ({staff_id})"
            if "decision_seconds" in done:
                line += f" · {done['decision_seconds']} s"
            failed = [texts.get(i, i) for i in done.get("failed_critical", [])]
            if failed:
                line += " · failed: " + "; ".join(failed)
            text.append(line + "\n")
        if f["waiting"] or f["skipped"]:
            text.append("Some people were not run: Esc keeps the session to carry on later; "
                        "d ends it here.", style="bold")
        else:
            text.append("Enter or Esc: done (the session's checks are signed; it leaves the drafts).",
                        style="bold")
        self.summary_shown = True
        self.query_one("#session-summary", Static).update(text)
        self.query_one("#session-summary", Static).scroll_visible()

    def action_leave(self) -> None:
        f = self.session.figures()
        if self.summary_shown and not (f["waiting"] or f["skipped"]):
            self._end()
            return
        self.save()
        self.app.pop_screen()
        self.app.notify("Session kept: resume it with Ctrl+P, \"Resume draft\".", title="Training session")

    def key_d(self) -> None:
        if self.summary_shown:
            self._end()

    def _end(self) -> None:
        app: Any = self.app

        self._ended = True

        def discard() -> None:
            with self._lock, app.store_lock:
                app.store.discard_draft(self.session.draft_key)
            app.call_from_thread(app.pop_screen)

        app.run_worker(discard, thread=True, group="session-end")
