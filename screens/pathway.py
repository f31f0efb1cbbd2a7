"""Pathway assign and close. Closing is refused by the rules until every requirement is met by
records; the screen shows the unmet list before and after a refused attempt."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Label, Select, Static

from screens.describe import requirement_lines
from screens.footer import AppFooter
from screens.form import FormScreen, make_input, make_textarea
from screens.header import AppHeader
from screens.preview import as_int
from screens.toggles import TickBox, TickList
from supervisor_tui.model.rules import RecordInvalid


class AssignPathwayScreen(FormScreen):
    KIND = "pathway_assigned"
    CSS_PATH = "forms.tcss"

    def __init__(self, staff_id: str, cohort_id: str, correcting: Any = None) -> None:
        super().__init__(f"pathway_assigned:{staff_id}", correcting)
        self.staff_id = staff_id
        self.cohort_id = cohort_id

    def compose(self) -> ComposeResult:
        app: Any = self.app
        due = (app.today() + dt.timedelta(days=28)).isoformat()
        yield AppHeader(f"assign pathway · {self.staff_id}")
        with VerticalScroll(classes="form", can_focus=False):
            with Horizontal(classes="row"):
                yield Label("For", classes="label")
                yield Select([(f"This person ({self.staff_id})", "staff"),
                              (f"Their cohort ({self.cohort_id})", "cohort")],
                             value="staff", allow_blank=False, id="scope", classes="field")
            with Horizontal(classes="row"):
                yield Label("Incident ref", classes="label")
                yield make_input(app, id="incident_ref", placeholder="e.g. INC-2026-0142", classes="field")
                yield Label("Gap", classes="label inline")
                yield Select([("Knowledge gap", "knowledge"), ("Workflow gap", "workflow"),
                              ("Accountability gap", "accountability")], prompt="choose", id="gap",
                             classes="field")
            with Horizontal(classes="row"):
                yield Label("Owner", classes="label")
                yield make_input(app, id="owner", placeholder="named person", classes="field")
                yield Label("Due on", classes="label inline")
                yield make_input(app, id="due_on", value=due, placeholder="YYYY-MM-DD", classes="field")
            with Horizontal(classes="row"):
                yield Label("Owner's id", classes="label")
                yield make_input(app, id="owner_id", placeholder="supervisor id who signs off, e.g. DIR01",
                                 classes="field")
                yield Label("Deputy's id", classes="label inline")
                yield make_input(app, id="deputy_id", placeholder="optional", classes="field")
            yield Label("Scenarios to pass", classes="section-title")
            yield TickList(*[(f"{s.title} ({s.id})", s.id) for s in app.store.library.scenarios()],
                                id="scenarios", classes="field")
            with Horizontal(classes="row"):
                yield Label("Compliant samples", classes="label")
                yield make_input(app, id="compliant_samples", value="0", classes="field")
                yield Label("Shadow shifts", classes="label inline")
                yield make_input(app, id="shadow_shifts", value="0", classes="field")
            yield TickBox("First-five notes review", id="first_five", classes="field")
            yield Label("Note", classes="section-title")
            yield make_textarea(app, id="note", classes="field")
            yield from self.correction_fields()
            yield Static(id="problems", classes="problems")
        yield AppFooter()

    def values_from_body(self, body: dict[str, Any]) -> dict[str, Any]:
        req = body.get("requirements", {})
        return {"scope": "cohort" if "cohort_id" in body else "staff",
                **{k: body.get(k) for k in ("incident_ref", "gap", "owner", "owner_id", "deputy_id", "due_on",
                                            "note")},
                "scenarios": req.get("scenarios", []), "first_five": req.get("first_five", False),
                "compliant_samples": str(req.get("compliant_samples", 0)),
                "shadow_shifts": str(req.get("shadow_shifts", 0))}

    def build_body(self, values: dict[str, Any]) -> dict[str, Any]:
        problems: list[str] = []
        samples = as_int(values, "compliant_samples", problems, 0)
        shifts = as_int(values, "shadow_shifts", problems, 0)
        for key in ("incident_ref", "gap", "owner", "owner_id", "due_on"):
            if not (values.get(key) or "").strip():
                problems.append(f"{key}: required")
        if problems:
            raise RecordInvalid(problems)
        subject = {"staff_id": self.staff_id} if values.get("scope") != "cohort" else {
            "cohort_id": self.cohort_id}
        body = {**subject, "incident_ref": values["incident_ref"], "gap": values["gap"],
                "owner": values["owner"], "owner_id": values["owner_id"].strip(),
                "due_on": values["due_on"].strip(),
                "requirements": {"scenarios": list(values.get("scenarios") or []),
                                 "compliant_samples": samples, "shadow_shifts": shifts,
                                 "first_five": bool(values.get("first_five"))}}
        if (values.get("deputy_id") or "").strip():
            body["deputy_id"] = values["deputy_id"].strip()
        if (values.get("note") or "").strip():
            body["note"] = values["note"].strip()
        if self.correcting is not None:  # a correction keeps the pathway's id
            body["pathway_id"] = self.correcting.body["pathway_id"]
        return body


def named_member(line: str, people: dict[str, str]) -> str:
    """A cohort pathway's unmet line ("S005: shadow shifts 1 of 3") with the person's name."""
    staff_id, sep, rest = line.partition(": ")
    return f"{people[staff_id]} ({staff_id}): {rest}" if sep and staff_id in people else line


class ClosePathwayScreen(FormScreen):
    KIND = "pathway_closed"
    CSS_PATH = "forms.tcss"

    def __init__(self, view: dict[str, Any], correcting: Any = None) -> None:
        super().__init__(f"pathway_closed:{view['pathway_id']}", correcting)
        self.view = view

    def saved_message(self, record: dict[str, Any]) -> str:
        """A closure on a pathway with a signing owner is a proposal: say who closes it."""
        view, seq = self.view, record["seq"]
        owner, deputy = view.get("owner_id"), view.get("deputy_id")
        if not owner or self.correcting is not None:
            return super().saved_message(record)
        approver = (f"the deputy {deputy}" if deputy else "the deputy (none is named yet)") \
            if record["author"] == owner else f"{view['owner']} ({owner})"
        return (f"Closure of {view['pathway_id']} proposed and signed (record {seq} of this laptop):"
                f" the pathway stays open until {approver} approves it.")

    def compose(self) -> ComposeResult:
        app: Any = self.app
        view = self.view
        yield AppHeader(f"close pathway {view['pathway_id']}")
        with VerticalScroll(classes="form", can_focus=False):
            yield Static(f"{view['pathway_id']} · {view['incident_ref']} · {view['gap']} gap · "
                         f"owner {view['owner']} · due {view['due_on']}")
            unmet = Text()
            if view["unmet"]:
                unmet.append("Not closable yet. Unmet requirements:\n", style="bold red")
                unmet.append("\n".join(f"  ✗ {named_member(u, view.get('people') or {})}"
                                        for u in view["unmet"]))
            else:
                unmet.append("Every requirement is met by records:\n", style="bold green")
                unmet.append("\n".join(requirement_lines(view)))
            yield Static(unmet, id="unmet")
            yield Label("Verification", classes="section-title")
            with Horizontal(classes="row"):
                yield Label("What was checked", classes="label")
                yield make_input(app, id="what", classes="field",
                                 placeholder="e.g. both scenarios re-run on shift")
            with Horizontal(classes="row"):
                yield Label("By", classes="label")
                yield make_input(app, id="by", value=str(getattr(app, "supervisor_label", "")),
                                 classes="field")
            with Horizontal(classes="row"):
                yield Label("Result", classes="label")
                yield make_input(app, id="result", classes="field",
                                 placeholder="e.g. escalates correctly; restriction can end")
            yield from self.correction_fields()
            yield Static(id="problems", classes="problems")
        yield AppFooter()

    def values_from_body(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(body.get("verification", {}))

    def build_body(self, values: dict[str, Any]) -> dict[str, Any]:
        problems = [f"verification.{k}: required" for k in ("what", "by", "result")
                    if not (values.get(k) or "").strip()]
        if problems:
            raise RecordInvalid(problems)
        return {"pathway_id": self.view["pathway_id"],
                "verification": {k: values[k] for k in ("what", "by", "result")}}
