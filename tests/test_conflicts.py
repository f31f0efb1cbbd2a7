"""When two supervisors disagree: concurrent decisions on one restriction are found, shown with
both records and their authors, read in the more restrictive way, and resolved by a decision
that names both (issue 13)."""

from __future__ import annotations

import datetime as dt

import pytest

from storage.demo import sign_as_owner
from supervisor_tui.model.rules import RecordInvalid
from tests.conftest import NOW

DAY = dt.timedelta(days=1)
START = {"restriction_id": "RS-1", "cohort_id": "overnight-float", "restrictions": ["paired_working"],
         "reason": "Escalation near-miss", "incident_ref": "INC-2026-0142", "expires_on": "2026-11-20"}


def _restriction(store, today: dt.date | None = None):
    today = today or NOW.date() + 3 * DAY
    return next(r for r in store.status("S001", today)["restrictions"] if r["restriction_id"] == "RS-1")


def test_a_decision_made_knowing_the_earlier_one_is_no_conflict(store):
    store.append("restriction_started", START, now=NOW)
    continued = sign_as_owner(store, "SUP02", {"restriction_id": "RS-1", "decision": "continue", "note": "Week 1",
                                               "after": []}, NOW + DAY, kind="restriction_reviewed")
    extended = store.append("restriction_reviewed", {"restriction_id": "RS-1", "decision": "extend",
                                                     "expires_on": "2026-12-30", "note": "Two still to do"},
                            now=NOW + 2 * DAY)
    assert extended["body"]["after"] == [continued["hash"]]  # SUP01 held SUP02's review
    state = _restriction(store)
    assert state["expires_on"] == "2026-12-30" and not state["conflict"]
    sign_as_owner(store, "SUP02", {"restriction_id": "RS-1", "reason": "Done"}, NOW + 3 * DAY,
                  kind="restriction_lifted")  # SUP02 had pulled the extension: after names it
    assert _restriction(store, NOW.date() + 4 * DAY)["status"] == "lifted"
    with pytest.raises(RecordInvalid):  # and a lifted restriction is not extended again here
        store.append("restriction_reviewed", {"restriction_id": "RS-1", "decision": "continue", "note": "x"},
                     now=NOW + 4 * DAY)


def test_concurrent_lift_and_extend(store):
    store.append("restriction_started", START, now=NOW)
    extended = store.append("restriction_reviewed", {"restriction_id": "RS-1", "decision": "extend",
                                                     "expires_on": "2026-12-30", "note": "Two still to do"},
                            now=NOW + DAY)
    assert extended["body"]["after"] == [] and extended["schema"] == 2
    # ...while SUP02, who had not seen the extension, lifted it; their record arrives at the next sync
    lifted = sign_as_owner(store, "SUP02", {"restriction_id": "RS-1", "reason": "All re-validated", "after": []},
                           NOW + 2 * DAY, kind="restriction_lifted")
    state = _restriction(store)
    assert state["status"] == "active" and state["lifted_on"] is None  # the more restrictive reading
    assert state["expires_on"] == "2026-12-30"
    assert {(s["author"], s["decision"]) for s in state["conflict"]} == {
        ("SUP01", "extend to 2026-12-30"), ("SUP02", "lift")}
    assert "kept active with the latest expiry until resolved" in state["conflict_text"]
    (conflict,) = store.status("S001", NOW.date() + 3 * DAY)["conflicts"]
    assert conflict["subject"] == "RS-1" and {r["hash"] for r in conflict["records"]} == {
        extended["hash"], lifted["hash"]}
    # anyone may resolve it: a decision whose `after` names both
    resolved = store.append("restriction_lifted", {"restriction_id": "RS-1", "reason": "Agreed with SUP02: lift"},
                            now=NOW + 3 * DAY)
    assert resolved["body"]["after"] == sorted([extended["hash"], lifted["hash"]])
    state = _restriction(store, NOW.date() + 4 * DAY)
    assert state["status"] == "lifted" and not state["conflict"]
    assert store.status("S001", NOW.date() + 4 * DAY)["conflicts"] == []


def test_two_continues_made_concurrently_agree(store):
    store.append("restriction_started", START, now=NOW)
    store.append("restriction_reviewed", {"restriction_id": "RS-1", "decision": "continue", "note": "Week 1"},
                 now=NOW + DAY)
    sign_as_owner(store, "SUP02", {"restriction_id": "RS-1", "decision": "continue", "note": "Week 1 too",
                                   "after": []}, NOW + DAY, kind="restriction_reviewed")
    assert not _restriction(store)["conflict"] and store.status("S001", NOW.date())["conflicts"] == []


def test_after_is_worked_out_never_typed(store):
    store.append("restriction_started", START, now=NOW)
    with pytest.raises(RecordInvalid) as refused:
        store.append("restriction_lifted", {"restriction_id": "RS-1", "reason": "x", "after": []}, now=NOW + DAY)
    assert "leave it out" in refused.value.problems[0]


def test_the_report_and_the_pack_list_the_conflict(store, cli):
    store.append("restriction_started", START, now=NOW)
    store.append("restriction_reviewed", {"restriction_id": "RS-1", "decision": "extend",
                                          "expires_on": "2026-12-30", "note": "Two still to do"}, now=NOW + DAY)
    sign_as_owner(store, "SUP02", {"restriction_id": "RS-1", "reason": "All re-validated", "after": []},
                  NOW + 2 * DAY, kind="restriction_lifted")
    report = cli("report", "--today", "2026-11-05")
    assert report.code == 0 and "CONFLICT RS-1: decisions made without knowing of each other disagree" in report.out
    assert "SUP01: extend to 2026-12-30" in report.out and "SUP02: lift" in report.out
