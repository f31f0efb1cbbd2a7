"""Central store schema (DDL) for SQLite and PostgreSQL.

The two dialects hold the same tables. ``records`` is append-only (triggers refuse UPDATE and
DELETE); ``pos`` is the order of arrival, used to page pulls. Revocation is an inserted row in
``revocations``, never an update of ``devices``.
"""

from __future__ import annotations

SCHEMA_VERSION = 1

_COMMON = """
CREATE TABLE IF NOT EXISTS devices (
    device TEXT PRIMARY KEY,
    supervisor TEXT NOT NULL,
    public_key TEXT NOT NULL UNIQUE,
    enrolled_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS revocations (
    device TEXT PRIMARY KEY REFERENCES devices (device),
    revoked_at TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS enrol_tokens (
    token_hash TEXT PRIMARY KEY,
    supervisor TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    used_by TEXT
);
CREATE TABLE IF NOT EXISTS cohorts (
    cohort_id TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS staff (
    staff_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    cohort_id TEXT NOT NULL REFERENCES cohorts (cohort_id)
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

_RECORD_COLUMNS = """
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    schema INTEGER NOT NULL,
    author TEXT NOT NULL,
    device TEXT NOT NULL REFERENCES devices (device),
    seq BIGINT NOT NULL,
    prev TEXT NOT NULL,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    sig TEXT NOT NULL,
    staff_id TEXT,
    cohort_id TEXT,
    ref_id TEXT,
    amends TEXT,
    received_at TEXT NOT NULL,
    stamp TEXT,
    UNIQUE (device, seq)
"""

_QUARANTINE_COLUMNS = """
    device TEXT NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    reason TEXT NOT NULL,
    record TEXT NOT NULL,
    received_at TEXT NOT NULL
"""

# A scenario check run in a trainer's group session (its body names a ``session_id``): the
# central report's sessions (sync/central/sessions.py) read these through a partial index, which
# a query uses only when it repeats this very condition, literally.
SESSION_CHECK = "kind = 'scenario_check' AND body LIKE '%\"session_id\"%'"

_INDEXES = """
CREATE INDEX IF NOT EXISTS records_staff ON records (staff_id);
CREATE INDEX IF NOT EXISTS records_cohort ON records (cohort_id);
CREATE INDEX IF NOT EXISTS records_ref ON records (ref_id);
CREATE INDEX IF NOT EXISTS records_author ON records (author);
CREATE INDEX IF NOT EXISTS records_kind ON records (kind);
""" + f"""
CREATE INDEX IF NOT EXISTS records_session_checks ON records (created_at, device, seq)
  WHERE {SESSION_CHECK};
"""

SQLITE = (
    _COMMON
    + f"CREATE TABLE IF NOT EXISTS records (pos INTEGER PRIMARY KEY AUTOINCREMENT, {_RECORD_COLUMNS});\n"
    + f"CREATE TABLE IF NOT EXISTS quarantine (qid INTEGER PRIMARY KEY AUTOINCREMENT, {_QUARANTINE_COLUMNS});\n"
    + _INDEXES
    + """
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records
BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
"""
)

POSTGRES = (
    _COMMON
    + f"CREATE TABLE IF NOT EXISTS records (pos BIGSERIAL PRIMARY KEY, {_RECORD_COLUMNS});\n"
    + f"CREATE TABLE IF NOT EXISTS quarantine (qid BIGSERIAL PRIMARY KEY, {_QUARANTINE_COLUMNS});\n"
    + _INDEXES
    + """
CREATE OR REPLACE FUNCTION records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'records are append-only'; END; $$;
DROP TRIGGER IF EXISTS records_no_change ON records;
CREATE TRIGGER records_no_change BEFORE UPDATE OR DELETE ON records
FOR EACH ROW EXECUTE FUNCTION records_append_only();
"""
)

# Exclusion decisions (sync/central/exclusions.py), before the fact triggers that read them.
from sync.central import exclusions as _exclusions  # noqa: E402

SQLITE += _exclusions.TABLE
POSTGRES += _exclusions.TABLE

# The report's fact table, its triggers and the index on records.amends (sync/central/facts.py):
# added after the tables above; a store made before them gets them from facts.ensure_facts.
from sync.central import facts as _facts  # noqa: E402

SQLITE += _facts.SQLITE
POSTGRES += _facts.POSTGRES_NEW

# Verification stamps (sync/central/stamps.py): a store made before them gets the table on open.
from sync.central import stamps as _stamps  # noqa: E402

SQLITE += _stamps.TABLE
POSTGRES += _stamps.TABLE

# The web view's accounts, sessions and access log (sync/central/web_tables.py): a store made
# before them gets them on open.
from sync.central import web_tables as _web  # noqa: E402

SQLITE += _web.SQLITE
POSTGRES += _web.POSTGRES

# The queue of records whose report facts are still to be derived (sync/central/catchup.py):
# a store made before it gets it on open.
from sync.central import catchup as _catchup  # noqa: E402

SQLITE += _catchup.SQLITE
POSTGRES += _catchup.POSTGRES
