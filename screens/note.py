"""Note assessment (sample notes and first-five review): the documentation standard's element
checklist, timeliness, the outcome computed live, feedback (required for rework) and the rework
attempt number."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Checkbox, Label, Select, SelectionList, Static

from screens.common import alive
from screens.footer import AppFooter
from screens.form import FormScreen, make_input, make_textarea
from screens.header import AppHeader
from screens.preview import as_int, preview
from supervisor_tui.rules import RecordInvalid


class NoteScreen(FormScreen):
    KIND = "note_assessment"
    CSS_PATH = "forms.tcss"

    def __init__(self, staff_id: str, pathway_id: str | None = None, correcting: Any = None) -> None:
        super().__init__(f"note_assessment:{staff_id}", correcting)
        self.staff_id = staff_id
        self.pathway_id = pathway_id
        self.attempts: dict[tuple[str, int], int] = {}

    def compose(self) -> ComposeResult:
        app: Any = self.app
        self.standard = standard = app.store.library.standards()[0]
        yield AppHeader(f"note assessment · {self.staff_id}")
        with VerticalScroll(classes="form"):
            yield Static(f"{standard.title} (v{standard.version}) · {standard.timeliness.rule}",
                         classes="hint")
            with Horizontal(classes="row"):
                yield Label("Review", classes="label")
                yield Select([("Sample note", "sample"), ("First five notes", "first_five")],
                             value="sample", allow_blank=False, id="review", classes="field")
                yield Label("Note #", classes="label inline")
                yield make_input(app, id="sequence", value="1", placeholder="1-2 / 1-5", classes="field")
                yield Label("Attempt", classes="label inline")
                yield make_input(app, id="attempt", value="1", placeholder="attempt", classes="field")
            yield Label("Elements present (space toggles)", classes="section-title")
            yield SelectionList(*[(("" if e.required else "(optional) ") + e.text, e.element_id)
                                  for e in standard.elements], id="elements", classes="field")
            yield Checkbox("Entered on time", value=True, id="timely", classes="field")
            yield Static(id="outcome")
            yield Label("Feedback (required for rework)", classes="section-title")
            yield make_textarea(app, id="feedback", classes="field")
            yield from self.correction_fields()
            yield Static(id="problems", classes="problems")
        yield AppFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self._load_attempts()

    @work(thread=True, group="attempts")
    def _load_attempts(self) -> None:
        app: Any = self.app
        with app.store_lock:
            rows = app.store.conn.execute(
                "SELECT review, sequence, COUNT(*) FROM record_activity WHERE staff_id = ?"
                " AND kind = 'note_assessment' GROUP BY review, sequence", (self.staff_id,)).fetchall()
        app.call_from_thread(self._attempts_loaded, {(r, s): n for r, s, n in rows})

    @alive
    def _attempts_loaded(self, attempts: dict[tuple[str, int], int]) -> None:
        self.attempts = attempts
        self._suggest_attempt()

    def _suggest_attempt(self) -> None:
        values = self.collect()
        try:
            sequence = int(values.get("sequence") or 0)
        except ValueError:
            return
        suggested = str(self.attempts.get((values.get("review"), sequence), 0) + 1)
        field = self.query_one("#attempt")
        if field.value != suggested and not self.restored:
            field.value = suggested

    def on_select_changed(self, event: Select.Changed) -> None:
        super().on_select_changed(event)
        self._suggest_attempt()

    def values_from_body(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"review": body.get("review"), "sequence": str(body.get("sequence", "")),
                "attempt": str(body.get("attempt", 1)), "timely": body.get("timely"),
                "elements": [e["element_id"] for e in body.get("elements", []) if e.get("present")],
                "feedback": body.get("feedback")}

    def build_body(self, values: dict[str, Any]) -> dict[str, Any]:
        problems: list[str] = []
        sequence = as_int(values, "sequence", problems)
        attempt = as_int(values, "attempt", problems, 1)
        if problems:
            raise RecordInvalid(problems)
        chosen = set(values.get("elements") or [])
        body = {
            "staff_id": self.staff_id, "review": values.get("review"), "sequence": sequence,
            "standard_id": self.standard.id, "standard_version": self.standard.version,
            "elements": [{"element_id": e.element_id, "present": e.element_id in chosen}
                         for e in self.standard.elements],
            "timely": bool(values.get("timely")), "attempt": attempt,
        }
        if (values.get("feedback") or "").strip():
            body["feedback"] = values["feedback"].strip()
        if self.pathway_id:
            body["pathway_id"] = self.pathway_id
        return body

    def values_changed(self) -> None:
        app: Any = self.app
        try:
            body = self.build_body(self.collect())
        except RecordInvalid as exc:
            self.query_one("#outcome", Static).update(Text("; ".join(exc.problems), style="dim"))
            return
        body.setdefault("feedback", "(preview)")
        prepared, problems = preview(self.KIND, body, app.store.library, app.today())
        if prepared is None:
            self.query_one("#outcome", Static).update(Text("; ".join(problems), style="red"))
            return
        text = Text("Outcome (computed): ")
        compliant = prepared["outcome"] == "compliant"
        text.append(prepared["outcome"].upper(), style="bold green" if compliant else "bold red")
        if prepared.get("missing_elements"):
            text.append(f"\n  missing: {', '.join(prepared['missing_elements'])}", style="red")
        if not prepared["timely"]:
            text.append("\n  late entry", style="red")
        if not compliant:
            text.append("\n  feedback is required", style="yellow")
        self.query_one("#outcome", Static).update(text)
