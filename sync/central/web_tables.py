"""Tables of the governance web view (``sync.web``): accounts, sessions and the access log.

``web_users`` holds a name and role per account; everything that happens to an account (a
set-up link issued, a password chosen, the account disabled) is a row appended to
``web_user_events`` and the account's state is the fold of its events, so no account row is
ever changed. ``access_log`` is append-only (triggers refuse UPDATE and DELETE). ``web_sessions``
is the one table updated in place: a session's ``last_seen`` (for the idle expiry) and
``ended_at`` (logout); it holds no evidence, only the SHA-256 of each session cookie.
"""

from __future__ import annotations

_COMMON = """
CREATE TABLE IF NOT EXISTS web_users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS web_sessions (
    sid_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES web_users (name),
    csrf TEXT NOT NULL,
    address TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    ended_at TEXT
);
"""

_EVENTS = """
    name TEXT NOT NULL REFERENCES web_users (name),
    event TEXT NOT NULL,
    secret TEXT,
    expires_at TEXT,
    at TEXT NOT NULL
"""

_ACCESS = """
    at TEXT NOT NULL,
    user_name TEXT NOT NULL,
    role TEXT NOT NULL,
    address TEXT NOT NULL,
    action TEXT NOT NULL,
    staff_id TEXT,
    detail TEXT NOT NULL
"""

_INDEXES = """
CREATE INDEX IF NOT EXISTS web_user_events_name ON web_user_events (name, eid);
CREATE INDEX IF NOT EXISTS web_user_events_secret ON web_user_events (secret);
CREATE INDEX IF NOT EXISTS access_log_staff ON access_log (staff_id, aid);
CREATE INDEX IF NOT EXISTS access_log_user ON access_log (user_name, aid);
CREATE INDEX IF NOT EXISTS access_log_action ON access_log (action, at);
"""

SQLITE = (
    _COMMON
    + f"CREATE TABLE IF NOT EXISTS web_user_events (eid INTEGER PRIMARY KEY AUTOINCREMENT, {_EVENTS});\n"
    + f"CREATE TABLE IF NOT EXISTS access_log (aid INTEGER PRIMARY KEY AUTOINCREMENT, {_ACCESS});\n"
    + _INDEXES
    + "".join(f"""
CREATE TRIGGER IF NOT EXISTS {t}_no_update BEFORE UPDATE ON {t}
BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END;
CREATE TRIGGER IF NOT EXISTS {t}_no_delete BEFORE DELETE ON {t}
BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END;
""" for t in ("web_user_events", "access_log", "web_users"))
)

POSTGRES = (
    _COMMON
    + f"CREATE TABLE IF NOT EXISTS web_user_events (eid BIGSERIAL PRIMARY KEY, {_EVENTS});\n"
    + f"CREATE TABLE IF NOT EXISTS access_log (aid BIGSERIAL PRIMARY KEY, {_ACCESS});\n"
    + _INDEXES
    + """
CREATE OR REPLACE FUNCTION web_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$;
"""
    + "".join(f"""
DROP TRIGGER IF EXISTS {t}_no_change ON {t};
CREATE TRIGGER {t}_no_change BEFORE UPDATE OR DELETE ON {t}
FOR EACH ROW EXECUTE FUNCTION web_append_only();
""" for t in ("web_user_events", "access_log", "web_users"))
)
