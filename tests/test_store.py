"""The local store: append-only enforcement, tamper detection, keys, migrations, drafts."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from storage.demo import load_story
from storage.migrations import MIGRATIONS, migrate
from storage.store import Store, StoreError, uuid7
from tests.conftest import NOW, scenario_body


def test_key_file_is_private_and_never_overwritten(store, home):
    mode = stat.S_IMODE(os.stat(store.key_path).st_mode)
    assert mode == 0o600 and store.key_path.parent == home / "keys"
    before = store.key_path.read_bytes()
    with pytest.raises(StoreError, match="already exists"):
        Store(home).init_profile("SUP02", "Someone Else")
    assert store.key_path.read_bytes() == before


def test_pragmas_wal_and_full_sync(store):
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_records_chain_and_seq(store):
    a = store.append("scenario_check", scenario_body(), now=NOW)
    b = store.append("scenario_check", scenario_body("S002"), now=NOW)
    assert (a["seq"], a["prev"]) == (1, "")
    assert (b["seq"], b["prev"]) == (2, a["hash"])
    assert store.verify().ok and store.verify().count == 2


def test_database_refuses_update_and_delete(store):
    store.append("scenario_check", scenario_body(), now=NOW)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("UPDATE records SET author = 'X'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("DELETE FROM records")
    assert store.verify().ok


@pytest.fixture(scope="module")
def story_db(tmp_path_factory):
    home = tmp_path_factory.mktemp("story")
    s = Store(home)
    s.init_profile("SUP01", "Alex Morgan")
    from storage.demo import ensure_demo_roster

    ensure_demo_roster(s)
    load_story(s, NOW)
    s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    count = s.conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    s.close()
    return home, count


COLUMNS = ["id", "kind", "schema", "author", "device", "seq", "prev", "created_at", "body", "hash",
           "sig", "staff_id", "cohort_id", "ref_id", "amends"]


def tampered_copy(story_db, tmp_path, sql: str, params=()) -> Store:
    home, _ = story_db
    target = tmp_path / "copy"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(home, target)
    conn = sqlite3.connect(target / "store.db", isolation_level=None)
    conn.execute("DROP TRIGGER records_no_update")
    conn.execute("DROP TRIGGER records_no_delete")
    conn.execute(sql, params)
    conn.close()
    return Store(target)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_change_to_any_stored_field_is_detected(story_db, tmp_path, data):
    _, count = story_db
    rowid = data.draw(st.integers(1, count), label="rowid")
    column = data.draw(st.sampled_from(COLUMNS), label="column")
    home, _ = story_db
    conn = sqlite3.connect(home / "store.db")
    value = conn.execute(f"SELECT {column} FROM records WHERE rowid = ?", (rowid,)).fetchone()[0]
    conn.close()
    if isinstance(value, int):
        new = value + data.draw(st.integers(1, 5))
    elif not value:  # NULL lookup column or the empty prev of seq 1
        new = data.draw(st.text(min_size=1, max_size=8))
    else:
        pos = data.draw(st.integers(0, len(value) - 1))
        replacement = data.draw(st.characters(codec="utf-8").filter(lambda c: c != value[pos]))
        new = value[:pos] + replacement + value[pos + 1:]
    try:
        s = tampered_copy(story_db, tmp_path, f"UPDATE records SET {column} = ? WHERE rowid = ?", (new, rowid))
    except sqlite3.IntegrityError:
        assume(False)  # the schema itself refuses this change (unique seq, hash, id)
    report = s.verify()
    s.close()
    assert not report.ok, f"changing {column} of row {rowid} to {new!r} went unnoticed"


def test_deleted_record_in_the_middle_is_detected(story_db, tmp_path):
    s = tampered_copy(story_db, tmp_path, "DELETE FROM records WHERE seq = 5")
    report = s.verify()
    assert any("chain gap" in p for p in report.problems)
    assert any("triggers had been dropped" in p for p in report.problems)
    with pytest.raises(sqlite3.IntegrityError):  # restored on open
        s.conn.execute("DELETE FROM records")


def test_resigned_record_with_other_key_is_detected(story_db, tmp_path):
    from supervisor_tui.model.signing import DeviceKey, seal

    s = tampered_copy(story_db, tmp_path, "SELECT 1")
    record = s.records()[3]
    record["body"]["decision_seconds"] = 5
    forged = seal({k: record[k] for k in ("id", "kind", "schema", "author", "device", "seq", "prev",
                                           "created_at", "body")}, DeviceKey.generate())
    s.conn.execute("DROP TRIGGER IF EXISTS records_no_update")
    import json

    s.conn.execute("UPDATE records SET body = ?, hash = ?, sig = ? WHERE id = ?",
                   (json.dumps(forged["body"], sort_keys=True, separators=(",", ":")), forged["hash"],
                    forged["sig"], forged["id"]))
    problems = s.verify().problems
    assert any("bad signature" in p for p in problems)
    assert any("chain broken" in p for p in problems)  # the next record's prev no longer matches


def test_swapped_public_key_is_detected(story_db, tmp_path):
    from supervisor_tui.model.signing import DeviceKey

    s = tampered_copy(story_db, tmp_path, "UPDATE devices SET public_key = ?",
                      (DeviceKey.generate().public_key_hex,))
    assert any("does not match the key file" in p for p in s.verify().problems)


def test_migrations_from_the_first_schema(tmp_path):
    home = tmp_path / "old"
    home.mkdir()
    conn = sqlite3.connect(home / "store.db", isolation_level=None)
    assert migrate(conn, target=1) == [1]
    conn.execute("INSERT INTO cohorts VALUES ('c1', 'Cohort one')")
    conn.execute("INSERT INTO staff VALUES ('S1', 'Ann', 'Carer', 'c1')")
    conn.close()
    s = Store(home)  # applies the rest
    versions = [v for (v,) in s.conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [m[0] for m in MIGRATIONS]
    assert s.roster()[0]["name"] == "Ann"
    s.init_profile("SUP01", "Alex")
    assert s.unsynced_count() == 0
    s.append("shadow_escalation", {"staff_id": "S1", "shift_date": "2026-11-01", "shift": "day",
                                   "situation": "x", "staff_choice": "supervisor",
                                   "supervisor_choice": "supervisor"}, now=NOW)
    assert s.unsynced_count() == 1 and s.verify().ok
    with pytest.raises(sqlite3.IntegrityError):
        s.conn.execute("DELETE FROM records")


def test_store_from_a_newer_version_is_refused(tmp_path):
    s = Store(tmp_path / "new")
    s.conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'now')")
    s.close()
    with pytest.raises(RuntimeError, match="newer supervisor-tui"):
        Store(tmp_path / "new")


def test_drafts_round_trip_and_are_deletable(store):
    store.save_draft("scenario:S001", "scenario_check", {"remediation": "half typed"})
    store.save_draft("scenario:S001", "scenario_check", {"remediation": "half typed, more"})
    assert store.load_draft("scenario:S001") == {"remediation": "half typed, more"}
    assert [d["draft_key"] for d in store.drafts()] == ["scenario:S001"]
    store.discard_draft("scenario:S001")
    assert store.load_draft("scenario:S001") is None


def test_uuid7_is_time_ordered_and_versioned():
    import uuid

    ids = [uuid7() for _ in range(200)]
    assert all(uuid.UUID(i).version == 7 for i in ids)
    assert len(set(ids)) == 200
    assert [i[:13] for i in ids] == sorted(i[:13] for i in ids)


def test_append_without_profile_is_refused(tmp_path):
    s = Store(tmp_path / "empty")
    with pytest.raises(StoreError, match="supervisor-tui init"):
        s.append("scenario_check", scenario_body(), now=NOW)


def test_bulk_append_writes_what_single_saves_write(tmp_path) -> None:
    """``append_prepared`` inserts in batches (rowids given by the store): every record chains and
    verifies, and each activity row sits at its record's rowid, as single saves leave them."""
    import datetime as dt

    from storage.bulk import append_encoded
    from storage.demo import bulk_items, ensure_demo_roster
    from storage.demo_bulk import _prepared_chunks, task_for
    from storage.verify import verify_store

    store = Store(tmp_path / "bulk")
    store.init_profile("SUP01", "Bulk")
    ensure_demo_roster(store)
    store.append_many(list(bulk_items(store, 5, dt.datetime(2026, 11, 2, tzinfo=dt.UTC))))
    task = task_for(store, 2300, dt.datetime(2026, 11, 3, tzinfo=dt.UTC))
    encoded = [x for chunk in _prepared_chunks(store, task) for x in chunk]
    assert append_encoded(store, encoded, commit_every=1000) == 2300
    assert verify_store(store).ok
    seqs = [s for (s,) in store.conn.execute("SELECT seq FROM records ORDER BY rowid")]
    assert seqs == list(range(1, 2306))
    wrong = store.conn.execute("SELECT COUNT(*) FROM record_activity a JOIN records r ON r.hash = a.hash"
                               " WHERE a.rowid <> r.rowid OR a.seq <> r.seq").fetchone()[0]
    held = store.conn.execute("SELECT COUNT(*) FROM record_activity").fetchone()[0]
    kinds = store.conn.execute("SELECT COUNT(*) FROM records WHERE kind IN"
                               " ('scenario_check', 'shadow_escalation', 'note_assessment')").fetchone()[0]
    assert wrong == 0 and held == kinds > 0
    store.close()
