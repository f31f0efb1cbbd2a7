"""The central fact table: the few typed fields of each work record the governance report needs.

``record_facts`` holds one row per scenario check, shadow-escalation note and note assessment,
derived by one set-based statement per chunk of queued records (:func:`derive`, called by
``sync.central.catchup.catch_up``: the push queues each work record and each record an amendment
amends in ``facts_pending``, in its own transaction; every reader of the facts catches up first,
so the rows are complete whenever they are read). (Earlier versions used row triggers on
``records``; opening a store drops them, see ``DROP_TRIGGERS``.) An amendment replaces the facts
of the record it amends with those of its corrected body (the latest amendment in time order
wins, whichever arrives first), so the report never parses JSON. Records set aside
(``sync.central.exclusions``) have no row, and amendments set aside do not apply.

The row is derived data like the ``staff_id`` lookup column, never signed; the reference
definition is ``supervisor_tui.reports.facts.fact_from_record`` (the tests compare the two).
``ensure_facts`` installs the table, triggers and a one-time backfill on a store created before
the table existed; new stores get them with the schema (``sync.central.schema``).
"""

from __future__ import annotations

from typing import Any

from sync.central.sql import LIVE_R

FACTS_VERSION = "1"
WORK_KINDS = ("scenario_check", "shadow_escalation", "note_assessment")
_KINDS = "(" + ",".join(f"'{k}'" for k in WORK_KINDS) + ")"
COLUMNS = ("hash", "kind", "created_at", "device", "seq", "week", "staff_id", "scenario_id", "outcome",
           "review", "sequence", "standard_id", "standard_version", "missing", "shift_date", "shift", "agreed")

TABLE = """
CREATE TABLE IF NOT EXISTS record_facts (
    hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    device TEXT NOT NULL,
    seq BIGINT NOT NULL,
    week TEXT,
    staff_id TEXT NOT NULL,
    scenario_id TEXT,
    outcome TEXT,
    review TEXT,
    sequence BIGINT,
    standard_id TEXT,
    standard_version BIGINT,
    missing TEXT,
    shift_date TEXT,
    shift TEXT,
    agreed INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS record_facts_week ON record_facts
  (staff_id, week, standard_id, standard_version, kind, outcome, agreed);
CREATE INDEX IF NOT EXISTS record_facts_shifts ON record_facts (staff_id, shift_date, shift, created_at)
  WHERE kind = 'shadow_escalation';
CREATE INDEX IF NOT EXISTS record_facts_missing ON record_facts (staff_id) WHERE missing IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_amends ON records (amends) WHERE amends IS NOT NULL;
"""


def _latest_amendment(body_expr: str) -> str:
    return (f"(SELECT {body_expr} FROM records a WHERE a.amends = r.hash AND a.kind = 'amendment'"
            " AND a.hash NOT IN (SELECT hash FROM record_exclusions)"
            " ORDER BY a.created_at DESC, a.device DESC, a.seq DESC LIMIT 1)")


_SQLITE_SOURCE = ("r.hash, r.kind, r.created_at, r.device, r.seq, COALESCE("
                  + _latest_amendment("json_extract(a.body, '$.body')") + ", r.body) AS b")


def sqlite_select(where: str, batch: bool = False) -> str:
    """Fact rows of the work records ``r`` matching ``where`` that are not set aside (their
    latest amendment that is not set aside applied).

    ``batch``: instead of ``where``, the records named by one parameter, a JSON array of hashes,
    found by their hash (``CROSS JOIN``: SQLite keeps that order, so it never walks the kind
    index over every work record held, testing each against the list), each body with its
    amendment taken once (``MATERIALIZED``: a flattened subquery runs the amendment lookup once
    per field read from it). A statement's cost then follows the batch, not the store."""
    def j(field: str) -> str:
        return f"json_extract(b, '$.{field}')"

    missing = (f"NULLIF(COALESCE({j('missing_elements')}, (SELECT json_group_array(json_extract(e.value,"
               " '$.element_id')) FROM json_each(b, '$.elements') e"
               " WHERE NOT COALESCE(json_extract(e.value, '$.present'), 0))), '[]')")
    agreed = (f"CASE json_type(b, '$.agreed') WHEN 'true' THEN 1 WHEN 'integer' THEN {j('agreed')} <> 0"
              f" WHEN 'real' THEN {j('agreed')} <> 0 WHEN 'text' THEN {j('agreed')} <> '' ELSE 0 END")
    head, source = "", (f"(SELECT {_SQLITE_SOURCE} FROM records r WHERE r.kind IN {_KINDS} AND {LIVE_R}"
                        f" AND ({where})) AS src")
    if batch:
        head = (f"WITH src AS MATERIALIZED (SELECT {_SQLITE_SOURCE} FROM (SELECT DISTINCT value AS h FROM"
                f" json_each(?)) AS q CROSS JOIN records r ON r.hash = q.h WHERE r.kind IN {_KINDS} AND {LIVE_R})")
        source = "src"
    return f"""{head}
SELECT hash, kind, created_at, device, seq, date(substr(created_at, 1, 10), '-6 days', 'weekday 1'),
  COALESCE({j('staff_id')}, ''),
  CASE kind WHEN 'scenario_check' THEN {j('scenario_id')} END,
  CASE WHEN kind <> 'shadow_escalation' THEN {j('outcome')} END,
  CASE kind WHEN 'note_assessment' THEN {j('review')} END,
  CASE kind WHEN 'note_assessment' THEN {j('sequence')} END,
  CASE kind WHEN 'note_assessment' THEN {j('standard_id')} END,
  CASE kind WHEN 'note_assessment' THEN {j('standard_version')} END,
  CASE kind WHEN 'note_assessment' THEN {missing} END,
  CASE kind WHEN 'shadow_escalation' THEN {j('shift_date')} END,
  CASE kind WHEN 'shadow_escalation' THEN {j('shift')} END,
  CASE kind WHEN 'shadow_escalation' THEN {agreed} ELSE 0 END
FROM {source} WHERE true"""


_INSERT = f"INSERT OR REPLACE INTO record_facts ({', '.join(COLUMNS)})"

SQLITE = TABLE + f"""
CREATE INDEX IF NOT EXISTS record_facts_checks ON record_facts (staff_id, scenario_id, created_at, device, seq, outcome)
  WHERE kind = 'scenario_check';
CREATE INDEX IF NOT EXISTS record_facts_notes ON record_facts (staff_id, review, sequence, created_at, device, seq)
  WHERE kind = 'note_assessment';
DROP TRIGGER IF EXISTS records_facts_work;
DROP TRIGGER IF EXISTS records_facts_amend;
{_INSERT} {sqlite_select("NOT EXISTS (SELECT 1 FROM meta WHERE key = 'facts_version')")};
INSERT INTO meta (key, value) VALUES ('facts_version', '{FACTS_VERSION}') ON CONFLICT (key) DO NOTHING;
"""


def _int(expr: str) -> str:
    return f"CASE WHEN {expr} ~ '^-?[0-9]{{1,18}}$' THEN ({expr})::bigint END"


def postgres_select(where: str) -> str:
    """PostgreSQL fact rows of the work records ``r`` matching ``where`` (one JSON parse each)."""
    day = "substr(r.created_at, 1, 10)"
    date = (f"(make_date(greatest(substr({day}, 1, 4)::int, 1), least(greatest(substr({day}, 6, 2)::int, 1), 12), 1)"
            f" + (substr({day}, 9, 2)::int - 1))")
    week = f"to_char({date} - (extract(isodow FROM {date})::int - 1), 'YYYY-MM-DD')"
    missing = ("NULLIF(CASE WHEN x.missing_elements IS NOT NULL AND json_typeof(x.missing_elements) <> 'null'"
               " THEN x.missing_elements::text ELSE (SELECT json_agg(e->>'element_id')::text FROM"
               " json_array_elements(CASE WHEN json_typeof(x.elements) = 'array' THEN x.elements END) e"
               " WHERE COALESCE(e->>'present', 'false') IN ('false', '0', '')) END, '[]')")
    agreed = "CASE WHEN x.agreed IS NULL OR x.agreed IN ('false', '0', '') THEN 0 ELSE 1 END"
    return f"""
SELECT r.hash, r.kind, r.created_at, r.device, r.seq, {week},
  COALESCE(x.staff_id, ''),
  CASE r.kind WHEN 'scenario_check' THEN x.scenario_id END,
  CASE WHEN r.kind <> 'shadow_escalation' THEN x.outcome END,
  CASE r.kind WHEN 'note_assessment' THEN x.review END,
  CASE r.kind WHEN 'note_assessment' THEN {_int('x.sequence')} END,
  CASE r.kind WHEN 'note_assessment' THEN x.standard_id END,
  CASE r.kind WHEN 'note_assessment' THEN {_int('x.standard_version')} END,
  CASE r.kind WHEN 'note_assessment' THEN {missing} END,
  CASE r.kind WHEN 'shadow_escalation' THEN x.shift_date END,
  CASE r.kind WHEN 'shadow_escalation' THEN x.shift END,
  CASE r.kind WHEN 'shadow_escalation' THEN {agreed} ELSE 0 END
FROM records r,
  LATERAL (SELECT COALESCE({_latest_amendment("(a.body::json)->'body'")}, r.body::json) AS b) eff,
  LATERAL json_to_record(CASE WHEN json_typeof(eff.b) = 'object' THEN eff.b ELSE '{{}}'::json END) AS x(
    staff_id text, scenario_id text, outcome text, review text, sequence text, standard_id text,
    standard_version text, missing_elements json, elements json, shift_date text, shift text, agreed text)
WHERE r.kind IN {_KINDS} AND {LIVE_R} AND ({where})"""


_UPSERT = (" ON CONFLICT (hash) DO UPDATE SET "
           + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:]))

POSTGRES = TABLE + """
CREATE INDEX IF NOT EXISTS record_facts_checks ON record_facts
  (staff_id, scenario_id, created_at COLLATE "C", device COLLATE "C", seq) INCLUDE (outcome)
  WHERE kind = 'scenario_check';
CREATE INDEX IF NOT EXISTS record_facts_notes ON record_facts
  (staff_id, review, sequence, created_at COLLATE "C", device COLLATE "C", seq) WHERE kind = 'note_assessment';
DROP TRIGGER IF EXISTS records_facts ON records;
DROP FUNCTION IF EXISTS records_facts_refresh();
"""
POSTGRES_NEW = POSTGRES + f"INSERT INTO meta (key, value) VALUES ('facts_version', '{FACTS_VERSION}') ON CONFLICT (key) DO NOTHING;\n"

POSTGRES_BACKFILL = (f"INSERT INTO record_facts ({', '.join(COLUMNS)}) {postgres_select('true')}"
                     + _UPSERT)


DROP_TRIGGERS_PG = ("DROP TRIGGER IF EXISTS records_facts ON records;"
                    " DROP FUNCTION IF EXISTS records_facts_refresh();")
HAS_TRIGGER_PG = "SELECT 1 FROM pg_trigger WHERE tgname = 'records_facts' AND NOT tgisinternal"


def derive(tx: Any, hashes: list[str]) -> None:
    """Derive (again) the fact rows of the records ``hashes`` in one set-based statement: the
    work records among them that are not set aside, each with its latest amendment that is not
    set aside applied; other hashes (an amended record that is not a work record, a set-aside
    one) give no row. Called by ``catchup.catch_up`` with the queued hashes."""
    if not hashes:
        return
    if tx.rewrite:  # tx.conn: the SQL holds a literal "?"
        tx.conn.execute(f"INSERT INTO record_facts ({', '.join(COLUMNS)}) {postgres_select('r.hash = ANY(%s)')}"
                        + _UPSERT, (hashes,))
        return
    import json

    tx.execute(f"{_INSERT} {sqlite_select('', batch=True)}", (json.dumps(hashes),))


def refresh_one(tx: Any, record_hash: str) -> None:
    """Re-derive one work record's fact row (after one of its amendments was set aside)."""
    if tx.rewrite:
        sql = f"INSERT INTO record_facts ({', '.join(COLUMNS)}) {postgres_select('r.hash = %s')}{_UPSERT}"
        tx.conn.execute(sql, (record_hash,))  # not tx.execute: the SQL holds a literal "?"
    else:
        tx.execute(f"{_INSERT} {sqlite_select('r.hash = ?')}", (record_hash,))


def ensure_facts(central: Any) -> None:
    """Install the fact table and its triggers and backfill it once (a store made before them).

    Cheap when already done (one ``meta`` lookup). On PostgreSQL the install takes a lock that
    blocks concurrent pushes, so no record can slip between the backfill and the trigger."""
    with central.reading() as tx:
        row = tx.one("SELECT value FROM meta WHERE key = 'facts_version'")
    if row and row[0] == FACTS_VERSION:
        return
    with central.transaction() as tx:
        if tx.rewrite:
            tx.execute("LOCK TABLE records IN SHARE ROW EXCLUSIVE MODE")
            if tx.one("SELECT value FROM meta WHERE key = 'facts_version'"):
                return
            tx.conn.execute(POSTGRES)
            tx.conn.execute(POSTGRES_BACKFILL)
            tx.execute("DELETE FROM meta WHERE key = 'summary_version'")  # summaries re-derived
            tx.execute("INSERT INTO meta (key, value) VALUES ('facts_version', ?) ON CONFLICT (key) DO NOTHING",
                       (FACTS_VERSION,))
        else:
            from sync.central.sql import _statements

            for statement in _statements(SQLITE):
                tx.execute(statement)
            tx.execute("DELETE FROM meta WHERE key = 'summary_version'")  # summaries re-derived
    central.summary_ready = False
