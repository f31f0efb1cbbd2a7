"""Web sessions: a random cookie value (only its SHA-256 stored), a CSRF token per session,
30 minutes idle expiry, logout; and the slowing of repeated failed logins.

A session is refused once it has been idle for :data:`IDLE`, once it was ended (logout, the
account reset or disabled), or when its account is no longer active; every request that uses
it moves ``last_seen`` on.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sync.central import CentralStore
from sync.web.accounts import _fold, iso, secret_hash

IDLE = dt.timedelta(minutes=30)
FAIL_WINDOW = dt.timedelta(minutes=15)
FREE_FAILURES = 3  # then each further failure doubles the wait: 2, 4, 8 ... s (at most MAX_WAIT)
MAX_WAIT = 15 * 60


@dataclass(frozen=True)
class Session:
    name: str
    role: str
    csrf: str
    token: str


def create(central: CentralStore, name: str, address: str, now: dt.datetime) -> tuple[str, str]:
    """A new session for ``name``: (cookie value, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with central.transaction() as tx:
        tx.execute("INSERT INTO web_sessions (sid_hash, name, csrf, address, created_at, last_seen)"
                   " VALUES (?, ?, ?, ?, ?, ?)", (secret_hash(token), name, csrf, address, iso(now), iso(now)))
    return token, csrf


def load(central: CentralStore, token: str | None, now: dt.datetime, touch: bool = True) -> Session | None:
    """The live session of cookie value ``token`` (moving its idle clock on), else None."""
    if not token or len(token) > 100:
        return None
    digest = secret_hash(token)
    with central.transaction() as tx:
        row = tx.one("SELECT name, csrf, last_seen, ended_at FROM web_sessions WHERE sid_hash = ?", (digest,))
        if row is None or row[3] is not None:
            return None
        name, csrf, last_seen, _ = row
        if last_seen < iso(now - IDLE):
            tx.execute("UPDATE web_sessions SET ended_at = ? WHERE sid_hash = ?", (iso(now), digest))
            return None
        account = _fold(tx, name)
        if account is None or account.disabled or account.password is None:
            return None
        if touch:
            tx.execute("UPDATE web_sessions SET last_seen = ? WHERE sid_hash = ?", (iso(now), digest))
    return Session(name, account.role, csrf, token)


def end(central: CentralStore, token: str, now: dt.datetime) -> None:
    with central.transaction() as tx:
        tx.execute("UPDATE web_sessions SET ended_at = ? WHERE sid_hash = ? AND ended_at IS NULL",
                   (iso(now), secret_hash(token)))


def wait_seconds(failures: int) -> int:
    """How long a name or address must wait after ``failures`` recent failed logins."""
    if failures < FREE_FAILURES:
        return 0
    return min(2 ** (failures - FREE_FAILURES + 1), MAX_WAIT)


def login_wait(central: CentralStore, name: str, address: str, now: dt.datetime) -> int:
    """Seconds before another login may be tried for this name or from this address (0: now)."""
    since = iso(now - FAIL_WINDOW)
    with central.reading() as tx:
        rows = tx.all("SELECT at FROM access_log WHERE action = 'login_failed' AND at > ?"
                      " AND (user_name = ? OR address = ?) ORDER BY at", (since, name, address))
    if not rows:
        return 0
    last = dt.datetime.strptime(rows[-1][0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    remaining = wait_seconds(len(rows)) - (now - last).total_seconds()
    return max(0, int(remaining + 0.999))
