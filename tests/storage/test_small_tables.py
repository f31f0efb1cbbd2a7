"""The small tables: roster upserts (through sqlite-utils, inside the store's own transactions),
drafts and settings (hand-written SQL: the TUI writes them constantly), and the schema checks
``verify`` makes with sqlite-utils."""

from __future__ import annotations

import sqlite3

import pytest

from storage.store import Store


def test_roster_upsert_keeps_a_cohort_name_unless_one_is_given(store: Store) -> None:
    store.upsert_roster([{"staff_id": "S900", "name": "New Person", "role": "Carer", "cohort": "C-NEW"}])
    names = {c["cohort_id"]: c["name"] for c in store.cohorts()}
    made = names["C-NEW"]
    assert made  # a name made from the id
    store.upsert_roster([{"staff_id": "S900", "name": "New Person", "role": "Senior carer", "cohort": "C-NEW"}])
    assert {c["cohort_id"]: c["name"] for c in store.cohorts()}["C-NEW"] == made
    assert store.staff("S900")["role"] == "Senior carer"
    store.upsert_roster([{"staff_id": "S900", "name": "New Person", "role": "Senior carer", "cohort": "C-NEW"}],
                        {"C-NEW": "Night shift, Elm House"})
    assert {c["cohort_id"]: c["name"] for c in store.cohorts()}["C-NEW"] == "Night shift, Elm House"
    assert [p["staff_id"] for p in store.roster("C-NEW")] == ["S900"]


def test_drafts_belong_to_their_owner_and_round_trip(store: Store) -> None:
    store.save_draft("shadow:S001", "shadow_escalation", {"learning": "First part"})
    store.save_draft("shadow:S001", "shadow_escalation", {"learning": "First part, second part"})
    store.save_draft("note:S002", "note_assessment", {"sequence": "2"}, owner="SUP09")
    assert store.load_draft("shadow:S001") == {"learning": "First part, second part"}
    assert [d["draft_key"] for d in store.drafts()] == ["shadow:S001"]
    assert set(store.drafts()[0]) == {"draft_key", "kind", "updated_at"}
    assert store.load_draft("note:S002") is None  # another supervisor's draft
    store.discard_draft("shadow:S001")
    assert store.load_draft("shadow:S001") is None and store.drafts() == []
    rows = store.conn.execute("SELECT owner, draft_key FROM drafts").fetchall()
    assert rows == [("SUP09", "note:S002")]


def test_settings_and_a_failed_transaction_leaves_nothing_of_a_sqlite_utils_write(store: Store) -> None:
    store.set_setting("idle_minutes", "10")
    store.set_setting("idle_minutes", "15")
    assert store.get_setting("idle_minutes") == "15"
    with pytest.raises(RuntimeError), store.write():
        store.db["settings"].upsert({"key": "half_done", "value": "1"}, pk="key")
        raise RuntimeError("stop")
    assert store.get_setting("half_done") is None
    assert store.conn.in_transaction is False


@pytest.mark.parametrize(("sql", "expected"), [
    ("DROP TRIGGER set_aside_no_delete", "trigger set_aside_no_delete on set_aside is missing, so set-aside"
                                         " records can be deleted"),
    ("DROP TABLE record_activity", "table record_activity is missing"),
    ("DROP TABLE enrolments", "table enrolments is missing"),
])
def test_verify_names_a_schema_edited_outside_the_app(store: Store, sql: str, expected: str) -> None:
    assert store.verify().ok
    path = store.path
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(sql)
    conn.close()
    reopened = Store(path.parent)
    try:
        problems = reopened.verify().problems
        assert any(expected in p for p in problems), problems
    finally:
        reopened.close()
