"""Shadow-escalation note: one shift of the shadow period, the staff member's and the
supervisor's endpoint choices (agreement shown live) and the learning note."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Label, Select, Static

from checklists.models import ENDPOINT_LABELS, ENDPOINTS
from screens.footer import AppFooter
from screens.form import FormScreen, make_input, make_textarea
from screens.header import AppHeader
from supervisor_tui.model.rules import RecordInvalid

ENDPOINT_OPTIONS = [(ENDPOINT_LABELS[e], e) for e in ENDPOINTS]


class ShadowScreen(FormScreen):
    KIND = "shadow_escalation"
    CSS_PATH = "forms.tcss"
    FIRST_FIELD = "situation"  # the shift date is already today's

    def __init__(self, staff_id: str, pathway_id: str | None = None, correcting: Any = None) -> None:
        super().__init__(f"shadow_escalation:{staff_id}", correcting)
        self.staff_id = staff_id
        self.pathway_id = pathway_id
        self.pathways: list[dict[str, Any]] = []  # open pathways needing shadow shifts
        self.shifts: set[tuple[str, str]] = set()  # (date, shift) already noted for this person

    def compose(self) -> ComposeResult:
        app: Any = self.app
        yield AppHeader(f"shadow shift · {self.staff_id}")
        with VerticalScroll(classes="form", can_focus=False):
            yield Static("Record one shift of the shadow-escalation period. No client identifiers "
                         "in the situation. F2 shows the decision aid.", classes="hint")
            with Horizontal(classes="row"):
                yield Label("Shift date", classes="label")
                yield make_input(app, id="shift_date", value=app.today().isoformat(), classes="field")
                yield Label("Shift", classes="label inline")
                yield Select([("Day", "day"), ("Evening", "evening"), ("Night", "night")],
                             prompt="choose", id="shift", classes="field")
            with Horizontal(classes="row"):
                yield Label("Situation", classes="label")
                yield make_input(app, id="situation", placeholder="what happened (no client identifiers)",
                                 classes="field")
            with Horizontal(classes="row"):
                yield Label("Staff chose", classes="label")
                yield Select(ENDPOINT_OPTIONS, prompt="endpoint", id="staff_choice", classes="field")
            with Horizontal(classes="row"):
                yield Label("Supervisor chose", classes="label")
                yield Select(ENDPOINT_OPTIONS, prompt="endpoint", id="supervisor_choice", classes="field")
            yield Static(id="agreed")
            yield Label("Learning note (required when the choices differ)", classes="section-title")
            yield make_textarea(app, id="learning_note", classes="field")
            yield from self.correction_fields()
            yield Static(id="problems", classes="problems")
        yield AppFooter()

    def on_mount(self) -> None:  # (FormScreen.on_mount runs as well: Textual calls both)
        self._load_context()

    @work(thread=True, group="shadow-context")
    def _load_context(self) -> None:
        app: Any = self.app
        with app.store_lock:
            status = app.store.status(self.staff_id, app.today())
            shifts = app.store.conn.execute(
                "SELECT hash, shift_date, shift FROM record_activity WHERE staff_id = ?"
                " AND kind = 'shadow_escalation'", (self.staff_id,)).fetchall()
        own = self.correcting.record["hash"] if self.correcting else None
        pathways = [p for p in status["pathways"] if p["status"] == "open"
                    and p["requirements"].get("shadow_shifts")]
        app.call_from_thread(self._context_loaded, pathways, {(d, s) for h, d, s in shifts if h != own})

    def _context_loaded(self, pathways: list[dict[str, Any]], shifts: set[tuple[str, str]]) -> None:
        self.pathways, self.shifts = pathways, shifts

    def warnings(self, body: dict[str, Any]) -> list[str]:
        found = []
        for pathway in self.pathways:
            if body["shift_date"] < pathway["assigned_on"]:
                found.append(f"Not counted: the shift date {body['shift_date']} is before pathway "
                             f"{pathway['pathway_id']} was assigned ({pathway['assigned_on']}), so this "
                             "shift does not count towards it.")
        if (body["shift_date"], body["shift"]) in self.shifts:
            found.append(f"There is already a shadow note for the {body['shift']} shift of "
                         f"{body['shift_date']} for {self.staff_id}; this would be a second one for "
                         "the same shift (it counts once).")
        return found

    def values_from_body(self, body: dict[str, Any]) -> dict[str, Any]:
        return {k: body.get(k) for k in ("shift_date", "shift", "situation", "staff_choice",
                                         "supervisor_choice", "learning_note")}

    def build_body(self, values: dict[str, Any]) -> dict[str, Any]:
        problems = [f"{key}: required" for key in ("shift_date", "shift", "situation", "staff_choice",
                                                   "supervisor_choice") if not values.get(key)]
        if problems:
            raise RecordInvalid(problems)
        body = {"staff_id": self.staff_id, **{k: values[k] for k in (
            "shift_date", "shift", "situation", "staff_choice", "supervisor_choice")}}
        if (values.get("learning_note") or "").strip():
            body["learning_note"] = values["learning_note"].strip()
        if self.pathway_id:
            body["pathway_id"] = self.pathway_id
        return body

    def values_changed(self) -> None:
        values = self.collect()
        staff, supervisor = values.get("staff_choice"), values.get("supervisor_choice")
        if not staff or not supervisor:
            text = Text("Agreement: choose both endpoints", style="dim")
        elif staff == supervisor:
            text = Text("Agreement: AGREED", style="bold green")
        else:
            text = Text("Agreement: DIFFERED · write a learning note", style="bold yellow")
        self.query_one("#agreed", Static).update(text)
