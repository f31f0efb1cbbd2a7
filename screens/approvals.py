"""Awaiting your approval: the closure proposals the signed-in supervisor decides as a pathway's
owner (or deputy, when the owner proposed it). Each shows the pathway's evidence summary (its
requirements and how the records meet them, the proposer's verification); ``a`` approves,
``t`` returns it with a reason, both through a signed ``closure_decision`` form."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Label, Select, Static

from screens.common import alive
from screens.describe import requirement_lines
from screens.footer import AppFooter
from screens.form import FormScreen, make_textarea
from screens.header import AppHeader
from screens.tables import fit_columns
from storage.overview import awaiting_decision, pathway_views
from supervisor_tui.model.rules import RecordInvalid


def evidence_summary(view: dict[str, Any]) -> Text:
    """The pathway, its requirements against the records, and the proposer's verification."""
    text = Text()
    text.append(f"{view['pathway_id']} · {view['incident_ref']} · {view['gap']} gap · "
                f"{subject_words(view)} · due {view['due_on']}\n", style="bold")
    text.append(f"Proposed by {proposer_words(view)}; owner {view['owner']} ({view['owner_id']})"
                + (f", deputy {view['deputy_id']}" if view.get("deputy_id") else "") + "\n")
    text.append("Requirements and the records meeting them\n", style="bold")
    progress = view.get("progress")
    if progress is not None:
        text.append("\n".join(requirement_lines({**view, "own_progress": progress})) + "\n")
    else:
        for staff_id, member in sorted((view.get("members") or {}).items()):
            lines = requirement_lines({**view, "own_progress": member["progress"]})
            text.append(f"  {staff_id}: " + "; ".join(line.strip() for line in lines) + "\n")
    if view["unmet"]:
        text.append("✗ No longer met (approving is refused): " + "; ".join(view["unmet"]) + "\n",
                    style="bold red")
    else:
        text.append("✓ Every requirement is met by records\n", style="bold green")
    verification = view.get("verification") or {}
    text.append("Verification\n", style="bold")
    text.append(f"  What was checked: {verification.get('what', '')}\n  By: {verification.get('by', '')}\n"
                f"  Result: {verification.get('result', '')}\n")  # the closing form's labels
    return text


def subject_words(view: dict[str, Any]) -> str:
    """Who the pathway is for, by name where the roster has it: "Hugo Lindqvist (S008)"."""
    name = view.get("subject_name")
    if view["scope"] == "cohort":
        return f"cohort {name} ({view['subject']})" if name else f"cohort {view['subject']}"
    return f"{name} ({view['subject']})" if name else f"staff {view['subject']}"


def proposer_words(view: dict[str, Any]) -> str:
    """The proposer by name when they have a profile on this laptop, else by their id."""
    name = view.get("proposer_name")
    return f"{name} ({view['proposed_by']})" if name else str(view["proposed_by"])


def with_names(views: list[dict[str, Any]], store: Any) -> list[dict[str, Any]]:
    """The views with ``subject_name`` (roster or cohort name) and ``proposer_name`` (profile)."""
    staff = {p["staff_id"]: p["name"] for p in store.roster()}
    cohorts = {c["cohort_id"]: c["name"] for c in store.cohorts()}
    people = {p.supervisor: p.name for p in store.profiles()}
    return [{**v, "subject_name": (cohorts if v["scope"] == "cohort" else staff).get(v["subject"]),
             "proposer_name": people.get(v["proposed_by"])} for v in views]


class ApprovalsScreen(Screen):
    CSS_PATH = "restrictions.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("a", "decide('approve')", "Approve"),
        Binding("t", "decide('return')", "Return"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, dict[str, Any]] = {}

    def compose(self) -> ComposeResult:
        yield AppHeader("awaiting your approval")
        table = DataTable(id="approvals", cursor_type="row", zebra_stripes=True)
        table.add_columns("Pathway", "For", "Incident", "Proposed by", "Evidence")
        yield table
        with VerticalScroll(id="evidence-box"):
            yield Static("Loading…", id="evidence")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:  # on first show and when back from a decision
        self.load()

    @work(thread=True, exclusive=True, group="approvals")
    def load(self) -> None:
        app: Any = self.app
        with app.store_lock:
            profile = app.store.profile
            me = profile.supervisor if profile is not None else ""
            rows = with_names(awaiting_decision(pathway_views(app.store, app.today()), me), app.store)
        app.call_from_thread(self._loaded, rows, me)

    @alive
    def _loaded(self, rows: list[dict[str, Any]], me: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.items = {v["pathway_id"]: v for v in rows}
        for v in rows:
            met = Text("✓ met", style="green") if not v["unmet"] else Text("✗ not met", style="bold red")
            table.add_row(v["pathway_id"], subject_words(v), v["incident_ref"], proposer_words(v),
                          met, key=v["pathway_id"])
        fit_columns(table)
        self.query_one("#evidence", Static).update(
            evidence_summary(rows[0]) if rows else
            Text(f"No closure proposal awaits your decision ({me}). Proposals for pathways you own appear"
                 " here after a sync."))

    def _selected(self) -> dict[str, Any] | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.items.get(str(key))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        view = self.items.get(str(event.row_key.value))
        if view is not None:
            self.query_one("#evidence", Static).update(evidence_summary(view))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_decide(self, decision: str) -> None:
        view = self._selected()
        if view is None:
            self.notify("Nothing awaits your decision.", severity="warning")
            return
        self.app.push_screen(ClosureDecisionScreen(view, decision))


class ClosureDecisionScreen(FormScreen):
    KIND = "closure_decision"
    CSS_PATH = "forms.tcss"

    def __init__(self, view: dict[str, Any], decision: str = "approve") -> None:
        super().__init__(f"closure_decision:{view['pathway_id']}")
        self.view = view
        self.decision = decision

    def compose(self) -> ComposeResult:
        app: Any = self.app
        yield AppHeader(f"closure decision · {self.view['pathway_id']}")
        with VerticalScroll(classes="form"):
            yield Static(evidence_summary(self.view))
            with Horizontal(classes="row"):
                yield Label("Decision", classes="label")
                yield Select([("Approve: close the pathway", "approve"),
                              ("Return to the proposer", "return")],
                             value=self.decision, allow_blank=False, id="decision", classes="field")
            yield Label("Reason (required when returning; shown to the proposer)", classes="section-title")
            yield make_textarea(app, id="reason", classes="field")
            yield Static(id="problems", classes="problems")
        yield AppFooter()

    def saved_message(self, record: dict[str, Any]) -> str:
        pid, seq = self.view["pathway_id"], record["seq"]
        if record["body"].get("decision") == "return":
            return (f"Closure of {pid} returned to {proposer_words(self.view) or 'the proposer'} and signed"
                    f" (record {seq} of this laptop): the pathway stays open.")
        return f"Closure of {pid} approved and signed (record {seq} of this laptop): the pathway is closed."

    def build_body(self, values: dict[str, Any]) -> dict[str, Any]:
        reason = (values.get("reason") or "").strip()
        if values.get("decision") == "return" and not reason:
            raise RecordInvalid(["reason: say why the closure is returned"])
        body = {"pathway_id": self.view["pathway_id"], "proposal": self.view["proposal"],
                "decision": values.get("decision") or "approve"}
        if reason:
            body["reason"] = reason
        return body
