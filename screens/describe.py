"""Short human descriptions of records and projections for tables and summaries (no Textual)."""

from __future__ import annotations

from typing import Any

from checklists.labels import ENDPOINT_LABELS
from checklists.names import Names, shipped_names
from supervisor_tui.reports.describe import PROPOSAL_LABEL, proposal_pathways  # noqa: F401 - re-exported

KIND_LABELS = {
    "pathway_assigned": "Pathway assigned",
    "scenario_check": "Scenario check",
    "shadow_escalation": "Shadow shift",
    "note_assessment": "Note assessment",
    "restriction_started": "Restriction started",
    "restriction_reviewed": "Restriction reviewed",
    "restriction_lifted": "Restriction lifted",
    "pathway_closed": "Pathway closed",
    "amendment": "Amendment",
    "closure_decision": "Closure decision",
}


def kind_label(kind: str, proposal: bool = False) -> str:
    """The kind as the timeline names it; a closure awaiting its owner is "Closure proposed"."""
    return PROPOSAL_LABEL if proposal and kind == "pathway_closed" else KIND_LABELS.get(kind, kind)


def endpoint(value: str | None) -> str:
    return ENDPOINT_LABELS.get(value or "", value or "—")


def summarise(record: dict[str, Any], body: dict[str, Any] | None = None, names: Names | None = None,
              proposal: bool = False) -> str:
    """One line about a record (``body`` overrides with the amended body; ``names`` gives
    scenario titles and restriction texts, the shipped checklists' by default; ``proposal``: a
    ``pathway_closed`` that awaits its owner's decision, see ``reports.describe.kind_label``)."""
    kind = record["kind"]
    b = body or record["body"]
    names = names or shipped_names()
    if kind == "scenario_check":
        setting = "simulated call" if b["setting"] == "simulated_call" else "on shift"
        return (f"{names.scenario(b['scenario_id'])} v{b.get('scenario_version', '?')}: {b['outcome'].upper()}"
                f" · {endpoint(b['chosen_endpoint'])} · {b['decision_seconds']} s · {setting}")
    if kind == "shadow_escalation":
        agreed = "agreed" if b.get("agreed") else "differed"
        return f"{b['shift_date']} {b['shift']}: {agreed} ({endpoint(b['staff_choice'])})"
    if kind == "note_assessment":
        review = "first-five note" if b["review"] == "first_five" else "sample note"
        return (f"{review} {b['sequence']}, attempt {b.get('attempt', 1)}: {b['outcome']}"
                + (f" (missing {', '.join(b['missing_elements'])})" if b.get("missing_elements") else ""))
    if kind == "pathway_assigned":
        subject = b.get("staff_id") or f"cohort {b.get('cohort_id')}"
        return f"{b['pathway_id']} for {subject} · {b['incident_ref']} · due {b['due_on']}"
    if kind == "pathway_closed":
        done = "closure proposed" if proposal else "closed"
        return f"{b['pathway_id']} {done}: {b['verification']['result']}"
    if kind == "restriction_started":
        subject = b.get("staff_id") or f"cohort {b.get('cohort_id')}"
        codes = ", ".join(names.restriction(c) for c in b["restrictions"])
        return f"{b['restriction_id']} for {subject}: {codes} until {b['expires_on']}"
    if kind == "restriction_reviewed":
        extra = f" to {b['expires_on']}" if b.get("expires_on") else ""
        return f"{b['restriction_id']}: {b['decision']}{extra} · {b['note']}"
    if kind == "restriction_lifted":
        return f"{b['restriction_id']} lifted: {b['reason']}"
    if kind == "amendment":
        return f"correction: {b['reason']}"
    if kind == "closure_decision":
        verb = "approved" if b.get("decision") == "approve" else "returned"
        return f"{b.get('pathway_id')} closure {verb}" + (f": {b['reason']}" if b.get("reason") else "")
    return kind


def requirement_lines(view: dict[str, Any], names: Names | None = None) -> list[str]:
    """Requirement lines with ✓/✗ for the person's own progress in one pathway (scenarios by
    their titles, from ``names`` or the shipped checklists)."""
    names = names or shipped_names()
    progress = view.get("own_progress")
    req = view["requirements"]
    lines = []
    if progress is None:
        for scenario in req.get("scenarios", []):
            lines.append(f"  · scenario: {names.scenario(scenario)}")
        for key, label in (("shadow_shifts", "shadow shifts"), ("compliant_samples", "compliant samples")):
            if req.get(key):
                lines.append(f"  · {req[key]} {label}")
        if req.get("first_five"):
            lines.append("  · first-five notes review")
        return lines
    # ✓ met, ✗ last attempt failed, ○ still to do (not "failed": a newcomer read ✗ that way)
    for scenario in progress["scenarios"]:
        mark = "✓" if scenario["passed"] else "✗" if scenario["latest"] else "○"
        last = f" (last: {scenario['latest']})" if scenario["latest"] else " (not run yet)"
        lines.append(f"  {mark} scenario: {names.scenario(scenario['scenario_id'])}{last}")
    for key, label in (("shadow_shifts", "shadow shifts"), ("compliant_samples", "compliant sample notes"),
                       ("first_five", "compliant first-five notes")):
        item = progress[key]
        if item["required"]:
            mark = "✓" if item["done"] >= item["required"] else "○"
            lines.append(f"  {mark} {label} {item['done']}/{item['required']}")
    return lines
