"""The append-only access log: who looked at or downloaded what, when, and from where.

Every view of a person's history, every download, every sign-in (and failed sign-in) and
sign-out is a row; the table refuses UPDATE and DELETE (``sync.central.web_tables``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sync.central import CentralStore
from sync.web.accounts import iso

ACTIONS = {
    "view_staff": "viewed the history",
    "download": "downloaded",
    "login": "signed in",
    "login_failed": "failed sign-in",
    "login_slowed": "sign-in refused (too many failures)",
    "logout": "signed out",
    "password_set": "chose a password",
}
PAGE = 200


def write(central: CentralStore, now: dt.datetime, user: str, role: str, address: str, action: str,
          staff_id: str | None = None, detail: str = "") -> None:
    with central.transaction() as tx:
        tx.execute("INSERT INTO access_log (at, user_name, role, address, action, staff_id, detail)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?)", (iso(now), user[:200], role, address[:100], action,
                                                     staff_id, detail[:500]))


def entries(central: CentralStore, staff: str | None = None, user: str | None = None,
            before: int | None = None, limit: int = PAGE) -> list[dict[str, Any]]:
    """Newest first, optionally only about one person or by one user; ``before`` pages on."""
    where, params = [], []
    if staff:
        where.append("staff_id = ?")
        params.append(staff)
    if user:
        where.append("user_name = ?")
        params.append(user)
    if before:
        where.append("aid < ?")
        params.append(before)
    sql = ("SELECT aid, at, user_name, role, address, action, staff_id, detail FROM access_log"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY aid DESC LIMIT ?")
    with central.reading() as tx:
        rows = tx.all(sql, (*params, limit))
    keys = ("aid", "at", "user", "role", "address", "action", "staff_id", "detail")
    return [dict(zip(keys, r, strict=True)) | {"what": ACTIONS.get(r[5], r[5])} for r in rows]
