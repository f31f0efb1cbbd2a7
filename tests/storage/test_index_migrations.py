"""Migrations 10 and 11 (the indexes bulk loads write): SQLite uses them for the readers' exact
queries, and a store made at schema 9 upgrades with every row intact, no signed record rewritten."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path

import pytest

from storage import overview, statuses
from storage.demo import bulk_items, ensure_demo_roster, load_story
from storage.migrations import LATEST_VERSION, MIGRATIONS, migrate
from storage.store import Store

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _plan(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> list[str]:
    return [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory) -> Path:
    """A demo store (story, then 600 bulk records) made by this code, at the latest schema."""
    home = tmp_path_factory.mktemp("indexes")
    store = Store(home)
    store.init_profile("SUP01", "Alex Morgan")
    ensure_demo_roster(store, 30)
    load_story(store, now=NOW)
    store.append_prepared(_prepared(store, 600))
    store.close()
    return home


def _prepared(store: Store, count: int) -> list:
    from supervisor_tui.model.rules import prepare_body

    context = store.context(NOW.date())
    items = []
    for kind, body, when in bulk_items(store, count, NOW + dt.timedelta(days=1)):
        context.today = when.date()
        items.append((kind, prepare_body(kind, body, context), when))
    return items


def test_the_control_readers_use_the_control_index(demo_home: Path) -> None:
    store = Store(demo_home)
    try:
        control = _plan(store.conn, overview.CONTROL_SQL)
        assert control == ["SEARCH records USING INDEX records_control (kind=?)"]
        fast = _plan(store.conn, statuses._FAST)  # noqa: SLF001 - the reader's own query
        assert "SEARCH records USING INDEX records_control (kind=?)" in fast
        assert not any(step.startswith("SCAN records") for step in fast), fast
        # the index's WHERE is the readers' expression, not an IN list (which SQLite would not
        # match with these queries, and which it builds into a temporary table at every insert)
        sql = store.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'records_control'").fetchone()[0]
        assert not re.search(r"\bIN\b", sql.upper()) and sql.count(" OR ") == len(overview.CONTROL_KINDS) - 1
        # what the readers read through it is every control record
        kinds = [k for (k,) in store.conn.execute("SELECT kind FROM records NOT INDEXED")]
        held = [r for r in kinds if r in overview.CONTROL_KINDS]
        assert len(store.conn.execute(overview.CONTROL_SQL).fetchall()) == len(held) > 5
    finally:
        store.close()


def test_the_activity_readers_read_the_narrower_index(demo_home: Path) -> None:
    """The progress and pruning readers read only the index; latest_scenarios reads the rowid
    there, then the few records it names."""
    store = Store(demo_home)
    try:
        for _kind, columns, group, _names in overview.MEMBER_QUERIES:
            sql = overview.member_activity_sql(3, columns, group)
            plan = _plan(store.conn, sql, ("S001", "S002", "S003", "scenario_check", ""))
            assert plan[0] == "SEARCH record_activity USING COVERING INDEX record_activity_key (staff_id=? AND kind=?)"
            assert plan[1:] in ([], ["USE TEMP B-TREE FOR GROUP BY"]), plan
        assert _plan(store.conn, overview.LATEST_SCENARIOS_SQL, ("S001",)) == [
            "SEARCH record_activity USING COVERING INDEX record_activity_key (staff_id=? AND kind=?)"]
        for sql in (statuses._LATEST, statuses._PRUNABLE_COUNTS):  # noqa: SLF001
            assert "SEARCH record_activity USING COVERING INDEX record_activity_key (staff_id>?)" in _plan(
                store.conn, sql)
        columns = [r[2] for r in store.conn.execute("PRAGMA index_info(record_activity_key)")]
        assert columns == ["staff_id", "kind", "scenario_id", "shift_date", "shift", "review", "sequence", "ord",
                           "outcome"]
    finally:
        store.close()


def test_ord_since_selects_what_created_at_since_does(demo_home: Path) -> None:
    """The member-progress reader compares ``ord`` where it meant ``created_at``: the same rows
    for every record time held (as the cut-off), with and without fractions of a second."""
    store = Store(demo_home)
    try:
        times = sorted({t for (t,) in store.conn.execute("SELECT created_at FROM record_activity")})
        cuts = [*times[::37], times[-1], "2026-11-03T09:00:00Z", "2026-11-03T09:00:00.5Z", ""]
        assert any("." not in t for t in cuts) and any("." in t for t in cuts)
        for cut in cuts:
            by_time = store.conn.execute("SELECT rowid FROM record_activity NOT INDEXED WHERE created_at >= ?"
                                         " ORDER BY rowid", (cut,)).fetchall()
            by_ord = store.conn.execute("SELECT rowid FROM record_activity NOT INDEXED WHERE ord >= ?"
                                        " ORDER BY rowid", (cut,)).fetchall()
            assert by_ord == by_time, cut
    finally:
        store.close()


def _rows(conn: sqlite3.Connection, table: str) -> list[tuple]:
    return sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)  # (some have no rowid)


def test_a_store_made_at_schema_9_upgrades_with_its_data_intact(demo_home: Path, tmp_path: Path) -> None:
    """A store at schema 9 (made by migrations 1-9, holding a demo store's rows) is upgraded by
    opening it: the records (signatures and all), their activity rows and everything else are
    as they were, ``verify`` passes, the answers are the same, and new saves work."""
    assert [m[0] for m in MIGRATIONS] == list(range(1, LATEST_VERSION + 1))  # numbered in order, none missing
    old_home = tmp_path / "old"
    old_home.mkdir()
    (old_home / "keys").symlink_to(demo_home / "keys", target_is_directory=True)
    conn = sqlite3.connect(old_home / "store.db", isolation_level=None)
    assert migrate(conn, target=9) == list(range(1, 10))
    conn.execute("ATTACH DATABASE ? AS made", (str(demo_home / "store.db"),))
    tables = [t for (t,) in conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'"
                                         " AND name NOT IN ('schema_migrations', 'sqlite_sequence')")]
    conn.execute("BEGIN")
    for table in tables:
        conn.execute(f"INSERT INTO main.{table} SELECT * FROM made.{table}")
    conn.execute("COMMIT")
    before = {table: _rows(conn, table) for table in tables}
    old_control = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'records_control'").fetchone()[0]
    assert re.search(r"\bIN\b", old_control)
    conn.execute("DETACH DATABASE made")
    conn.close()
    assert len(before["records"]) > 600 and len(before["record_activity"]) > 500

    store = Store(old_home)  # applies 10, 11 (and any after them)
    try:
        versions = [v for (v,) in store.conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
        assert versions == list(range(1, LATEST_VERSION + 1))
        assert not re.search(r"\bIN\b", store.conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'records_control'").fetchone()[0])
        assert {table: _rows(store.conn, table) for table in tables} == before
        assert store.verify().ok
        made = Store(demo_home)
        try:
            today = (NOW + dt.timedelta(days=2)).date()
            assert store.statuses(today) == made.statuses(today)
            overview._CACHE.clear()  # noqa: SLF001
            old_rows = [(r.staff_id, r.state, r.next_due, r.progress) for r in overview.roster_overview(store, today)]
            overview._CACHE.clear()  # noqa: SLF001
            assert old_rows == [(r.staff_id, r.state, r.next_due, r.progress)
                                for r in overview.roster_overview(made, today)]
            assert overview.latest_scenarios(store, "S001") == overview.latest_scenarios(made, "S001")
        finally:
            made.close()
        assert store.append_prepared(_prepared(store, 20)) == 20
        assert store.verify().ok
    finally:
        store.close()
