"""Scenario check runner: the call script to read aloud, a decision timer started and stopped by
key, single-key pass/fail/n-a marks, the escalation endpoint, remediation (required on a fail),
the outcome computed live by the real rules, and a review-and-sign step. The assessor never
types the outcome, so a failed critical item can never be saved as a pass."""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, RadioButton, RadioSet, Select, Static, TextArea
from textual.widgets.option_list import Option

from checklists.models import ENDPOINT_LABELS, ENDPOINTS
from screens.describe import endpoint
from screens.footer import AppFooter
from screens.form import FormScreen, make_input, make_textarea
from screens.header import AppHeader
from screens.preview import as_int, preview
from screens.toggles import DotButton
from supervisor_tui.model.rules import RecordInvalid

SETTING_WORDS = {"simulated_call": "Simulated call", "on_shift": "On shift"}
MARKS = {"pass": ("PASS", "green"), "fail": ("FAIL", "bold red"), "n/a": ("n/a", "dim"),
         None: ("····", "dim")}


def reflow(script: str) -> str:
    """Join the hard-wrapped lines of a TOML script into paragraphs (one per blank line or
    'If asked:' line) so it wraps to the pane."""
    paragraphs, current = [], []
    for line in script.strip().splitlines():
        if not line.strip() or line.startswith("If asked"):
            if current:
                paragraphs.append(" ".join(current))
            current = [line.strip()] if line.strip() else []
        else:
            current.append(line.strip())
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


class ItemList(OptionList):
    """The checklist's items. A mark moves the highlight to the next item, so ↑↓ stop at the
    first and last item instead of wrapping round: "f ↓ p ↓ p …" typed past the end must not
    land on the first item and overwrite its mark."""

    def action_cursor_down(self) -> None:
        if self.option_count:
            self.highlighted = 0 if self.highlighted is None else min(self.highlighted + 1, self.option_count - 1)

    def action_cursor_up(self) -> None:
        if self.option_count:
            self.highlighted = 0 if self.highlighted is None else max(self.highlighted - 1, 0)

class ReviewModal(ModalScreen[bool]):
    """The summary shown before a scenario check is signed."""

    BINDINGS = [Binding("y,enter", "confirm", "Sign"), Binding("escape", "back", "Back to form")]
    DEFAULT_CSS = """
    ReviewModal { align: center middle; }
    ReviewModal > VerticalScroll { width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1; }
    """

    def __init__(self, summary: Text) -> None:
        super().__init__()
        self.summary = summary

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label("Review before signing", classes="modal-title")
            yield Static(self.summary, id="review-summary")
            yield Label("y/Enter: sign with your device key   Esc: back to the form", classes="hint")
        yield AppFooter()

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_back(self) -> None:
        self.dismiss(False)


class ScenarioScreen(FormScreen):
    KIND = "scenario_check"
    FIRST_FIELD = "items"  # p / f / n mark the highlighted item; a text field would swallow them
    REVIEW_FIRST = True
    CSS_PATH = "scenario.tcss"
    FIELD_LABELS = {"items": "Items", "chosen_endpoint": "Endpoint chosen",
                    "decision_seconds": "Decision seconds", "setting": "Setting"}
    BINDINGS = [
        Binding("t", "timer", "Timer"),
        Binding("p", "mark('pass')", "Pass"),
        Binding("f", "mark('fail')", "Fail"),
        Binding("n", "mark('n/a')", "N/a"),
        Binding("1", "endpoint(0)", "Endpoint 1-4", show=False),
        Binding("shift+down", "script(3)", "Scroll script", show=False),
        Binding("shift+up", "script(-3)", show=False),
        Binding("2", "endpoint(1)", show=False),
        Binding("3", "endpoint(2)", show=False),
        Binding("4", "endpoint(3)", show=False),
        Binding("ctrl+s", "sign", "Review & sign", priority=True),
    ]

    def __init__(self, staff_id: str, scenario_id: str, pathway_id: str | None = None,
                 correcting: Any = None, session_id: str | None = None) -> None:
        """``session_id``: run as part of a trainer's group session (its draft is the session's
        and the signed check carries the id)."""
        key = f"scenario_check:{staff_id}:{scenario_id}" + (f":{session_id}" if session_id else "")
        super().__init__(key, correcting)
        self.session_id = session_id
        self.staff_id = staff_id
        self.pathway_id = pathway_id
        self.scenario_id = scenario_id
        self.scenario = None
        self.results: dict[str, str] = {}
        self.elapsed = 0.0
        self.started_at: float | None = None

    def compose(self) -> ComposeResult:
        app: Any = self.app
        version = self.correcting.body.get("scenario_version") if self.correcting else None
        self.scenario = scenario = app.store.library.get(self.scenario_id, version)
        yield AppHeader(f"scenario check · {self.staff_id}" + (" · training session" if self.session_id else ""))
        with Horizontal(id="panes"):
            with VerticalScroll(id="script-pane", can_focus=False):
                yield Static(Text(f"{scenario.title} (v{scenario.version})", style="bold"))
                yield Static(scenario.summary, classes="hint")
                yield Static("Read aloud", classes="section-title")
                yield Static(reflow(scenario.script), id="script")
                yield Static("Thresholds (F2: full decision aid)", classes="section-title")
                yield Static("\n".join(f"• {t.when} → {t.action} [{endpoint(t.endpoint)}]"
                                       for t in scenario.thresholds), id="thresholds")
                yield Static(scenario.example_notice, classes="hint")
            with VerticalScroll(id="mark-pane", can_focus=False):
                yield Static(id="timer")
                yield Static("Items: ↑↓ choose, p pass, f fail, n n/a (★ critical) · Shift+↑↓ scroll the script", classes="hint")
                yield ItemList(*[Option(self._item_prompt(i), id=i.item_id) for i in scenario.items],
                                 id="items")
                yield Static("Endpoint chosen (1-4)", classes="section-title")
                with RadioSet(id="chosen_endpoint", classes="field"):
                    for index, value in enumerate(ENDPOINTS):
                        yield DotButton(f"{index + 1} {ENDPOINT_LABELS[value]}")
                # Labelled, seconds first: after the endpoint, Tab goes where the timer's figure is.
                with Horizontal(classes="labelled-row"):
                    with Vertical(classes="labelled"):
                        yield Static("Decision seconds", classes="field-label")
                        yield make_input(app, id="decision_seconds", placeholder="t fills it",
                                         classes="field")
                    with Vertical(classes="labelled"):
                        yield Static("Setting", classes="field-label")
                        yield Select([(words, value) for value, words in SETTING_WORDS.items()],
                                     value="simulated_call", allow_blank=False, id="setting",
                                     classes="field")
                yield Static("Remediation (required on a fail)", classes="section-title")
                yield make_textarea(app, id="remediation", classes="field")
                yield Static(id="outcome")
                yield from self.correction_fields()
                yield Static(id="problems", classes="problems")
        yield AppFooter()

    def on_mount(self) -> None:  # (FormScreen.on_mount runs as well: Textual calls both)
        self.query_one("#items").focus()
        self._tick()
        self.set_interval(0.5, self._tick)

    # -- items and timer -----------------------------------------------------------------
    def _item_prompt(self, item: Any) -> Text:
        label, style = MARKS[self.results.get(item.item_id)]
        text = Text()
        text.append(f"{label:4} ", style=style)
        text.append("★ " if item.critical else "  ", style="bold yellow")
        text.append(item.text)
        return text

    def _redraw_items(self) -> None:
        items = self.query_one("#items", OptionList)
        for index, item in enumerate(self.scenario.items):
            items.replace_option_prompt_at_index(index, self._item_prompt(item))

    def action_mark(self, result: str) -> None:
        items = self.query_one("#items", OptionList)
        if items.highlighted is None:
            items.highlighted = 0
        item = self.scenario.items[items.highlighted]
        self.results[item.item_id] = result
        self._redraw_items()
        if items.highlighted < len(self.scenario.items) - 1:
            items.highlighted += 1
        self._changed()

    def action_script(self, lines: int) -> None:
        """The script pane is not a Tab stop (it would swallow marks): Shift+↑↓ scroll it."""
        pane = self.query_one("#script-pane")
        pane.scroll_to(y=pane.scroll_y + lines, animate=False)

    def action_endpoint(self, index: int) -> None:
        buttons = list(self.query(RadioButton))
        buttons[index].value = True

    def seconds(self) -> float:
        running = time.monotonic() - self.started_at if self.started_at is not None else 0.0
        return self.elapsed + running

    def action_timer(self) -> None:
        if self.started_at is None:
            self.started_at = time.monotonic()
        else:
            self.elapsed = self.seconds()
            self.started_at = None
            self.query_one("#decision_seconds").value = str(int(self.elapsed))
        self._tick()

    def _tick(self) -> None:
        seconds = int(self.seconds())
        state = "RUNNING (t stops)" if self.started_at is not None else "stopped (t starts)"
        target = self.scenario.target_decision_seconds
        text = Text(f"Decision timer {seconds // 60:02d}:{seconds % 60:02d} · {state} · target {target} s",
                    style="bold" if self.started_at is not None else "")
        self.query_one("#timer", Static).update(text)

    def item_words(self, item_id: str) -> str:
        return next((i.text for i in self.scenario.items if i.item_id == item_id), item_id)

    def values_from_body(self, body: dict[str, Any]) -> dict[str, Any]:
        chosen = body.get("chosen_endpoint")
        return {"results": {i["item_id"]: i["result"] for i in body.get("items", [])},
                "elapsed": body.get("decision_seconds", 0), "setting": body.get("setting"),
                "chosen_endpoint": ENDPOINTS.index(chosen) if chosen in ENDPOINTS else -1,
                "decision_seconds": str(body.get("decision_seconds", "")),
                "remediation": body.get("remediation")}

    def extra_state(self) -> dict[str, Any]:
        return {"results": dict(self.results), "elapsed": int(self.seconds())}

    def restore_extra(self, values: dict[str, Any]) -> None:
        self.results = dict(values.get("results") or {})
        self.elapsed = float(values.get("elapsed") or 0)
        self._redraw_items()
        unmarked = [i for i, item in enumerate(self.scenario.items) if item.item_id not in self.results]
        if unmarked and self.results:  # carry on marking where the assessor stopped
            self.query_one("#items", OptionList).highlighted = unmarked[0]
        self._tick()

    # -- body, live outcome, review --------------------------------------------------------
    def build_body(self, values: dict[str, Any], strict: bool = True) -> dict[str, Any]:
        problems: list[str] = []
        index = values.get("chosen_endpoint")
        if index is None or index < 0:
            problems.append("chosen_endpoint: choose the endpoint the staff member chose (1-4)")
        unmarked = [i.item_id for i in self.scenario.items if i.item_id not in self.results]
        if unmarked:
            total = len(self.scenario.items)
            problems.append(f"items: {len(unmarked)} of {total} not marked yet (p pass, f fail, n n/a)")
        seconds = as_int(values, "decision_seconds", problems, int(self.seconds()) or None)
        outcome, _reasons = self.live_outcome()
        if outcome == "FAIL" and not (values.get("remediation") or "").strip():
            problems.append("remediation: required when the check fails")
        body = {
            "staff_id": self.staff_id, "scenario_id": self.scenario.id,
            "scenario_version": self.scenario.version, "setting": values.get("setting"),
            "items": [{"item_id": i, "result": r} for i, r in self.results.items()],
            "chosen_endpoint": ENDPOINTS[index] if index is not None and index >= 0 else None,
            "decision_seconds": seconds,
        }
        if (values.get("remediation") or "").strip():
            body["remediation"] = values["remediation"].strip()
        if self.pathway_id:
            body["pathway_id"] = self.pathway_id
        if self.session_id:
            body["session_id"] = self.session_id
        if problems and strict:
            raise RecordInvalid(problems)
        return body

    def live_outcome(self) -> tuple[str, list[str]]:
        """('PASS'|'FAIL'|'incomplete', reasons) from the marks so far."""
        reasons = [f"critical item failed: “{i.text}”" for i in self.scenario.items
                   if i.critical and self.results.get(i.item_id) == "fail"]
        index = self.query_one("#chosen_endpoint", RadioSet).pressed_index
        if index is not None and index >= 0 and ENDPOINTS[index] != self.scenario.expected_endpoint:
            reasons.append(f"endpoint chosen: {endpoint(ENDPOINTS[index])}; expected: "
                           f"{endpoint(self.scenario.expected_endpoint)}")
        if reasons:
            return "FAIL", reasons
        if len(self.results) < len(self.scenario.items) or index is None or index < 0:
            return "incomplete", []
        return "PASS", []

    def values_changed(self) -> None:
        outcome, reasons = self.live_outcome()
        style = {"PASS": "bold green", "FAIL": "bold red", "incomplete": "dim"}[outcome]
        text = Text("Outcome (computed): ")
        text.append(outcome, style=style)
        for reason in reasons:
            text.append(f"\n  {reason}", style="red")
        remediation = self.query_one("#remediation", TextArea).text.strip()
        if outcome == "FAIL" and not remediation:
            text.append("\n  remediation is required before signing", style="yellow")
        self.query_one("#outcome", Static).update(text)

    def review(self, body: dict[str, Any]) -> None:
        app: Any = self.app
        prepared, problems = preview(self.KIND, body, app.store.library, app.today())
        if problems:
            self.show_problems(problems)
            return
        self.show_problems([])
        summary = Text()
        summary.append(f"{self.who(self.staff_id)} · {self.scenario.title} v{self.scenario.version} · "
                       f"{SETTING_WORDS.get(prepared['setting'], prepared['setting'])}\n")
        for item in self.scenario.items:
            label, style = MARKS[self.results.get(item.item_id)]
            summary.append(f"  {label:4} ", style=style)
            summary.append(f"{'★ ' if item.critical else '  '}{item.text}\n")
        summary.append(f"Endpoint chosen: {endpoint(prepared['chosen_endpoint'])} "
                       f"(expected {endpoint(prepared['expected_endpoint'])})\n")
        summary.append(f"Decision time: {prepared['decision_seconds']} s\n")
        summary.append("Outcome: ")
        summary.append(prepared["outcome"].upper(),
                       style="bold green" if prepared["outcome"] == "pass" else "bold red")
        if prepared.get("remediation"):
            summary.append(f"\nRemediation: {prepared['remediation']}")
        if prepared.get("pathway_id"):
            summary.append(f"\nCounts towards pathway {prepared['pathway_id']}")

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.sign(body)

        self.app.push_screen(ReviewModal(summary), confirmed)
