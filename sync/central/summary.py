"""Summary tables over ``record_facts``: the report reads thousands of rows, not a million.

Three small tables hold running sums per person:

* ``fact_weekly`` per (staff_id, week, standard_id, standard_version): checks, passed, notes,
  compliant, rework, shadows, agreed;
* ``fact_missing`` per (staff_id, element): how many note assessments missed it;
* ``fact_scenarios`` per (staff_id, scenario_id): how many checks (which pairs have a first
  and a latest check; the report seeks each in the ``record_facts_checks`` index);
* ``fact_notes`` per (staff_id, review, sequence): how many note assessments (which review
  slots have a latest note; one seek each in ``record_facts_notes``).

They are not updated by the record triggers directly. Triggers on ``record_facts`` (row triggers
on SQLite, statement triggers with transition tables on PostgreSQL) append a signed copy of every
fact row that appears (+1) or is replaced by an amendment (-1 for the old row, +1 for the new)
to ``fact_changes`` — inserts only, so concurrent pushes never wait on
each other's summary rows (no lock order to get wrong, no deadlock). :func:`fold` adds the
pending changes into the summary tables and deletes them, one folder at a time (an advisory
lock on PostgreSQL; SQLite has one writer): after each push (PostgreSQL: after commit, skipped
when another fold is running) and before each report. On PostgreSQL the fold deletes exactly
the changes it read (``DELETE ... RETURNING``), so a change committed meanwhile waits for the
next fold. NULL keys are stored as '' (text) and -1 (version) because they are primary-key
columns; :func:`unkey` maps them back.
"""

from __future__ import annotations

from typing import Any

SUMMARY_VERSION = "3"  # 3: statement triggers on PostgreSQL
_FOLD_LOCK = 727_002
_FACT_COLS = ("staff_id", "week", "standard_id", "standard_version", "kind", "outcome", "agreed", "scenario_id",
              "missing", "review", "sequence")
_COUNTS = ("checks", "passed", "notes", "compliant", "rework", "shadows", "agreed")


def _tables(serial: str) -> str:
    return f"""
CREATE TABLE IF NOT EXISTS fact_changes (
    id {serial},
    sign INTEGER NOT NULL,
    staff_id TEXT NOT NULL,
    week TEXT,
    standard_id TEXT,
    standard_version BIGINT,
    kind TEXT NOT NULL,
    outcome TEXT,
    agreed INTEGER NOT NULL,
    scenario_id TEXT,
    missing TEXT,
    review TEXT,
    sequence BIGINT
);
CREATE TABLE IF NOT EXISTS fact_weekly (
    staff_id TEXT NOT NULL,
    week TEXT NOT NULL,
    standard_id TEXT NOT NULL,
    standard_version BIGINT NOT NULL,
    {', '.join(f'{c} BIGINT NOT NULL' for c in _COUNTS)},
    PRIMARY KEY (staff_id, week, standard_id, standard_version)
);
CREATE TABLE IF NOT EXISTS fact_missing (
    staff_id TEXT NOT NULL,
    element TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (staff_id, element)
);
CREATE TABLE IF NOT EXISTS fact_scenarios (
    staff_id TEXT NOT NULL,
    scenario_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (staff_id, scenario_id)
);
CREATE TABLE IF NOT EXISTS fact_notes (
    staff_id TEXT NOT NULL,
    review TEXT NOT NULL,
    sequence BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (staff_id, review, sequence)
);
"""


def _values(sign: str, row: str) -> str:
    return f"({sign}, {', '.join(f'{row}.{c}' for c in _FACT_COLS)})"


_INTO = f"INSERT INTO fact_changes (sign, {', '.join(_FACT_COLS)})"

SQLITE = _tables("INTEGER PRIMARY KEY AUTOINCREMENT") + f"""
CREATE TRIGGER IF NOT EXISTS record_facts_gone BEFORE INSERT ON record_facts BEGIN
  {_INTO} SELECT -1, {', '.join(_FACT_COLS)} FROM record_facts WHERE hash = new.hash; END;
CREATE TRIGGER IF NOT EXISTS record_facts_new AFTER INSERT ON record_facts BEGIN
  {_INTO} VALUES {_values('1', 'new')}; END;
CREATE TRIGGER IF NOT EXISTS record_facts_changed AFTER UPDATE ON record_facts BEGIN
  {_INTO} VALUES {_values('-1', 'old')}; {_INTO} VALUES {_values('1', 'new')}; END;
"""
# (SQLite's INSERT OR REPLACE deletes the old row without firing delete triggers, hence the
# BEFORE INSERT trigger that takes the old row out of the sums.)

_COLS = ", ".join(_FACT_COLS)
POSTGRES = _tables("BIGSERIAL PRIMARY KEY") + f"""
DROP TRIGGER IF EXISTS record_facts_change ON record_facts;
DROP FUNCTION IF EXISTS record_facts_change();
CREATE OR REPLACE FUNCTION record_facts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_INTO} SELECT 1, {_COLS} FROM new_rows;
  RETURN NULL;
END; $$;
CREATE OR REPLACE FUNCTION record_facts_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_INTO} SELECT -1, {_COLS} FROM old_rows UNION ALL SELECT 1, {_COLS} FROM new_rows;
  RETURN NULL;
END; $$;
DROP TRIGGER IF EXISTS record_facts_inserted ON record_facts;
CREATE TRIGGER record_facts_inserted AFTER INSERT ON record_facts REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION record_facts_inserted();
DROP TRIGGER IF EXISTS record_facts_updated ON record_facts;
CREATE TRIGGER record_facts_updated AFTER UPDATE ON record_facts REFERENCING OLD TABLE AS old_rows
NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_facts_updated();
"""
# (PostgreSQL: statement triggers with transition tables, one set-based insert per statement,
# not one per row; an INSERT ... ON CONFLICT DO UPDATE passes its inserted rows to the first
# and its updated ones to the second.)


def _sum(sign: str, condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN {sign} ELSE 0 END)"


def _weekly(source: str, sign: str = "sign") -> str:
    counts = ", ".join(_sum(sign, c) for c in (
        "kind = 'scenario_check'", "kind = 'scenario_check' AND outcome = 'pass'", "kind = 'note_assessment'",
        "kind = 'note_assessment' AND outcome = 'compliant'", "kind = 'note_assessment' AND outcome = 'rework'",
        "kind = 'shadow_escalation'", "kind = 'shadow_escalation' AND agreed = 1"))
    return (f"INSERT INTO fact_weekly (staff_id, week, standard_id, standard_version, {', '.join(_COUNTS)})"
            f" SELECT staff_id, COALESCE(week, ''), COALESCE(standard_id, ''), COALESCE(standard_version, -1),"
            f" {counts} FROM {source} GROUP BY staff_id, COALESCE(week, ''), COALESCE(standard_id, ''),"
            " COALESCE(standard_version, -1)"
            " ON CONFLICT (staff_id, week, standard_id, standard_version) DO UPDATE SET "
            + ", ".join(f"{c} = fact_weekly.{c} + excluded.{c}" for c in _COUNTS))


def _missing(source: str, each: str, sign: str = "sign") -> str:
    return (f"INSERT INTO fact_missing (staff_id, element, n) SELECT staff_id, e.value, SUM({sign})"
            f" FROM {source}, {each} WHERE missing IS NOT NULL GROUP BY staff_id, e.value"
            " ON CONFLICT (staff_id, element) DO UPDATE SET n = fact_missing.n + excluded.n")


def _scenarios(source: str, sign: str = "sign") -> str:
    return (f"INSERT INTO fact_scenarios (staff_id, scenario_id, n) SELECT staff_id, COALESCE(scenario_id, ''),"
            f" SUM({sign}) FROM {source} WHERE kind = 'scenario_check' GROUP BY staff_id, COALESCE(scenario_id, '')"
            " ON CONFLICT (staff_id, scenario_id) DO UPDATE SET n = fact_scenarios.n + excluded.n")


def _notes(source: str, sign: str = "sign") -> str:
    return (f"INSERT INTO fact_notes (staff_id, review, sequence, n) SELECT staff_id, COALESCE(review, ''),"
            f" COALESCE(sequence, -1), SUM({sign}) FROM {source} WHERE kind = 'note_assessment'"
            " GROUP BY staff_id, COALESCE(review, ''), COALESCE(sequence, -1)"
            " ON CONFLICT (staff_id, review, sequence) DO UPDATE SET n = fact_notes.n + excluded.n")


_SQLITE_EACH = "json_each(missing) AS e"
_PG_EACH = "json_array_elements_text(missing::json) AS e(value)"


def fold_tx(tx: Any, wait: bool = True) -> bool:
    """Add pending ``fact_changes`` into the summary tables inside ``tx``; False when another
    fold holds the PostgreSQL lock and ``wait`` is False (that fold will take these changes)."""
    if tx.rewrite:
        lock = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
        got = tx.one(f"SELECT {lock}(?)", (_FOLD_LOCK,))[0]
        if got is False:
            return False
        cols = ", ".join(("sign", *_FACT_COLS))
        tx.conn.execute(
            f"WITH d AS (DELETE FROM fact_changes RETURNING {cols}),"
            f" w AS ({_weekly('d')} RETURNING 1), m AS ({_missing('d', _PG_EACH)} RETURNING 1),"
            f" s AS ({_scenarios('d')} RETURNING 1) {_notes('d')}")
        return True
    top = tx.one("SELECT MAX(id) FROM fact_changes")[0]
    if top is None:
        return True
    source = f"(SELECT * FROM fact_changes WHERE id <= {int(top)}) AS d"
    tx.execute(_weekly(source))
    tx.execute(_missing(source, _SQLITE_EACH))
    tx.execute(_scenarios(source))
    tx.execute(_notes(source))
    tx.execute("DELETE FROM fact_changes WHERE id <= ?", (top,))
    return True


def fold(central: Any, wait: bool = True) -> bool:
    """:func:`fold_tx` in its own transaction."""
    with central.transaction() as tx:
        return fold_tx(tx, wait)


def ensure_summary(central: Any) -> None:
    """Install the summary tables and triggers and fill them from ``record_facts`` once (a store
    made before them); cheap when done (one ``meta`` lookup). On PostgreSQL ``record_facts`` is
    locked against writers meanwhile, so no fact row slips between the fill and the trigger."""
    with central.reading() as tx:
        row = tx.one("SELECT value FROM meta WHERE key = 'summary_version'")
    if not (row and row[0] == SUMMARY_VERSION):
        _install(central)
    central.summary_ready = True


def _install(central: Any) -> None:
    with central.transaction() as tx:
        if tx.rewrite:
            tx.execute("LOCK TABLE record_facts IN SHARE ROW EXCLUSIVE MODE")
            if tx.one("SELECT value FROM meta WHERE key = 'summary_version'") == (SUMMARY_VERSION,):
                return
            tx.execute("DROP TABLE IF EXISTS fact_changes")  # columns may have changed; refilled below
            tx.conn.execute(POSTGRES)
            each = _PG_EACH
        else:
            if tx.one("SELECT value FROM meta WHERE key = 'summary_version'") == (SUMMARY_VERSION,):
                return
            from sync.central.sql import _statements

            for trigger in ("record_facts_gone", "record_facts_new", "record_facts_changed"):
                tx.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            tx.execute("DROP TABLE IF EXISTS fact_changes")
            for statement in _statements(SQLITE):
                tx.execute(statement)
            each = _SQLITE_EACH
        tx.execute("DELETE FROM fact_changes")
        for table in ("fact_weekly", "fact_missing", "fact_scenarios", "fact_notes"):
            tx.execute(f"DELETE FROM {table}")
        source = "(SELECT * FROM record_facts WHERE true) AS d"
        tx.execute(_weekly(source, "1"))
        tx.execute(_missing(source, each, "1"))
        tx.execute(_scenarios(source, "1"))
        tx.execute(_notes(source, "1"))
        tx.execute("INSERT INTO meta (key, value) VALUES ('summary_version', ?) ON CONFLICT (key)"
                   " DO UPDATE SET value = excluded.value", (SUMMARY_VERSION,))


def unkey(week: str, standard_id: str, standard_version: Any) -> tuple[Any, Any, Any]:
    """Summary keys back to the fact table's values ('' and -1 stand for NULL)."""
    return (week or None, standard_id or None, None if standard_version == -1 else standard_version)
