"""Note assessment (sample notes and first-five review): the documentation standard's element
checklist, timeliness, the outcome computed live, feedback (required for rework) and the rework
attempt number."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Select, Static

from screens.common import alive
from screens.footer import AppFooter
from screens.form import FormScreen, make_input, make_textarea
from screens.header import AppHeader
from screens.preview import as_int, preview
from screens.toggles import TickBox, TickList
from supervisor_tui.model.rules import RecordInvalid


class NoteScreen(FormScreen):
    KIND = "note_assessment"
    CSS_PATH = "forms.tcss"

    def __init__(self, staff_id: str, pathway_id: str | None = None, correcting: Any = None) -> None:
        super().__init__(f"note_assessment:{staff_id}", correcting)
        self.staff_id = staff_id
        self.pathway_id = pathway_id
        self.chains: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self._attempts_known = False

    def compose(self) -> ComposeResult:
        app: Any = self.app
        self.standard = standard = app.store.library.standards()[0]
        yield AppHeader(f"note assessment · {self.staff_id}")
        with VerticalScroll(classes="form", can_focus=False):
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
            yield Static(id="chain")
            yield Label("Elements present (space toggles)", classes="section-title")
            yield TickList(*[(("" if e.required else "(optional) ") + e.text, e.element_id)
                                  for e in standard.elements], id="elements", classes="field")
            yield TickBox("Entered on time", value=True, id="timely", classes="field")
            yield Static(id="outcome")
            yield Label("Feedback (required for rework)", classes="section-title")
            yield make_textarea(app, id="feedback", classes="field")
            yield from self.correction_fields()
            yield Static(id="problems", classes="problems")
        yield AppFooter()

    def on_mount(self) -> None:  # (FormScreen.on_mount runs as well: Textual calls both)
        self._load_attempts()

    @work(thread=True, group="attempts")
    def _load_attempts(self) -> None:
        from storage.history import note_attempts

        app: Any = self.app
        with app.store_lock:
            chains = note_attempts(app.store, self.staff_id)
        app.call_from_thread(self._attempts_loaded, chains)

    @alive
    def _attempts_loaded(self, chains: dict[tuple[str, int], list[dict[str, Any]]]) -> None:
        self.chains = chains
        self._attempts_known = True
        self._follow_note()

    def _follow_note(self) -> None:
        """The attempt follows the (review, note #) chosen, every time either changes: the next
        one after those already signed for that note (a correction keeps its own)."""
        if not self._attempts_known or self.correcting is not None:
            return
        from storage.history import next_attempt

        values = self.collect()
        try:
            sequence = int(values.get("sequence") or 0)
        except ValueError:
            return
        chain = self.chains.get((values.get("review"), sequence), [])
        suggested = str(next_attempt(self.chains, values.get("review"), sequence))
        field = self.query_one("#attempt", Input)
        if field.value != suggested:
            field.value = suggested
        words = " → ".join(f"attempt {a['attempt']} {a['outcome']}" for a in chain)
        self.query_one("#chain", Static).update(
            Text(f"This note so far: {words} · this is attempt {suggested}" if chain
                 else "First attempt for this note", style="dim"))

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "review":
            self._follow_note()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "sequence":
            self._follow_note()

    def item_words(self, item_id: str) -> str:
        return next((e.text for e in self.standard.elements if e.element_id == item_id), item_id)

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
            self.query_one("#outcome", Static).update(Text("; ".join(self.in_words(exc.problems)), style="dim"))
            return
        body.setdefault("feedback", "(preview)")
        prepared, problems = preview(self.KIND, body, app.store.library, app.today())
        if prepared is None:
            self.query_one("#outcome", Static).update(Text("; ".join(self.in_words(problems)), style="red"))
            return
        text = Text("Outcome (computed): ")
        compliant = prepared["outcome"] == "compliant"
        text.append(prepared["outcome"].upper(), style="bold green" if compliant else "bold red")
        if prepared.get("missing_elements"):
            missing = "; ".join(self.item_words(e) for e in prepared["missing_elements"])
            text.append(f"\n  missing: {missing}", style="red")
        if not prepared["timely"]:
            text.append("\n  late entry", style="red")
        if not compliant:
            text.append("\n  feedback is required", style="yellow")
        self.query_one("#outcome", Static).update(text)
