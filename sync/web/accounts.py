"""Web accounts: names, roles, one-time set-up links and Argon2id password hashes.

An account's state is the fold of its rows in ``web_user_events`` (``sync.central.web_tables``):
``link`` (a set-up link was issued: its SHA-256 and expiry; any earlier password stops working),
``password`` (the person chose a password through the link: its Argon2id hash from PyNaCl's
``pwhash``), ``disabled``. Nothing is updated or deleted. There is no default account and no
password is ever put in a URL or a log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

import nacl.exceptions
import nacl.pwhash

from sync.central import CentralError, CentralStore

ROLES = ("viewer", "auditor", "admin")
RANK = {role: i for i, role in enumerate(ROLES)}
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
LINK_HOURS = 72
_OPS, _MEM = nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE, nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE
# verified against when a name is unknown, so a wrong name costs as long as a wrong password
_DUMMY = nacl.pwhash.argon2id.str(b"no such account, no such password", opslimit=_OPS, memlimit=_MEM)


def iso(moment: dt.datetime) -> str:
    """UTC timestamp text that sorts in time order (microseconds, ``Z``)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    return nacl.pwhash.argon2id.str(password.encode("utf-8"), opslimit=_OPS, memlimit=_MEM).decode("ascii")


def password_matches(stored: str | None, password: str) -> bool:
    try:
        return nacl.pwhash.verify((stored or _DUMMY.decode()).encode("ascii"), password.encode("utf-8")) \
            and stored is not None
    except nacl.exceptions.InvalidkeyError:
        return False


def password_problem(password: str, repeated: str) -> str | None:
    """Why a chosen password is refused (in the form's words), or None."""
    if len(password) < MIN_PASSWORD:
        return f"The password must be at least {MIN_PASSWORD} characters long."
    if len(password) > MAX_PASSWORD:
        return f"The password must be at most {MAX_PASSWORD} characters long."
    if password != repeated:
        return "The two passwords are not the same."
    return None


@dataclass
class Account:
    name: str
    role: str
    created_at: str
    password: str | None = None
    link_hash: str | None = None
    link_expires_at: str | None = None
    disabled: bool = False
    last_event_at: str = ""

    def state(self, now: str) -> str:
        if self.disabled:
            return "disabled"
        if self.password:
            return "active"
        if self.link_hash and self.link_expires_at and self.link_expires_at > now:
            return "set-up link sent"
        return "set-up link expired"

    def as_json(self, now: str) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "created_at": self.created_at,
                "state": self.state(now), "link_expires_at": self.link_expires_at
                if not self.password and not self.disabled else None}


def check_name(name: str) -> str:
    if not NAME_RE.match(name or ""):
        raise CentralError(f"--name {name!r}: the sign-in name, 1-64 letters, digits or _.@- with no spaces"
                           " (starting with a letter or digit), e.g. dana.lee")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise CentralError(f"--role {role!r}: use one of {', '.join(ROLES)}")
    return role


def _fold(tx: Any, name: str) -> Account | None:
    row = tx.one("SELECT name, role, created_at FROM web_users WHERE name = ?", (name,))
    if row is None:
        return None
    account = Account(*row)
    for event, secret, expires_at, at in tx.all(
            "SELECT event, secret, expires_at, at FROM web_user_events WHERE name = ? ORDER BY eid", (name,)):
        account.last_event_at = at
        if event == "link":
            account.link_hash, account.link_expires_at, account.password = secret, expires_at, None
            account.disabled = False  # a reset link re-opens a disabled account
        elif event == "password":
            account.password, account.link_hash, account.disabled = secret, None, False
        elif event == "disabled":
            account.disabled, account.link_hash = True, None
    return account


def account(central: CentralStore, name: str) -> Account | None:
    with central.reading() as tx:
        return _fold(tx, name)


def _new_link(tx: Any, name: str, now: dt.datetime, hours: int) -> str:
    token = secrets.token_urlsafe(32)
    tx.execute("INSERT INTO web_user_events (name, event, secret, expires_at, at) VALUES (?, 'link', ?, ?, ?)",
               (name, secret_hash(token), iso(now + dt.timedelta(hours=hours)), iso(now)))
    return token


def add_user(central: CentralStore, name: str, role: str, now: dt.datetime | None = None,
             hours: int = LINK_HOURS) -> str:
    """Create an account; returns the one-time set-up token (only its hash is stored)."""
    check_name(name)
    check_role(role)
    now = now or now_utc()
    with central.transaction() as tx:
        if tx.one("SELECT 1 FROM web_users WHERE name = ?", (name,)):
            raise CentralError(f"an account named {name!r} already exists (use 'user reset' for a new link)")
        tx.execute("INSERT INTO web_users (name, role, created_at) VALUES (?, ?, ?)", (name, role, iso(now)))
        return _new_link(tx, name, now, hours)


def reset_user(central: CentralStore, name: str, now: dt.datetime | None = None, hours: int = LINK_HOURS) -> str:
    """A new set-up link; the old password (and any earlier link) stops working, sessions end;
    a disabled account becomes usable again once the link is used."""
    now = now or now_utc()
    with central.transaction() as tx:
        if _fold(tx, name) is None:
            raise CentralError(f"no account named {name!r} (see 'governance-store user list')", 404)
        token = _new_link(tx, name, now, hours)
        _end_sessions(tx, name, now)
        return token


def disable_user(central: CentralStore, name: str, now: dt.datetime | None = None) -> Account:
    now = now or now_utc()
    with central.transaction() as tx:
        found = _fold(tx, name)
        if found is None:
            raise CentralError(f"no account named {name!r} (see 'governance-store user list')", 404)
        if not found.disabled:
            tx.execute("INSERT INTO web_user_events (name, event, at) VALUES (?, 'disabled', ?)", (name, iso(now)))
        _end_sessions(tx, name, now)
        return _fold(tx, name)  # type: ignore[return-value]


def _end_sessions(tx: Any, name: str, now: dt.datetime) -> None:
    tx.execute("UPDATE web_sessions SET ended_at = ? WHERE name = ? AND ended_at IS NULL", (iso(now), name))


def list_users(central: CentralStore) -> list[Account]:
    with central.reading() as tx:
        names = [r[0] for r in tx.all("SELECT name FROM web_users ORDER BY name")]
        return [a for a in (_fold(tx, n) for n in names) if a is not None]


def link_account(central: CentralStore, token: str, now: dt.datetime | None = None) -> Account | None:
    """The account whose current, unexpired set-up link is ``token``, else None."""
    now_text = iso(now or now_utc())
    digest = secret_hash(token)
    with central.reading() as tx:
        row = tx.one("SELECT name FROM web_user_events WHERE secret = ? AND event = 'link'", (digest,))
        found = _fold(tx, row[0]) if row else None
    if found is None or found.link_hash != digest or found.disabled:
        return None
    return found if (found.link_expires_at or "") > now_text else None


def complete_setup(central: CentralStore, token: str, password: str, now: dt.datetime | None = None) -> Account:
    """Set the password through a set-up link (used once). Raises CentralError when the link
    is unknown, used or expired; the caller checks the password first."""
    now = now or now_utc()
    hashed = hash_password(password)
    with central.transaction() as tx:
        row = tx.one("SELECT name FROM web_user_events WHERE secret = ? AND event = 'link'", (secret_hash(token),))
        found = _fold(tx, row[0]) if row else None
        if (found is None or found.link_hash != secret_hash(token) or found.disabled
                or (found.link_expires_at or "") <= iso(now)):
            raise CentralError("This set-up link is not valid any more: ask an administrator for a new one.", 403)
        tx.execute("INSERT INTO web_user_events (name, event, secret, at) VALUES (?, 'password', ?, ?)",
                   (found.name, hashed, iso(now)))
        return _fold(tx, found.name)  # type: ignore[return-value]


def authenticate(central: CentralStore, name: str, password: str) -> Account | None:
    """The active account when ``password`` is its password (Argon2id), else None."""
    found = account(central, name) if NAME_RE.match(name or "") else None
    usable = found is not None and not found.disabled and found.password is not None
    ok = password_matches(found.password if usable and found else None, password[:MAX_PASSWORD])
    return found if ok and usable else None
