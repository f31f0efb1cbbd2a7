"""A correction's changes in words, field by field ("Shift date: 1999-01-15 → 2026-12-01"),
using the forms' labels and the checklists' wording (no Textual: also used by the record view)."""

from __future__ import annotations

from typing import Any

from checklists.labels import ENDPOINT_LABELS

# Body keys in the words of the form that captures them.
FIELD_WORDS: dict[str, str] = {
    "shift_date": "Shift date", "shift": "Shift", "situation": "Situation",
    "staff_choice": "Staff chose", "supervisor_choice": "Supervisor chose",
    "learning_note": "Learning note", "agreed": "Agreement",
    "review": "Review", "sequence": "Note #", "attempt": "Attempt", "timely": "Entered on time",
    "feedback": "Feedback", "outcome": "Outcome", "missing_elements": "Missing elements",
    "setting": "Setting", "chosen_endpoint": "Endpoint chosen", "decision_seconds": "Decision seconds",
    "remediation": "Remediation", "failed_critical": "Failed critical items",
    "incident_ref": "Incident ref", "gap": "Gap", "owner": "Owner", "due_on": "Due on",
    "note": "Note", "staff_id": "Person", "cohort_id": "Cohort", "restrictions": "Restrictions",
    "reason": "Reason", "expires_on": "Expires on", "review_every_days": "Review every (days)",
    "decision": "Decision", "pathway_id": "Pathway", "restriction_id": "Restriction",
    "scenario_id": "Scenario", "scenario_version": "Scenario version", "session_id": "Session",
    "standard_id": "Standard", "standard_version": "Standard version",
    "expected_endpoint": "Expected endpoint",
    "requirements.scenarios": "Scenarios to pass", "requirements.compliant_samples": "Compliant samples",
    "requirements.shadow_shifts": "Shadow shifts", "requirements.first_five": "First-five notes review",
    "verification.what": "What was checked", "verification.by": "By", "verification.result": "Result",
}
VALUE_WORDS = {"sample": "Sample note", "first_five": "First five notes", "simulated_call": "Simulated call",
               "on_shift": "On shift", "day": "Day", "evening": "Evening", "night": "Night",
               "pass": "PASS", "fail": "FAIL", "n/a": "n/a", "compliant": "COMPLIANT", "rework": "REWORK",
               "knowledge": "Knowledge gap", "workflow": "Workflow gap", "accountability": "Accountability gap",
               "continue": "Continue", "extend": "Extend"}
DERIVED = ("outcome", "expected_endpoint", "failed_critical", "agreed", "missing_elements")


def words(key: str) -> str:
    return FIELD_WORDS.get(key, key.replace("_", " ").capitalize())


def value_words(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value_words(v) for v in value)
    text = str(value)
    return ENDPOINT_LABELS.get(text) or VALUE_WORDS.get(text) or text


def _flat(body: dict[str, Any], library: Any) -> dict[str, Any]:
    """One entry per thing a person sees on the form: items and elements by their wording."""
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key == "items":
            scenario = library.get(body.get("scenario_id"), body.get("scenario_version")) if library else None
            texts = {i.item_id: i.text for i in getattr(scenario, "items", [])}
            for item in value:
                out[f"Item “{texts.get(item['item_id'], item['item_id'])}”"] = item.get("result")
        elif key == "elements":
            standard = library.get(body.get("standard_id"), body.get("standard_version")) if library else None
            texts = {e.element_id: e.text for e in getattr(standard, "elements", [])}
            for element in value:
                out[f"Element “{texts.get(element['element_id'], element['element_id'])}”"] = (
                    "present" if element.get("present") else "missing")
        elif isinstance(value, dict):
            for sub, subvalue in value.items():
                out[words(f"{key}.{sub}")] = subvalue
        else:
            out[words(key)] = value
    return out


def changes(before: dict[str, Any], after: dict[str, Any], library: Any = None,
            derived: bool = True) -> list[tuple[str, str, str]]:
    """(what, was, becomes) for each difference; ``derived`` includes computed fields."""
    skip = () if derived else DERIVED
    old = _flat({k: v for k, v in before.items() if k not in skip}, library)
    new = _flat({k: v for k, v in after.items() if k not in skip}, library)
    found = []
    for key in list(old) + [k for k in new if k not in old]:
        if old.get(key) != new.get(key):
            found.append((key, value_words(old.get(key)), value_words(new.get(key))))
    return found
