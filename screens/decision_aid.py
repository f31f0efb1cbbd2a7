"""The one-page escalation decision aid (from the checklists), one key (F2) away everywhere;
on a scenario screen the scenario's own thresholds come first."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from screens.describe import endpoint
from screens.footer import AppFooter


class DecisionAidScreen(ModalScreen[None]):
    CSS_PATH = "decision_aid.tcss"
    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, scenario: Any = None) -> None:
        super().__init__()
        self.scenario = scenario

    def compose(self) -> ComposeResult:
        app: Any = self.app
        aid = app.store.library.decision_aid()
        text = Text()
        if self.scenario is not None:
            text.append(f"This scenario: {self.scenario.title}\n", style="bold")
            for t in self.scenario.thresholds:
                text.append(f"  • {t.when} → {t.action} [{endpoint(t.endpoint)}]\n")
            text.append("\n")
        if aid is None:
            text.append("No decision aid is loaded.")
        else:
            text.append(f"{aid.title}\n", style="bold underline")
            for section in aid.sections:
                style = {"emergency_services": "bold red", "on_call_clinician": "bold yellow",
                         "supervisor": "bold cyan", "no_escalation": "bold green"}.get(
                             section.endpoint or "", "bold")
                text.append(f"\n{section.heading}\n", style=style)
                for line in section.lines:
                    text.append(f"  • {line}\n")
            text.append(f"\n{aid.example_notice}", style="dim italic")
        with VerticalScroll(id="aid"):
            yield Static(text)
        yield AppFooter()

    def action_close(self) -> None:
        self.dismiss()
