"""``record_activity``, the derived lookup of every check, shadow note and note assessment (the
roster overview reads it; ``status --json`` uses it to leave out records that cannot change a
status): ``verify`` checks it row by row against the signed records, a pulled record arriving
after its amendment gets the amendment's fields, and migration 9 rebuilds it from the records."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from storage.demo_roster import COHORT_NAMES, demo_roster
from storage.migrations import migrate
from storage.store import Store
from storage.sync_state import insert_pulled
from tests.export.dataset import at, check, note

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _fill(store: Store) -> dict:
    store.append("scenario_check", check(store, "S001", "soft-signs-reduced-intake", True), now=at(9, 10))
    store.append("note_assessment", note(store, "S002", 1, 1), now=at(9, 11))
    store.append("scenario_check", check(store, "S001", "soft-signs-reduced-intake", False), now=at(9, 12))
    first = store.records(kind="scenario_check")[0]
    body = {k: v for k, v in first["body"].items() if k not in ("outcome", "expected_endpoint", "failed_critical")}
    store.append("amendment", {"amends": first["hash"], "reason": "wrong person",
                               "body": {**body, "staff_id": "S003"}}, now=at(9, 13))
    return first


def _reopened_problems(store: Store, sql: str, params: tuple = ()) -> list[str]:
    """``verify`` after ``sql`` was run on the file by something else than the app."""
    path = store.path
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(sql, params)
    conn.close()
    reopened = Store(path.parent)
    try:
        return reopened.verify().problems
    finally:
        reopened.close()


def test_verify_passes_on_what_the_store_writes(store: Store) -> None:
    _fill(store)
    assert store.verify().ok
    amended = store.conn.execute("SELECT staff_id, amended_at FROM record_activity WHERE amended_at IS NOT NULL").fetchall()
    assert [a[0] for a in amended] == ["S003"]


@pytest.mark.parametrize(("sql", "expected"), [
    ("UPDATE record_activity SET scenario_id = 'another-scenario' WHERE kind = 'scenario_check' AND amended_at IS NULL",
     "does not match its signed body"),
    ("UPDATE record_activity SET staff_id = 'S001' WHERE amended_at IS NOT NULL", "does not match its signed body"),
    ("UPDATE record_activity SET amended_at = 'x' WHERE kind = 'note_assessment'", "does not match its signed body"),
    ("UPDATE record_activity SET ord = '0' WHERE kind = 'note_assessment'", "does not match its signed body"),
    ("DELETE FROM record_activity WHERE kind = 'note_assessment'", "(a note assessment) has no activity lookup row"),
    ("INSERT INTO record_activity SELECT rowid, hash, staff_id, 'scenario_check', created_at, device, seq,"
     " 'x', 'pass', NULL, NULL, NULL, NULL, NULL, 'x' FROM records WHERE kind = 'amendment'",
     "names no check, shadow note or note assessment"),
])
def test_verify_names_an_activity_row_edited_outside_the_app(store: Store, sql: str, expected: str) -> None:
    _fill(store)
    assert store.verify().ok
    problems = _reopened_problems(store, sql)
    assert any(expected in p for p in problems), problems


def test_a_pulled_record_arriving_after_its_amendment_takes_the_amendment(store: Store, tmp_path) -> None:
    other = Store(tmp_path / "other")
    other.init_profile("SUP02", "Sam Lee")
    other.upsert_roster(demo_roster(24), COHORT_NAMES)
    theirs = _fill(other)
    pulled = other.records()
    amendment = next(r for r in pulled if r["kind"] == "amendment")
    devices = {other.profile.device: ("SUP02", other.key.public_key_hex)}
    insert_pulled(store, [amendment], devices)  # the amendment first, then what it amends
    insert_pulled(store, [r for r in pulled if r is not amendment], devices)
    row = store.conn.execute("SELECT staff_id, amended_at FROM record_activity WHERE hash = ?",
                             (theirs["hash"],)).fetchone()
    assert row == ("S003", f"{amendment['created_at']} {amendment['device']} {amendment['seq']:015d}")
    assert store.verify().ok
    assert store.statuses(NOW.date()) == [store.status(p["staff_id"], NOW.date()) for p in store.roster()]
    other.close()


def test_migration_9_rebuilds_the_activity_rows_from_the_records(store: Store) -> None:
    _fill(store)
    written = store.conn.execute("SELECT * FROM record_activity ORDER BY rowid").fetchall()
    path = store.path
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DELETE FROM record_activity WHERE kind = 'note_assessment'")
    conn.execute("UPDATE record_activity SET outcome = 'x', staff_id = 'S009', amended_at = NULL")
    # 9 again, with 10 and 11 (index rebuilds); the later ones changed other tables, left as they are
    later = conn.execute("SELECT * FROM schema_migrations WHERE version > 11").fetchall()
    conn.execute("DELETE FROM schema_migrations WHERE version >= 9")
    assert migrate(conn, target=11) == [9, 10, 11]
    conn.executemany("INSERT INTO schema_migrations VALUES (?, ?, ?)", later)
    rebuilt = conn.execute("SELECT * FROM record_activity ORDER BY rowid").fetchall()
    conn.close()
    assert rebuilt == written
    reopened = Store(path.parent)
    assert reopened.verify().ok
    reopened.close()


def test_a_bulk_append_of_a_correction_updates_its_targets_activity_row(store: Store) -> None:
    from supervisor_tui.model.rules import prepare_body

    first = _fill(store)
    target = store.records(kind="note_assessment")[0]
    body = {k: v for k, v in target["body"].items() if k not in ("outcome", "expected_endpoint", "failed_critical")}
    raw = {"amends": target["hash"], "reason": "wrong person", "body": {**body, "staff_id": "S004"}}
    when = at(9, 20)
    prepared = prepare_body("amendment", raw, store.context(when.date()))
    assert store.append_prepared([("amendment", prepared, when)]) == 1
    rows = dict(store.conn.execute("SELECT hash, staff_id FROM record_activity WHERE amended_at IS NOT NULL"))
    assert rows == {first["hash"]: "S003", target["hash"]: "S004"}
    assert store.verify().ok
