"""Every record kind: valid and invalid bodies, and every derived rule."""

from __future__ import annotations

import datetime as dt

import pytest

from storage.demo import sign_as_owner
from supervisor_tui.model.rules import RecordInvalid
from tests.conftest import NOW, note_body, scenario_body

DAY = dt.timedelta(days=1)


def problems(store, kind, body, now=NOW) -> list[str]:
    with pytest.raises(RecordInvalid) as info:
        store.append(kind, body, now=now)
    return info.value.problems


def test_passing_scenario_check_is_computed_pass(store):
    record = store.append("scenario_check", scenario_body(), now=NOW)
    assert record["body"]["outcome"] == "pass"
    assert record["body"]["expected_endpoint"] == "on_call_clinician"
    assert record["body"]["scenario_version"] == 1
    assert record["body"]["failed_critical"] == []


def test_failed_non_critical_item_still_passes(store):
    body = scenario_body()
    body["items"][4]["result"] = "fail"  # sbar, not critical
    assert store.append("scenario_check", body, now=NOW)["body"]["outcome"] == "pass"


def test_failed_critical_item_fails_and_needs_remediation(store):
    body = scenario_body()
    body["items"][2]["result"] = "fail"  # threshold, critical
    assert any("remediation" in p for p in problems(store, "scenario_check", body))
    body["remediation"] = "Repeat with the decision aid"
    record = store.append("scenario_check", body, now=NOW)
    assert record["body"]["outcome"] == "fail"
    assert record["body"]["failed_critical"] == ["threshold"]


def test_wrong_endpoint_fails(store):
    body = scenario_body(chosen_endpoint="supervisor", remediation="Talk through NEWS2 thresholds")
    record = store.append("scenario_check", body, now=NOW)
    assert record["body"]["outcome"] == "fail"


def test_cannot_record_a_pass_the_checklist_fails(store):
    body = scenario_body(outcome="pass", remediation="x")
    body["items"][3]["result"] = "fail"
    found = problems(store, "scenario_check", body)
    assert any("outcome: 'pass' contradicts the checklist" in p for p in found)
    assert store.records() == []


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda b: b.update(staff_id="NOPE"), "not on the roster"),
        (lambda b: b.update(scenario_id="nope"), "no scenario 'nope'"),
        (lambda b: b.update(scenario_version=9), "version 9"),
        (lambda b: b["items"].pop(), "no result for handover"),
        (lambda b: b["items"].append({"item_id": "made-up", "result": "pass"}), "made-up"),
        (lambda b: b["items"][2].update(result="n/a"), "critical item cannot be n/a"),
        (lambda b: b.update(chosen_endpoint="police"), "chosen_endpoint"),
        (lambda b: b.update(setting="classroom"), "setting"),
        (lambda b: b.update(decision_seconds=-1), "decision_seconds"),
        (lambda b: b.update(decision_seconds=1.5), "decision_seconds"),
        (lambda b: b.update(surprise=1), "surprise: unknown field"),
        (lambda b: b.update(pathway_id="PW-X"), "no pathway 'PW-X'"),
    ],
)
def test_invalid_scenario_checks(store, change, expected):
    body = scenario_body()
    change(body)
    assert any(expected in p for p in problems(store, "scenario_check", body)), expected


def test_shadow_note_agreed_is_derived(store):
    body = {"staff_id": "S001", "shift_date": "2026-11-01", "shift": "night",
            "situation": "Client breathless on exertion", "staff_choice": "supervisor",
            "supervisor_choice": "on_call_clinician"}
    assert any("learning_note" in p for p in problems(store, "shadow_escalation", body))
    assert any("agreed: must be false" in p
               for p in problems(store, "shadow_escalation", {**body, "agreed": True, "learning_note": "x"}))
    record = store.append("shadow_escalation", {**body, "learning_note": "NEWS2 5 means clinician"}, now=NOW)
    assert record["body"]["agreed"] is False
    same = store.append("shadow_escalation", {**body, "staff_choice": "on_call_clinician"}, now=NOW)
    assert same["body"]["agreed"] is True


def test_shadow_note_in_the_future_is_refused(store):
    body = {"staff_id": "S001", "shift_date": "2026-11-09", "shift": "day", "situation": "x",
            "staff_choice": "supervisor", "supervisor_choice": "supervisor"}
    assert any("future" in p for p in problems(store, "shadow_escalation", body))


def test_note_assessment_outcomes(store):
    ok = store.append("note_assessment", note_body(), now=NOW)
    assert ok["body"]["outcome"] == "compliant" and ok["body"]["missing_elements"] == []
    body = note_body(missing=["start-end-time"])
    assert any("feedback" in p for p in problems(store, "note_assessment", body))
    rework = store.append("note_assessment", {**body, "feedback": "Add times", "attempt": 2}, now=NOW)
    assert rework["body"]["outcome"] == "rework"
    assert rework["body"]["missing_elements"] == ["start-end-time"]
    late = store.append("note_assessment", note_body(timely=False, feedback="Enter within 48 h", attempt=3),
                        now=NOW)
    assert late["body"]["outcome"] == "rework"
    optional_missing = store.append("note_assessment", note_body(missing=["escalation-recorded"], attempt=4),
                                    now=NOW)
    assert optional_missing["body"]["outcome"] == "compliant"


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda b: b.update(outcome="compliant", timely=False, feedback="x"), "contradicts the standard"),
        (lambda b: b.update(sequence=3), "sequence must be 1-2"),
        (lambda b: b.update(review="first_five", sequence=6), "sequence"),
        (lambda b: b["elements"].pop(0), "no answer for required date-of-service"),
        (lambda b: b.update(standard_id="other"), "no standard 'other'"),
        (lambda b: b.update(attempt=0), "attempt"),
        (lambda b: b["elements"][0].update(present="yes"), "present"),
    ],
)
def test_invalid_note_assessments(store, change, expected):
    body = note_body()
    change(body)
    assert any(expected in p for p in problems(store, "note_assessment", body)), expected


def pathway(store, **overrides):
    body = {"pathway_id": "PW-1", "staff_id": "S002", "incident_ref": "INC-2026-0142", "gap": "knowledge",
            "owner": "Rosa Alvarez", "owner_id": "DIR01", "due_on": "2026-12-01",
            "requirements": {"scenarios": ["new-confusion-news2"], "shadow_shifts": 1,
                             "compliant_samples": 1, "first_five": False}}
    body.update(overrides)
    return store.append("pathway_assigned", body, now=NOW)


CLOSE = {"pathway_id": "PW-1", "verification": {"what": "Scenario and shadow shift re-checked",
                                                 "by": "Rosa Alvarez", "result": "Competent"}}


def test_pathway_closure_refused_until_requirements_met(store):
    pathway(store)
    found = problems(store, "pathway_closed", CLOSE, NOW + DAY)
    assert any('scenario "New confusion with raised breathing rate" not passed' in p for p in found)
    assert any("shadow shifts 0 of 1" in p for p in found)
    assert any("compliant sample notes 0 of 1" in p for p in found)
    store.append("scenario_check", scenario_body("S002"), now=NOW + DAY)
    store.append("shadow_escalation", {"staff_id": "S002", "shift_date": "2026-11-03", "shift": "day",
                                       "situation": "Soft signs", "staff_choice": "supervisor",
                                       "supervisor_choice": "supervisor"}, now=NOW + DAY)
    assert problems(store, "pathway_closed", CLOSE, NOW + 2 * DAY) == [
        "pathway PW-1 cannot be closed, unmet: compliant sample notes 0 of 1"]
    store.append("note_assessment", note_body("S002"), now=NOW + 2 * DAY)
    proposed = store.append("pathway_closed", CLOSE, now=NOW + 3 * DAY)
    assert proposed["kind"] == "pathway_closed"
    status = store.status("S002", NOW.date() + 3 * DAY)
    assert status["state"] == "in_progress"  # proposed: the owner has not approved yet
    assert status["pathways"][0]["approval"] == "awaiting_approval"
    assert any("awaits its owner's approval" in p for p in problems(store, "pathway_closed", CLOSE, NOW + 3 * DAY))
    sign_as_owner(store, "DIR01", {"pathway_id": "PW-1", "proposal": proposed["hash"], "decision": "approve"},
                  NOW + 4 * DAY)
    status = store.status("S002", NOW.date() + 4 * DAY)
    assert status["state"] == "validated" and status["pathways"][0]["decided_by"] == "DIR01"
    assert status["pathways"][0]["closed_on"] == (NOW + 4 * DAY).date().isoformat()
    assert any("already closed" in p for p in problems(store, "pathway_closed", CLOSE, NOW + 4 * DAY))


def test_checks_before_the_pathway_do_not_count(store):
    store.append("scenario_check", scenario_body("S002"), now=NOW - DAY)
    pathway(store, requirements={"scenarios": ["new-confusion-news2"]})
    assert any("not passed" in p for p in problems(store, "pathway_closed", CLOSE, NOW + DAY))


def test_a_later_fail_undoes_a_pass(store):
    pathway(store, requirements={"scenarios": ["new-confusion-news2"]})
    store.append("scenario_check", scenario_body("S002"), now=NOW + DAY)
    store.append("scenario_check", scenario_body("S002", chosen_endpoint="supervisor", remediation="again"),
                 now=NOW + 2 * DAY)
    assert any("(last: fail)" in p for p in problems(store, "pathway_closed", CLOSE, NOW + 3 * DAY))


def test_cohort_pathway_needs_every_member(store):
    body = {"pathway_id": "PW-C", "cohort_id": "elm-street", "incident_ref": "INC-1", "gap": "workflow",
            "owner": "Q", "owner_id": "QL01", "due_on": "2026-12-01", "requirements": {"shadow_shifts": 1}}
    store.append("pathway_assigned", body, now=NOW)
    members = [p["staff_id"] for p in store.roster("elm-street")]
    for sid in members[:-1]:
        store.append("shadow_escalation", {"staff_id": sid, "shift_date": "2026-11-02", "shift": "day",
                                           "situation": "x", "staff_choice": "supervisor",
                                           "supervisor_choice": "supervisor"}, now=NOW + DAY)
    close = {**CLOSE, "pathway_id": "PW-C"}
    assert problems(store, "pathway_closed", close, NOW + 2 * DAY) == [
        f"pathway PW-C cannot be closed, unmet: {members[-1]}: shadow shifts 0 of 1"]


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda b: b.update(gap="other"), "gap"),
        (lambda b: b.update(due_on="2026-10-01"), "in the past"),
        (lambda b: b.update(cohort_id="elm-street"), "exactly one of staff_id or cohort_id"),
        (lambda b: b.update(requirements={}), "at least one requirement"),
        (lambda b: b.update(requirements={"scenarios": ["nope"]}), "no scenario 'nope'"),
        (lambda b: b.update(owner=""), "owner"),
        (lambda b: b.update(due_on="tomorrow"), "due_on"),
        (lambda b: b.pop("owner_id"), "owner_id"),
        (lambda b: b.update(deputy_id="DIR01"), "deputy must be someone other than the owner"),
    ],
)
def test_invalid_pathways(store, change, expected):
    body = {"staff_id": "S002", "incident_ref": "INC-1", "gap": "knowledge", "owner": "R", "owner_id": "DIR01",
            "due_on": "2026-12-01", "requirements": {"shadow_shifts": 2}}
    change(body)
    assert any(expected in p for p in problems(store, "pathway_assigned", body)), expected


def test_pathway_id_is_generated_and_unique(store):
    record = pathway(store, pathway_id=None)
    assert record["body"]["pathway_id"].startswith("PW-")
    pathway(store)
    assert any("already used" in p for p in problems(store, "pathway_assigned", {
        "pathway_id": "PW-1", "staff_id": "S003", "incident_ref": "I", "gap": "knowledge", "owner": "R",
        "owner_id": "DIR01", "due_on": "2026-12-01", "requirements": {"shadow_shifts": 1}}))


RESTRICT = {"restriction_id": "RS-1", "cohort_id": "overnight-float",
            "restrictions": ["paired_working", "no_high_acuity"], "reason": "Escalation near-miss",
            "incident_ref": "INC-2026-0142", "expires_on": "2026-12-01"}


def test_restriction_lifecycle_and_projection(store):
    store.append("restriction_started", RESTRICT, now=NOW)
    status = store.status("S001", NOW.date() + 8 * DAY)
    assert status["state"] == "restricted"
    (r,) = status["restrictions"]
    assert r["review_overdue"] is True and r["next_review_on"] == "2026-11-09"
    store.append("restriction_reviewed", {"restriction_id": "RS-1", "decision": "continue",
                                          "note": "3 of 6 validated"}, now=NOW + 7 * DAY)
    (r,) = store.status("S001", NOW.date() + 8 * DAY)["restrictions"]
    assert r["review_overdue"] is False and r["next_review_on"] == "2026-11-16"
    store.append("restriction_reviewed", {"restriction_id": "RS-1", "decision": "extend",
                                          "expires_on": "2026-12-15", "note": "2 pending"}, now=NOW + 8 * DAY)
    (r,) = store.status("S001", NOW.date() + 8 * DAY)["restrictions"]
    assert r["expires_on"] == "2026-12-15" and r["days_left"] == 35 and r["next_review_on"] == "2026-11-17"
    store.append("restriction_lifted", {"restriction_id": "RS-1", "reason": "All re-validated"}, now=NOW + 9 * DAY)
    status = store.status("S001", NOW.date() + 9 * DAY)
    assert status["restrictions"][0]["status"] == "lifted" and status["state"] == "none"
    assert store.status("S007", NOW.date())["restrictions"] == []  # other cohort
    assert any("already been lifted" in p for p in problems(
        store, "restriction_lifted", {"restriction_id": "RS-1", "reason": "again"}, NOW + 10 * DAY))


def test_restriction_expires(store):
    store.append("restriction_started", {**RESTRICT, "expires_on": "2026-11-05"}, now=NOW)
    status = store.status("S001", dt.date(2026, 11, 6))
    assert status["restrictions"][0]["status"] == "expired" and status["state"] == "none"


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda b: b.pop("expires_on"), "expires_on"),
        (lambda b: b.update(expires_on="2026-11-01"), "time limited"),
        (lambda b: b.update(expires_on="2027-06-01"), "at most 90 days"),
        (lambda b: b.update(restrictions=["no_fun"]), "unknown code(s) no_fun"),
        (lambda b: b.update(restrictions=[]), "restrictions"),
        (lambda b: b.update(cohort_id="nope"), "not a known cohort"),
        (lambda b: b.update(review_every_days=0), "review_every_days"),
    ],
)
def test_invalid_restrictions(store, change, expected):
    body = dict(RESTRICT)
    change(body)
    assert any(expected in p for p in problems(store, "restriction_started", body)), expected


def test_invalid_reviews(store):
    store.append("restriction_started", RESTRICT, now=NOW)
    assert any("needs a new expires_on" in p for p in problems(
        store, "restriction_reviewed", {"restriction_id": "RS-1", "decision": "extend", "note": "x"}))
    assert any("must be after the current" in p for p in problems(
        store, "restriction_reviewed", {"restriction_id": "RS-1", "decision": "extend",
                                        "expires_on": "2026-11-20", "note": "x"}))
    assert any("no restriction 'RS-9'" in p for p in problems(
        store, "restriction_reviewed", {"restriction_id": "RS-9", "decision": "continue", "note": "x"}))


def test_amendment_replaces_body_and_keeps_original(store):
    original = store.append("scenario_check", scenario_body("S003"), now=NOW)
    corrected = scenario_body("S003", chosen_endpoint="supervisor", remediation="Wrong endpoint recorded")
    amendment = store.append("amendment", {"amends": original["hash"], "reason": "Endpoint mis-keyed",
                                           "body": corrected}, now=NOW + DAY)
    assert amendment["body"]["body"]["outcome"] == "fail"
    status = store.status("S003", NOW.date() + DAY)
    assert status["scenarios"]["new-confusion-news2"]["outcome"] == "fail"
    kinds = [r["kind"] for r in store.records(staff="S003")]
    assert kinds == ["scenario_check", "amendment"]


def test_invalid_amendments(store):
    original = store.append("scenario_check", scenario_body("S003"), now=NOW)
    bad = scenario_body("S003", outcome="pass")
    bad["items"][2]["result"] = "fail"
    found = problems(store, "amendment", {"amends": original["hash"], "reason": "x", "body": bad})
    assert any(p.startswith("body.outcome") for p in found)
    assert any("no record with hash" in p for p in problems(
        store, "amendment", {"amends": "0" * 64, "reason": "x", "body": {}}))
    amendment = store.append("amendment", {"amends": original["hash"], "reason": "typo",
                                           "body": scenario_body("S003", decision_seconds=50)}, now=NOW)
    assert any("amend the original" in p for p in problems(
        store, "amendment", {"amends": amendment["hash"], "reason": "x", "body": {}}))


def test_unknown_kind_and_non_object_body(store):
    with pytest.raises(RecordInvalid, match="unknown kind"):
        store.append("gossip", {}, now=NOW)
    with pytest.raises(RecordInvalid, match="must be a JSON object"):
        store.append("scenario_check", [1, 2], now=NOW)
