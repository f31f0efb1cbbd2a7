"""Numbered schema migrations for the local store, applied in order inside a transaction.

Never edit a migration that has shipped: add a new one. Migration 1 is the first schema.
"""

from __future__ import annotations

import sqlite3

APPEND_ONLY_TRIGGERS = """
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'records are append-only: a signed record cannot be updated'); END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records
BEGIN SELECT RAISE(ABORT, 'records are append-only: a signed record cannot be deleted'); END;
"""

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "first schema: records, devices, profile, roster, drafts",
        """
        CREATE TABLE profile (
            singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
            supervisor TEXT NOT NULL,
            name TEXT NOT NULL,
            device TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE devices (
            device TEXT PRIMARY KEY,
            author TEXT NOT NULL,
            public_key TEXT NOT NULL
        );
        CREATE TABLE records (
            rowid INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            schema INTEGER NOT NULL,
            author TEXT NOT NULL,
            device TEXT NOT NULL,
            seq INTEGER NOT NULL,
            prev TEXT NOT NULL,
            created_at TEXT NOT NULL,
            body TEXT NOT NULL,
            hash TEXT NOT NULL UNIQUE,
            sig TEXT NOT NULL,
            staff_id TEXT,
            cohort_id TEXT,
            ref_id TEXT,
            amends TEXT,
            UNIQUE (device, seq)
        );
        CREATE INDEX records_staff ON records (staff_id);
        CREATE INDEX records_cohort ON records (cohort_id) WHERE cohort_id IS NOT NULL;
        CREATE INDEX records_ref ON records (ref_id) WHERE ref_id IS NOT NULL;
        CREATE INDEX records_amends ON records (amends) WHERE amends IS NOT NULL;
        CREATE TABLE cohorts (
            cohort_id TEXT PRIMARY KEY,
            name TEXT NOT NULL
        );
        CREATE TABLE staff (
            staff_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            cohort_id TEXT NOT NULL REFERENCES cohorts (cohort_id)
        );
        CREATE INDEX staff_cohort ON staff (cohort_id);
        CREATE TABLE drafts (
            draft_key TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            data TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        """
        + APPEND_ONLY_TRIGGERS,
    ),
    (
        2,
        "sync state: central receipts and settings",
        """
        CREATE TABLE sync_receipts (
            hash TEXT PRIMARY KEY,
            accepted_at TEXT NOT NULL,
            server TEXT NOT NULL,
            receipt TEXT NOT NULL
        );
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
    ),
    (
        3,
        "record_activity: light lookup columns of activity records for the roster overview",
        """
        CREATE TABLE record_activity (
            rowid INTEGER PRIMARY KEY,
            hash TEXT NOT NULL UNIQUE,
            staff_id TEXT,
            kind TEXT NOT NULL,
            created_at TEXT NOT NULL,
            device TEXT NOT NULL,
            seq INTEGER NOT NULL,
            scenario_id TEXT,
            outcome TEXT,
            shift_date TEXT,
            shift TEXT,
            review TEXT,
            sequence INTEGER,
            amended_at TEXT,
            ord TEXT NOT NULL
        );
        CREATE INDEX record_activity_staff ON record_activity (staff_id, kind, created_at, ord,
            scenario_id, outcome, shift_date, shift, review, sequence, hash);
        CREATE TRIGGER record_activity_insert AFTER INSERT ON records
        WHEN NEW.kind IN ('scenario_check', 'shadow_escalation', 'note_assessment')
        BEGIN
            INSERT INTO record_activity VALUES (
                NEW.rowid, NEW.hash, NEW.staff_id, NEW.kind, NEW.created_at, NEW.device, NEW.seq,
                json_extract(NEW.body, '$.scenario_id'), json_extract(NEW.body, '$.outcome'),
                json_extract(NEW.body, '$.shift_date'), json_extract(NEW.body, '$.shift'),
                json_extract(NEW.body, '$.review'), json_extract(NEW.body, '$.sequence'), NULL,
                NEW.created_at || ' ' || NEW.device || ' ' || printf('%015d', NEW.seq));
        END;
        CREATE TRIGGER record_activity_amend AFTER INSERT ON records
        WHEN NEW.kind = 'amendment'
        BEGIN
            UPDATE record_activity SET
                staff_id = json_extract(NEW.body, '$.body.staff_id'),
                scenario_id = json_extract(NEW.body, '$.body.scenario_id'),
                outcome = json_extract(NEW.body, '$.body.outcome'),
                shift_date = json_extract(NEW.body, '$.body.shift_date'),
                shift = json_extract(NEW.body, '$.body.shift'),
                review = json_extract(NEW.body, '$.body.review'),
                sequence = json_extract(NEW.body, '$.body.sequence'),
                amended_at = NEW.created_at || ' ' || NEW.device || ' ' || printf('%015d', NEW.seq)
            WHERE hash = NEW.amends AND (amended_at IS NULL OR amended_at <=
                NEW.created_at || ' ' || NEW.device || ' ' || printf('%015d', NEW.seq));
        END;
        INSERT INTO record_activity
            SELECT rowid, hash, staff_id, kind, created_at, device, seq,
                json_extract(body, '$.scenario_id'), json_extract(body, '$.outcome'),
                json_extract(body, '$.shift_date'), json_extract(body, '$.shift'),
                json_extract(body, '$.review'), json_extract(body, '$.sequence'), NULL,
                created_at || ' ' || device || ' ' || printf('%015d', seq)
            FROM records WHERE kind IN ('scenario_check', 'shadow_escalation', 'note_assessment');
        UPDATE record_activity SET
            staff_id = (SELECT json_extract(a.body, '$.body.staff_id') FROM records a
                        WHERE a.kind = 'amendment' AND a.amends = record_activity.hash
                        ORDER BY a.created_at DESC, a.device DESC, a.seq DESC LIMIT 1),
            scenario_id = (SELECT json_extract(a.body, '$.body.scenario_id') FROM records a
                        WHERE a.kind = 'amendment' AND a.amends = record_activity.hash
                        ORDER BY a.created_at DESC, a.device DESC, a.seq DESC LIMIT 1),
            outcome = (SELECT json_extract(a.body, '$.body.outcome') FROM records a
                        WHERE a.kind = 'amendment' AND a.amends = record_activity.hash
                        ORDER BY a.created_at DESC, a.device DESC, a.seq DESC LIMIT 1),
            shift_date = (SELECT json_extract(a.body, '$.body.shift_date') FROM records a
                        WHERE a.kind = 'amendment' AND a.amends = record_activity.hash
                        ORDER BY a.created_at DESC, a.device DESC, a.seq DESC LIMIT 1),
            shift = (SELECT json_extract(a.body, '$.body.shift') FROM records a
                        WHERE a.kind = 'amendment' AND a.amends = record_activity.hash
                        ORDER BY a.created_at DESC, a.device DESC, a.seq DESC LIMIT 1),
            review = (SELECT json_extract(a.body, '$.body.review') FROM records a
                        WHERE a.kind = 'amendment' AND a.amends = record_activity.hash
                        ORDER BY a.created_at DESC, a.device DESC, a.seq DESC LIMIT 1),
            sequence = (SELECT json_extract(a.body, '$.body.sequence') FROM records a
                        WHERE a.kind = 'amendment' AND a.amends = record_activity.hash
                        ORDER BY a.created_at DESC, a.device DESC, a.seq DESC LIMIT 1),
            amended_at = ''
        WHERE hash IN (SELECT amends FROM records WHERE kind = 'amendment');
        """,
    ),
    (
        4,
        "record_activity rows are written by the store at insert time, not by a JSON-parsing trigger",
        """
        DROP TRIGGER IF EXISTS record_activity_insert;
        """,
    ),
    (
        5,
        "partial index of the few control records (pathways, restrictions) read by the roster",
        """
        CREATE INDEX IF NOT EXISTS records_control ON records (kind) WHERE kind IN
            ('pathway_assigned', 'pathway_closed', 'restriction_started', 'restriction_reviewed',
             'restriction_lifted');
        """,
    ),
    (
        6,
        "set_aside: pulled records that fail the laptop's own acceptance rules, kept but not used",
        """
        CREATE TABLE IF NOT EXISTS set_aside (
            hash TEXT PRIMARY KEY,
            id TEXT NOT NULL,
            kind TEXT NOT NULL,
            device TEXT NOT NULL,
            seq INTEGER NOT NULL,
            record TEXT NOT NULL,
            reason TEXT NOT NULL,
            set_aside_at TEXT NOT NULL
        );
        CREATE TRIGGER IF NOT EXISTS set_aside_no_update BEFORE UPDATE ON set_aside
        BEGIN SELECT RAISE(ABORT, 'set-aside records are append-only'); END;
        CREATE TRIGGER IF NOT EXISTS set_aside_no_delete BEFORE DELETE ON set_aside
        BEGIN SELECT RAISE(ABORT, 'set-aside records are append-only'); END;
        """,
    ),
    (
        7,
        "the control records' partial index also holds the owners' closure decisions",
        """
        DROP INDEX IF EXISTS records_control;
        CREATE INDEX records_control ON records (kind) WHERE kind IN
            ('pathway_assigned', 'pathway_closed', 'closure_decision', 'restriction_started',
             'restriction_reviewed', 'restriction_lifted');
        """,
    ),
    (
        8,
        "several supervisor profiles per store: profiles, their devices (keys), enrolments,"
        " drafts per owner",
        """
        CREATE TABLE profiles (
            supervisor TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            device TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        );
        CREATE TABLE own_devices (
            device TEXT PRIMARY KEY,
            supervisor TEXT NOT NULL,
            created_at TEXT NOT NULL,
            retired_at TEXT,
            rotated_to TEXT
        );
        CREATE TABLE enrolments (
            device TEXT PRIMARY KEY,
            server TEXT NOT NULL,
            enrolled_at TEXT NOT NULL
        );
        INSERT INTO profiles SELECT supervisor, name, device, created_at FROM profile;
        INSERT INTO own_devices SELECT device, supervisor, created_at, NULL, NULL FROM profile;
        INSERT INTO enrolments SELECT p.device, s.value, strftime('%Y-%m-%dT%H:%M:%SZ','now')
            FROM profile p JOIN settings s ON s.key = 'server_url';
        CREATE TABLE drafts_by_owner (
            owner TEXT NOT NULL,
            draft_key TEXT NOT NULL,
            kind TEXT NOT NULL,
            data TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (owner, draft_key)
        );
        INSERT INTO drafts_by_owner SELECT COALESCE((SELECT supervisor FROM profile), ''),
            draft_key, kind, data, updated_at FROM drafts;
        DROP TABLE drafts;
        ALTER TABLE drafts_by_owner RENAME TO drafts;
        DROP TABLE profile;
        """,
    ),
    (
        9,
        "record_activity rebuilt from the signed records, kept by the store's own writes (no"
        " trigger, no second index on the hash), one index ordered by person, kind and key fields"
        " (``verify`` checks it row by row; ``status --json`` reads it to skip records that cannot"
        " change a status)",
        """
        DROP TRIGGER IF EXISTS record_activity_amend;
        DROP TABLE record_activity;
        CREATE TABLE record_activity (
            rowid INTEGER PRIMARY KEY,
            hash TEXT NOT NULL,
            staff_id TEXT,
            kind TEXT NOT NULL,
            created_at TEXT NOT NULL,
            device TEXT NOT NULL,
            seq INTEGER NOT NULL,
            scenario_id TEXT,
            outcome TEXT,
            shift_date TEXT,
            shift TEXT,
            review TEXT,
            sequence INTEGER,
            amended_at TEXT,
            ord TEXT NOT NULL
        );
        INSERT INTO record_activity
            SELECT rowid, hash, json_extract(body, '$.staff_id'), kind, created_at, device, seq,
                json_extract(body, '$.scenario_id'), json_extract(body, '$.outcome'),
                json_extract(body, '$.shift_date'), json_extract(body, '$.shift'),
                json_extract(body, '$.review'), json_extract(body, '$.sequence'), NULL,
                created_at || ' ' || device || ' ' || printf('%015d', seq)
            FROM records WHERE kind IN ('scenario_check', 'shadow_escalation', 'note_assessment');
        UPDATE record_activity SET
            (staff_id, scenario_id, outcome, shift_date, shift, review, sequence, amended_at) = (
                SELECT json_extract(a.body, '$.body.staff_id'), json_extract(a.body, '$.body.scenario_id'),
                    json_extract(a.body, '$.body.outcome'), json_extract(a.body, '$.body.shift_date'),
                    json_extract(a.body, '$.body.shift'), json_extract(a.body, '$.body.review'),
                    json_extract(a.body, '$.body.sequence'),
                    a.created_at || ' ' || a.device || ' ' || printf('%015d', a.seq)
                FROM records a WHERE a.amends = record_activity.hash
                ORDER BY a.created_at DESC, a.device DESC, a.seq DESC LIMIT 1)
        WHERE hash IN (SELECT amends FROM records WHERE amends IS NOT NULL);
        CREATE INDEX record_activity_key ON record_activity (staff_id, kind, scenario_id, shift_date,
            shift, review, sequence, ord, created_at, outcome, hash);
        """,
    ),
    (
        10,
        "the control records' partial index written as ORs, as the readers' queries are: an IN list"
        " in an index's WHERE is built into a temporary table at every insert into records",
        """
        DROP INDEX IF EXISTS records_control;
        CREATE INDEX records_control ON records (kind) WHERE kind = 'pathway_assigned'
            OR kind = 'pathway_closed' OR kind = 'closure_decision' OR kind = 'restriction_started'
            OR kind = 'restriction_reviewed' OR kind = 'restriction_lifted';
        """,
    ),
    (
        11,
        "record_activity's key index without created_at and hash (the few readers that need them"
        " read the row): a third smaller, so bulk loads write fewer index pages",
        """
        DROP INDEX IF EXISTS record_activity_key;
        CREATE INDEX record_activity_key ON record_activity (staff_id, kind, scenario_id, shift_date,
            shift, review, sequence, ord, outcome);
        """,
    ),
    (
        12,
        "sync receipts: each central receipt held once, the records it covers pointing to it (a"
        " receipt covers a whole batch: it was copied into every record's row), keyed by hash alone",
        """
        CREATE TABLE sync_receipt_texts (
            id INTEGER PRIMARY KEY,
            receipt TEXT NOT NULL UNIQUE
        );
        INSERT INTO sync_receipt_texts (receipt) SELECT DISTINCT receipt FROM sync_receipts ORDER BY receipt;
        CREATE TABLE sync_receipts_by_text (
            hash TEXT PRIMARY KEY,
            accepted_at TEXT NOT NULL,
            server TEXT NOT NULL,
            receipt_id INTEGER NOT NULL REFERENCES sync_receipt_texts (id)
        ) WITHOUT ROWID;
        INSERT INTO sync_receipts_by_text (hash, accepted_at, server, receipt_id)
            SELECT s.hash, s.accepted_at, s.server, t.id
            FROM sync_receipts s JOIN sync_receipt_texts t ON t.receipt = s.receipt;
        DROP TABLE sync_receipts;
        ALTER TABLE sync_receipts_by_text RENAME TO sync_receipts;
        """,
    ),
]

LATEST_VERSION = MIGRATIONS[-1][0]


def current_version(conn: sqlite3.Connection) -> int:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return row[0] or 0


def migrate(conn: sqlite3.Connection, target: int = LATEST_VERSION) -> list[int]:
    """Apply every migration above the current version up to ``target``; return those applied."""
    applied = []
    version = current_version(conn)
    if version > LATEST_VERSION:
        raise RuntimeError(
            f"this store was written by a newer supervisor-tui (schema {version} > {LATEST_VERSION})"
        )
    for number, name, sql in MIGRATIONS:
        if number <= version or number > target:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                (number, name),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(number)
    return applied


def _statements(sql: str) -> list[str]:
    """Split a script into statements, keeping trigger bodies whole."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
