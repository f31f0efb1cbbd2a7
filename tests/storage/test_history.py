"""Rules that need the record history (issue 15): corrections start from the latest
correction, note attempts are unique per person/review/note, evidence dates are sane. Checked by
the store, so ``record add`` refuses exactly what the TUI refuses."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from storage.history import note_attempts
from supervisor_tui.model.rules import RecordInvalid
from tests.conftest import NOW, note_body


def shadow(shift_date: str = "2026-11-01", **overrides) -> dict:
    body = {"staff_id": "S001", "shift_date": shift_date, "shift": "night", "situation": "Drowsy at 2am",
            "staff_choice": "supervisor", "supervisor_choice": "supervisor"}
    body.update(overrides)
    return body


def later(minutes: int) -> dt.datetime:
    return NOW + dt.timedelta(minutes=minutes)


def test_a_second_correction_must_start_from_the_first(store):
    original = store.append("shadow_escalation", shadow(), now=NOW)
    first = store.append("amendment", {"amends": original["hash"], "reason": "wrong date",
                                       "body": shadow("2026-10-30")}, now=later(1))
    with pytest.raises(RecordInvalid) as refused:  # started from the original: would undo the first
        store.append("amendment", {"amends": original["hash"], "reason": "note",
                                   "body": shadow(learning_note="x")}, now=later(2))
    assert refused.value.problems[0].startswith(f"base: record {original['hash'][:12]}… was already corrected")
    assert "start again from the latest correction" in refused.value.problems[0]
    with pytest.raises(RecordInvalid, match="was started before it"):
        store.append("amendment", {"amends": original["hash"], "reason": "note", "base": original["hash"],
                                   "body": shadow(learning_note="x")}, now=later(2))
    second = store.append("amendment", {"amends": original["hash"], "reason": "note", "base": first["hash"],
                                        "body": shadow("2026-10-30", learning_note="x")}, now=later(3))
    with pytest.raises(RecordInvalid, match="was started before it"):  # first is no longer the latest
        store.append("amendment", {"amends": original["hash"], "reason": "again", "base": first["hash"],
                                   "body": shadow()}, now=later(4))
    assert second["body"]["base"] == first["hash"]


def test_record_add_refuses_a_stale_correction(cli, store, tmp_path):
    original = store.append("shadow_escalation", shadow(), now=NOW)
    store.append("amendment", {"amends": original["hash"], "reason": "wrong date",
                               "body": shadow("2026-10-30")}, now=later(1))
    path = tmp_path / "stale.json"
    path.write_text(json.dumps({"amends": original["hash"], "reason": "again", "body": shadow()}))
    result = cli("record", "add", "amendment", "--json", str(path))
    assert result.code == 2, result
    assert "already corrected" in result.err and "Traceback" not in result.err


def test_duplicate_note_attempt_refused_and_next_one_named(store):
    store.append("note_assessment", note_body(review="first_five", sequence=2, missing=("plan-next-steps",),
                                              feedback="add the plan"), now=NOW)
    with pytest.raises(RecordInvalid) as refused:
        store.append("note_assessment", note_body(review="first_five", sequence=2), now=later(1))
    assert refused.value.problems == [
        "attempt: S007 already has attempt 1 for first-five note 2 (signed 2026-11-02); the next attempt is 2"]
    store.append("note_assessment", note_body(review="first_five", sequence=2, attempt=2), now=later(2))
    store.append("note_assessment", note_body(review="first_five", sequence=1), now=later(3))  # another note
    store.append("note_assessment", note_body("S008", review="first_five", sequence=2), now=later(4))
    chains = note_attempts(store, "S007")
    assert [(a["attempt"], a["outcome"]) for a in chains[("first_five", 2)]] == [(1, "rework"), (2, "compliant")]


def test_correcting_a_note_may_keep_its_own_attempt_but_not_take_another(store):
    one = store.append("note_assessment", note_body(missing=("plan-next-steps",), feedback="add the plan"), now=NOW)
    two = store.append("note_assessment", note_body(attempt=2), now=later(1))
    store.append("amendment", {"amends": two["hash"], "reason": "late after all",
                               "body": note_body(attempt=2, timely=False, feedback="late")}, now=later(2))
    with pytest.raises(RecordInvalid, match="already has attempt 2"):
        store.append("amendment", {"amends": one["hash"], "reason": "renumber",
                                   "body": note_body(attempt=2, missing=("plan-next-steps",), feedback="x")}, now=later(3))


@pytest.mark.parametrize("day", ["1999-01-15", "2025-11-01"])
def test_shift_dates_more_than_a_year_back_are_refused(store, day):
    with pytest.raises(RecordInvalid) as refused:
        store.append("shadow_escalation", shadow(day), now=NOW)
    assert refused.value.problems == [f"shift_date: {day} is more than a year back (the earliest is 2025-11-02)"]
    store.append("shadow_escalation", shadow("2025-11-02"), now=NOW)


def test_shift_date_before_the_pathways_incident_is_refused(store):
    from storage.pulled_incidents import save_pulled_incidents

    store.append("pathway_assigned", {"pathway_id": "PW-1", "staff_id": "S001", "incident_ref": "INC-2026-0142",
                                      "gap": "knowledge", "owner": "Dana", "owner_id": "DIR01", "due_on": "2026-12-01",
                                      "requirements": {"shadow_shifts": 2}}, now=NOW)
    save_pulled_incidents(store.home, [{"date": "2026-10-20", "category": "delayed escalation",
                                        "cohort": "overnight-float", "staff_id": "S001",
                                        "incident_ref": "INC-2026-0142"}], "2026-11-01T00:00:00Z")
    with pytest.raises(RecordInvalid, match=r"shift_date: 2026-10-19 is before incident INC-2026-0142 \(2026-10-20\)"):
        store.append("shadow_escalation", shadow("2026-10-19", pathway_id="PW-1"), now=NOW)
    store.append("shadow_escalation", shadow("2026-10-20", pathway_id="PW-1"), now=NOW)


def test_shifts_before_the_pathway_do_not_count_towards_it(store):
    store.append("pathway_assigned", {"pathway_id": "PW-1", "staff_id": "S001", "incident_ref": "INC-2026-0142",
                                      "gap": "knowledge", "owner": "Dana", "owner_id": "DIR01", "due_on": "2026-12-01",
                                      "requirements": {"shadow_shifts": 2}}, now=NOW)
    store.append("shadow_escalation", shadow("2026-10-15"), now=later(5))  # signed after, worked before
    store.append("shadow_escalation", shadow("2026-11-02"), now=later(6))
    progress = store.status("S001", NOW.date())["pathways"][0]["progress"]
    assert progress["shadow_shifts"] == {"done": 1, "required": 2}
