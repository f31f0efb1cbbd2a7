"""The Textual application shell (placeholder until the TUI lands)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header

from storage.store import Store
from supervisor_tui.settings import resolve_home


class SupervisorApp(App):
    TITLE = "Supervisor TUI"

    def __init__(self, store: Store):
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="roster")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Staff", "Name", "Cohort", "State")
        for s in self.store.statuses():
            table.add_row(s["staff_id"], s["name"], s["cohort"], s["state"])


def run(home: str | None = None) -> int:
    SupervisorApp(Store(resolve_home(home))).run()
    return 0
