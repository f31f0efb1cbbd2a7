"""A fixed, small data set written with ``Store.append(..., now=FIXED)`` whose report figures
are computed by hand in ``test_report.py``. Every record kind appears; S001 has a lifted
restriction (RS-D is S006's), active cohort restrictions and an amendment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from storage.store import Store

TODAY = dt.date(2026, 10, 20)
STAFF_KEYS = {}


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=dt.UTC)


def check(store: Store, staff: str, scenario_id: str, passed: bool, **extra: Any) -> dict[str, Any]:
    scenario = store.library.get(scenario_id)
    items = []
    for item in scenario.items:
        failed = not passed and item.item_id == "endpoint"
        items.append({"item_id": item.item_id, "result": "fail" if failed else "pass"})
    endpoint = scenario.expected_endpoint if passed else next(
        e for e in ("supervisor", "no_escalation") if e != scenario.expected_endpoint)
    body = {"staff_id": staff, "scenario_id": scenario_id, "setting": "simulated_call", "items": items,
            "chosen_endpoint": endpoint, "decision_seconds": 60 if passed else 150, **extra}
    if not passed:
        body["remediation"] = "Walk through the decision aid; repeat within 7 days."
    return body


def note(store: Store, staff: str, sequence: int, attempt: int, missing=(), timely=True, **extra) -> dict:
    std = store.library.get("progress-note")
    body = {"staff_id": staff, "review": "sample", "sequence": sequence, "standard_id": "progress-note",
            "elements": [{"element_id": e.element_id, "present": e.element_id not in missing} for e in std.elements],
            "timely": timely, "attempt": attempt, **extra}
    if missing or not timely:
        body["feedback"] = "Add the missing elements and enter the note on time."
    return body


def shadow(staff: str, day: str, agree: bool) -> dict[str, Any]:
    return {"staff_id": staff, "shift_date": day, "shift": "night", "situation": "New confusion at tea time",
            "staff_choice": "on_call_clinician" if agree else "supervisor", "supervisor_choice": "on_call_clinician",
            "learning_note": "Talked through the threshold."}


def write_dataset(store: Store) -> dict[str, dict[str, Any]]:
    """Append the data set; returns the records by a short name."""
    r: dict[str, dict[str, Any]] = {}

    def add(name: str, kind: str, body: dict[str, Any], when: dt.datetime, schema: int | None = None) -> None:
        r[name] = store.append(kind, body, now=when, schema=schema)

    # overnight-float: cohort pathway, cohort restriction, person restrictions
    add("pw_a", "pathway_assigned", {
        "pathway_id": "PW-A", "cohort_id": "overnight-float", "incident_ref": "INC-1", "gap": "knowledge",
        "owner": "Rosa Alvarez", "owner_id": "DIR01", "due_on": "2026-10-01",
        "requirements": {"scenarios": ["new-confusion-news2"], "shadow_shifts": 1}}, at(9, 1))
    add("rs_a", "restriction_started", {
        "restriction_id": "RS-A", "cohort_id": "overnight-float", "restrictions": ["paired_working", "no_high_acuity"],
        "reason": "Escalation near-miss", "incident_ref": "INC-1", "review_every_days": 7,
        "expires_on": "2026-11-29"}, at(9, 1, 9, 5))
    add("rs_d", "restriction_started", {
        "restriction_id": "RS-D", "staff_id": "S006", "restrictions": ["no_solo_community"],
        "reason": "Supervision plan not applied", "incident_ref": "INC-1", "expires_on": "2026-10-30"}, at(9, 2))
    add("c1", "scenario_check", check(store, "S001", "new-confusion-news2", True, pathway_id="PW-A"), at(9, 2, 14))
    add("c2", "scenario_check", check(store, "S002", "new-confusion-news2", False), at(9, 3, 14))
    add("c3", "scenario_check", check(store, "S003", "soft-signs-reduced-intake", True), at(9, 4, 14))
    add("s1", "shadow_escalation", shadow("S001", "2026-09-05", True), at(9, 5, 7))
    add("s2", "shadow_escalation", shadow("S002", "2026-09-06", False), at(9, 6, 7))
    add("s3", "shadow_escalation", shadow("S002", "2026-09-07", True), at(9, 7, 7))
    add("rs_b", "restriction_started", {
        "restriction_id": "RS-B", "staff_id": "S004", "restrictions": ["no_high_acuity"],
        "reason": "Late escalation on shift", "incident_ref": "INC-1", "review_every_days": 7,
        "expires_on": "2026-10-31"}, at(9, 8))
    add("c4", "scenario_check", check(store, "S002", "new-confusion-news2", True), at(9, 10, 14))
    add("rs_d_lift", "restriction_lifted", {"restriction_id": "RS-D", "reason": "Re-validated"}, at(9, 20))
    add("rs_a_rev", "restriction_reviewed", {"restriction_id": "RS-A", "decision": "continue",
                                             "note": "Two of six re-validated"}, at(10, 10))
    add("rs_b_rev", "restriction_reviewed", {"restriction_id": "RS-B", "decision": "continue",
                                             "note": "Repeat booked"}, at(10, 15))
    add("rs_c", "restriction_started", {
        "restriction_id": "RS-C", "staff_id": "S005", "restrictions": ["paired_working"],
        "reason": "Handover gap", "incident_ref": "INC-1", "expires_on": "2026-11-15"}, at(10, 19))
    # new-starters: a person pathway closed with verification, rework and an amendment
    add("pw_b", "pathway_assigned", {
        "pathway_id": "PW-B", "staff_id": "S007", "incident_ref": "INC-2", "gap": "workflow",
        "owner": "Tom Reid", "due_on": "2026-10-15", "requirements": {"compliant_samples": 2}}, at(9, 2, 10),
        schema=1)  # an old-style pathway (owner by name only): its closure needs no sign-off
    add("n1", "note_assessment", note(store, "S007", 1, 1, missing=("start-end-time", "client-response")), at(9, 5, 11))
    add("n2", "note_assessment", note(store, "S007", 1, 2), at(9, 8, 11))
    add("n3", "note_assessment", note(store, "S007", 2, 1), at(9, 9, 11))
    add("n4", "note_assessment", note(store, "S008", 1, 1, timely=False), at(9, 9, 12))
    add("pw_b_close", "pathway_closed", {"pathway_id": "PW-B", "verification": {
        "what": "Two sample notes re-checked", "by": "Tom Reid", "result": "All elements present"}}, at(9, 12))
    corrected = {k: v for k, v in r["n4"]["body"].items() if k not in ("outcome", "missing_elements", "feedback")}
    corrected["timely"] = True
    add("amend_n4", "amendment", {"amends": r["n4"]["hash"], "reason": "Entry time was misread; note was on time.",
                                  "body": corrected}, at(9, 14))
    return r


INCIDENTS_CSV = """date,category,cohort,staff_id,incident_ref
2026-01-10,delayed escalation,overnight-float,,
2026-02-10,delayed escalation,overnight-float,S002,
2026-05-05,delayed escalation,overnight-float,,
2026-08-20,delayed escalation,overnight-float,S001,INC-1
2026-10-05,delayed escalation,overnight-float,,
2026-03-01,documentation error,new-starters,,
2026-08-25,documentation error,new-starters,S007,INC-2
2026-10-10,documentation error,new-starters,S008,
"""
