"""The governance report screen: the supervisor's own cohorts (the local roster).

The report is computed in a thread worker over a separate SQLite connection and posted back as a
message, so the screen never blocks. The app pushes ``ReportScreen()`` (it then uses
``app.store`` and ``app.now()``); tests may pass a store and a date. Escape goes back, ``r``
refreshes, and the cohort selector narrows the report.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Select, Static

from screens.footer import AppFooter
from screens.header import AppHeader
from storage.report_local import local_report
from storage.store import Store
from supervisor_tui.reports.report_render import text_lines

ALL = "__all__"


class ReportScreen(Screen):
    """Per cohort: restrictions, completion, pass and agreement rates, rework, pathways, trends."""

    CSS_PATH = "report.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the previous screen"),
        Binding("r", "refresh_report", "Refresh", tooltip="Recompute the report from the store"),
    ]

    class Ready(Message):
        """The report model computed by the worker (or the error it met)."""

        def __init__(self, report: dict[str, Any] | None, error: str | None = None,
                     cohorts: list[tuple[str, str]] | None = None):
            super().__init__()
            self.report = report
            self.error = error
            self.cohorts = cohorts or []

    def __init__(self, store: Store | None = None, today: dt.date | None = None,
                 incidents: list[dict[str, Any]] | None = None):
        super().__init__()
        self._store = store
        self.today = today
        self.incidents = incidents  # None: those pulled from the central store at the last sync
        self.report: dict[str, Any] | None = None
        self.cohort: str | None = None
        self._cohort_options: list[tuple[str, str]] = []

    @property
    def store(self) -> Store:
        return self._store if self._store is not None else self.app.store  # type: ignore[attr-defined]

    def _today(self) -> dt.date:
        if self.today is not None:
            return self.today
        today = getattr(self.app, "today", None)
        return today() if callable(today) else dt.date.today()

    def compose(self) -> ComposeResult:
        yield AppHeader("governance report")
        yield Select([("All my cohorts", ALL)], value=ALL, allow_blank=False, id="cohort")
        with VerticalScroll(id="report-body"):
            yield Static("Computing the governance report…", id="report-text", markup=False)
        yield AppFooter()

    def on_mount(self) -> None:
        self.compute()

    def action_refresh_report(self) -> None:
        self.query_one("#report-text", Static).update("Computing the governance report…")
        self.compute()

    @work(thread=True, exclusive=True)
    def compute(self) -> None:
        store = self.store.sibling()
        try:
            report = local_report(store, self._today(), None, self.incidents)
            cohorts = [(c["name"], c["cohort_id"]) for c in store.cohorts()]
            self.post_message(self.Ready(report, cohorts=cohorts))
        except Exception as exc:  # noqa: BLE001 - shown on screen, never crashes the app
            self.post_message(self.Ready(None, f"Could not compute the report: {exc}"))
        finally:
            store.close()

    @on(Ready)
    def show_report(self, message: Ready) -> None:
        self.report = message.report
        if message.error:
            self.query_one("#report-text", Static).update(message.error)
            return
        if message.cohorts and message.cohorts != self._cohort_options:
            self._cohort_options = message.cohorts
            select = self.query_one("#cohort", Select)
            chosen = self.cohort
            with select.prevent(Select.Changed):
                select.set_options([("All my cohorts", ALL), *message.cohorts])
                select.value = chosen if chosen in {c for _, c in message.cohorts} else ALL
        self._show_report_text()

    @on(Select.Changed, "#cohort")
    def cohort_changed(self, event: Select.Changed) -> None:
        self.cohort = None if event.value == ALL else str(event.value)
        if self.report is not None:
            self._show_report_text()

    def _show_report_text(self) -> None:
        assert self.report is not None
        lines = [f"Governance report as of {self.report['today']}"]
        source = self.report.get("incidents_source")
        if source:
            lines.append(f"Incidents from {source}")
        elif self.report.get("incidents_none_in"):
            lines.append(f"No incidents in {self.report['incidents_none_in']}: the IT admin imports them"
                         " ('governance-store incidents import'); recurrence rates need them")
        else:
            lines.append("No incidents yet: they arrive with the next sync (imported centrally)")
        shown = [c for c in self.report["cohorts"] if self.cohort in (None, c["cohort_id"])]
        for c in shown:
            lines += [""] + text_lines(c)
        if not shown:
            lines.append("No cohorts on the roster: import a roster first.")
        if self.report.get("sessions"):
            from supervisor_tui.reports.sessions import session_lines

            lines += [""] + session_lines(self.report["sessions"])
        self.query_one("#report-text", Static).update("\n".join(lines))

    @property
    def report_text(self) -> str:
        """The report text currently shown (for tests and copy)."""
        return str(self.query_one("#report-text", Static).content)
