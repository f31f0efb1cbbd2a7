"""The local store: one SQLite file (WAL, synchronous=FULL) holding the signed record log.

A save is durable when ``append`` returns. Triggers refuse UPDATE and DELETE of records; the
hash chain and signatures let ``verify`` catch anyone who edits the file with triggers dropped.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storage.identity import KEY_NAME as IDENTITY_KEY_NAME
from storage.identity import (  # noqa: F401 - the errors are re-exported
    AmbiguousProfile,
    KeyLocked,
    Profile,
    ProfilesMixin,
    StoreError,
)
from storage.migrations import APPEND_ONLY_TRIGGERS, migrate
from storage.roster import cohort_display_name, parse_roster
from storage.rows import (  # noqa: F401 - re-exported for callers of storage.store
    ACTIVITY_KINDS,
    AMEND_ACTIVITY,
    AMENDED_ON_ARRIVAL,
    RECORD_COLUMNS,
    VerifyReport,
    activity_row,
    amend_activity_values,
    index_columns,
    row_to_record,
    uuid7,
)
from supervisor_tui.model.canonical import canonical_bytes
from supervisor_tui.reports import projections

# The checklist library and record models (pydantic), the rules and the signing code (PyNaCl)
# are imported where first used: opening a store and reading it (the TUI's roster) needs none of
# them, and importing them costs about 0.2 s of the app's start-up.
if TYPE_CHECKING:
    from checklists.loader import Library
    from storage.context import StoreContext
    from supervisor_tui.model.signing import DeviceKey

DB_NAME = "store.db"
KEY_NAME = IDENTITY_KEY_NAME


class Store(ProfilesMixin):
    """The supervisor's local store in directory ``home`` (profiles and keys: ``ProfilesMixin``)."""

    def __init__(self, home: Path, library: Library | None = None):
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.path = self.home / DB_NAME
        self._library = library
        self.library_problems: list[str] = []
        self._db: Any = None
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA cache_size=-16384")  # 16 MiB; bulk loads raise it (demo_bulk)
        self.conn = conn
        migrate(conn)
        self.triggers_were_missing = self._restore_triggers()
        self._keys: dict[str, DeviceKey] = {}
        self.active: str | None = None  # the profile acting now (None: the only one)
        # Scripts and tests: a locked key is opened with $SUPERVISOR_TUI_PASSPHRASE when set.
        # The app turns this off: a person there always types their passphrase.
        self.env_unlock = True

    @property
    def library(self) -> Library:
        """The checklist library, loaded on first use: unless one was given, the shipped
        checklists plus the valid ones pulled from the central store at the last sync
        (``checklists.pulled``; skipped definitions are listed in ``library_problems``)."""
        if self._library is None:
            from checklists.loader import shipped_library
            from checklists.pulled import with_pulled

            self._library, self.library_problems = with_pulled(shipped_library(), self.home)
        return self._library

    @library.setter
    def library(self, library: Library) -> None:
        self._library = library

    @property
    def loaded_library(self) -> Library | None:
        """The checklist library when something here has loaded it already, else None (so a
        screen that only needs names can take them without loading it)."""
        return self._library

    def _restore_triggers(self) -> bool:
        """Re-create the append-only triggers if someone dropped them; say so in verify."""
        names = {n for (n,) in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        if {"records_no_update", "records_no_delete"} <= names:
            return False
        self.conn.executescript(APPEND_ONLY_TRIGGERS)
        self.conn.execute(
            "INSERT INTO settings VALUES ('triggers_restored_at', strftime('%Y-%m-%dT%H:%M:%SZ','now'))"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        return True

    @property
    def db(self) -> Any:
        """A sqlite-utils view of the same connection, where it says more than hand-written SQL:
        roster upserts and ``verify``'s schema introspection. Signed records never go through it
        (the hot path stays raw ``sqlite3``), nor do drafts and settings (see ``save_draft``).
        Imported on first use (it costs ~12 MB and ~70 ms); its writes run as savepoints inside
        this store's own transactions (``write``)."""
        if self._db is None:
            import sqlite_utils

            # recursive_triggers and plugins would change how this connection behaves
            self._db = sqlite_utils.Database(self.conn, recursive_triggers=False, execute_plugins=False)
        return self._db

    def close(self) -> None:
        self.conn.close()

    def sibling(self) -> Store:
        """Another connection to this store for a thread worker (WAL lets forms keep saving
        while it works), acting as the same profile with the keys unlocked here and the same
        unlock rule: in the app that is the passphrase the person typed, never the
        environment's (a fresh ``Store`` knows neither, and sync from the app said "the key is
        locked")."""
        other = Store(self.home, self._library)
        other.active = self.active
        other.env_unlock = self.env_unlock
        other._keys = dict(self._keys)  # a copy: an idle lock here does not pull it mid-sync
        return other

    # -- transactions ------------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction; committed (and fsynced) when the block exits."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- roster ------------------------------------------------------------------------------
    def import_roster(self, path: Path) -> int:
        rows = parse_roster(path)
        self.upsert_roster(rows)
        return len(rows)

    def upsert_roster(self, rows: Iterable[dict[str, str]], cohort_names: dict[str, str] | None = None) -> None:
        """Add or update staff by id; a new cohort gets its server-given name or one made from
        its id, and an existing cohort's name changes only when a name is given."""
        rows = list(rows)
        cohort_names = cohort_names or {}
        cohorts = sorted({r["cohort"] for r in rows})
        with self.write():
            self.db["cohorts"].insert_all(
                ({"cohort_id": c, "name": cohort_names.get(c) or cohort_display_name(c)} for c in cohorts),
                pk="cohort_id", ignore=True)
            self.db["cohorts"].upsert_all(
                ({"cohort_id": c, "name": cohort_names[c]} for c in cohorts if cohort_names.get(c)),
                pk="cohort_id")
            self.db["staff"].upsert_all(
                ({"staff_id": r["staff_id"], "name": r["name"], "role": r["role"], "cohort_id": r["cohort"]}
                 for r in rows),
                pk="staff_id")

    def roster(self, cohort: str | None = None) -> list[dict[str, str]]:
        sql = "SELECT staff_id, name, role, cohort_id FROM staff"
        params: tuple = ()
        if cohort:
            sql, params = sql + " WHERE cohort_id = ?", (cohort,)
        return [
            {"staff_id": s, "name": n, "role": r, "cohort": c}
            for s, n, r, c in self.conn.execute(sql + " ORDER BY name, staff_id", params)
        ]

    def staff(self, staff_id: str) -> dict[str, str] | None:
        row = self.conn.execute(
            "SELECT staff_id, name, role, cohort_id FROM staff WHERE staff_id = ?", (staff_id,)
        ).fetchone()
        return dict(zip(("staff_id", "name", "role", "cohort_id"), row, strict=True)) if row else None

    def cohorts(self) -> list[dict[str, Any]]:
        return [
            {"cohort_id": c, "name": n, "staff": k}
            for c, n, k in self.conn.execute(
                "SELECT c.cohort_id, c.name, COUNT(s.staff_id) FROM cohorts c"
                " LEFT JOIN staff s ON s.cohort_id = c.cohort_id GROUP BY c.cohort_id ORDER BY c.name"
            )
        ]

    # -- appending ---------------------------------------------------------------------------
    def _head(self, device: str) -> tuple[int, str]:
        row = self.conn.execute(
            "SELECT seq, hash FROM records WHERE device = ? ORDER BY seq DESC LIMIT 1", (device,)
        ).fetchone()
        return (row[0], row[1]) if row else (0, "")

    def insert_signed(self, record: dict[str, Any], body_json: str, *, skip_held: bool = False) -> bool:
        """Insert one signed record (and its activity lookup row); False if already held."""
        verb = "INSERT OR IGNORE" if skip_held else "INSERT"
        cur = self.conn.execute(
            f"{verb} INTO records (id, kind, schema, author, device, seq, prev, created_at, body,"
            " hash, sig, staff_id, cohort_id, ref_id, amends)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (record["id"], record["kind"], record["schema"], record["author"], record["device"],
             record["seq"], record["prev"], record["created_at"], body_json, record["hash"],
             record["sig"], *index_columns(record["kind"], record["body"])),
        )
        if not cur.rowcount:
            return False
        if record["kind"] in ACTIVITY_KINDS:
            self.conn.execute(
                "INSERT INTO record_activity VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                activity_row(cur.lastrowid, record))
            if skip_held:  # a pulled record may arrive after an amendment of it
                self.conn.execute(AMENDED_ON_ARRIVAL, (record["hash"], cur.lastrowid))
        elif record["kind"] == "amendment":
            self.conn.execute(AMEND_ACTIVITY, amend_activity_values(
                record["body"]["amends"], record["created_at"], record["device"], record["seq"], record["body"]))
        return True

    def sign_next_with(self, key: DeviceKey, profile: Profile, kind: str, body: dict[str, Any],
                       now: dt.datetime) -> tuple[dict[str, Any], str]:
        """The next record of ``profile``'s device chain, signed by ``key`` (key rotation)."""
        return self._sign_next(profile, kind, body, now, self._head(profile.device), key=key)

    def _sign_next(self, profile: Profile, kind: str, body: dict[str, Any], now: dt.datetime,
                   head: tuple[int, str], schema: int | None = None,
                   key: DeviceKey | None = None) -> tuple[dict[str, Any], str]:
        from supervisor_tui.model.records import current_schema, utc_now_iso
        from supervisor_tui.model.signing import seal_with_body_json

        unsigned = {
            "id": uuid7(now), "kind": kind, "schema": schema or current_schema(kind), "author": profile.supervisor,
            "device": profile.device, "seq": head[0] + 1, "prev": head[1],
            "created_at": utc_now_iso(now), "body": body,
        }
        body_json = canonical_bytes(body, trusted=True).decode()  # built by pydantic models
        return seal_with_body_json(unsigned, body_json, key or self.key_for(profile.device)), body_json

    def append(self, kind: str, raw_body: Any, now: dt.datetime | None = None,
               schema: int | None = None) -> dict[str, Any]:
        """Validate, derive, sign and durably append one record; return it. ``schema``: an older
        body schema of the kind (tests and imports of old-style records; default the current)."""
        from supervisor_tui.model.rules import prepare_body

        profile = self.require_profile()
        now = now or dt.datetime.now(dt.UTC)
        with self.write():
            context = self.context(now.date())
            body = prepare_body(kind, raw_body, context, schema)
            _refuse_history(context, kind, body)
            record, body_json = self._sign_next(profile, kind, body, now, self._head(profile.device), schema)
            self.insert_signed(record, body_json)
        return record

    def append_many(self, items: Iterable[tuple[str, Any, dt.datetime]]) -> int:
        """Append many records in one transaction (bulk import and demo data)."""
        from supervisor_tui.model.rules import prepare_body

        profile = self.require_profile()
        count = 0
        with self.write():
            head = self._head(profile.device)
            context = self.context(dt.date.min)
            for kind, raw_body, now in items:
                context.today = now.date()
                body = prepare_body(kind, raw_body, context)
                _refuse_history(context, kind, body)
                record, body_json = self._sign_next(profile, kind, body, now, head)
                self.insert_signed(record, body_json)
                head = (record["seq"], record["hash"])
                count += 1
        return count

    def append_prepared(self, items: Iterable[tuple[str, dict[str, Any], dt.datetime]]) -> int:
        """Sign and append bodies that ``rules.prepare_body`` already validated against this
        store (the bulk demo path validates in a worker process). One transaction, a thousand
        rows an insert (``storage/bulk.py``)."""
        from storage.bulk import append_prepared

        return append_prepared(self, items)

    def context(self, today: dt.date) -> StoreContext:
        from storage.context import StoreContext  # the rules' view of this store

        return StoreContext(self, today)

    # -- reading -----------------------------------------------------------------------------
    def _select(self, where: str = "", params: tuple = (), order: str = "rowid") -> list[dict[str, Any]]:
        sql = f"SELECT {', '.join(RECORD_COLUMNS)} FROM records {where} ORDER BY {order}"
        return [row_to_record(r) for r in self.conn.execute(sql, params)]

    def records(self, staff: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        """Full records, oldest first; ``staff`` selects every record touching that person."""
        if staff is not None:
            found = self.records_touching(staff)
            return [r for r in found if kind is None or r["kind"] == kind]
        if kind is not None:
            return self._select("WHERE kind = ?", (kind,), "created_at, device, seq")
        return self._select(order="created_at, device, seq")

    def record_by_hash(self, record_hash: str) -> dict[str, Any] | None:
        found = self._select("WHERE hash = ?", (record_hash,))
        return found[0] if found else None

    def records_touching(self, staff_id: str) -> list[dict[str, Any]]:
        """Every record about a person: theirs, their cohort's, and those referring to them."""
        person = self.staff(staff_id)
        cohort = person["cohort_id"] if person else None
        rows = self._select("WHERE staff_id = ? OR (cohort_id IS NOT NULL AND cohort_id = ?)",
                            (staff_id, cohort))
        return self._with_references(rows)

    def _with_references(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        by_hash = {r["hash"]: r for r in rows}
        refs = {index_columns(r["kind"], r["body"])[2] for r in rows} - {None}
        for chunk in _chunks(sorted(refs), 500):
            marks = ",".join("?" * len(chunk))
            for r in self._select(f"WHERE ref_id IN ({marks})", tuple(chunk)):
                by_hash.setdefault(r["hash"], r)
        for chunk in _chunks(sorted(by_hash), 500):
            marks = ",".join("?" * len(chunk))
            for r in self._select(f"WHERE amends IN ({marks})", tuple(chunk)):
                by_hash.setdefault(r["hash"], r)
        return sorted(by_hash.values(), key=lambda r: (r["created_at"], r["device"], r["seq"]))

    def records_by_ref(self, ref_id: str) -> list[dict[str, Any]]:
        return self._with_references(self._select("WHERE ref_id = ?", (ref_id,)))

    # -- projections -------------------------------------------------------------------------
    def status(self, staff_id: str, today: dt.date | None = None) -> dict[str, Any]:
        """One person's full projection (``statuses`` gives the same for everyone in one pass)."""
        person = self.staff(staff_id)
        if person is None:
            raise StoreError(f"staff_id {staff_id!r} is not on the roster")
        effective = projections.effective_records(self.records_touching(staff_id))
        cohort_id = person["cohort_id"]
        members: dict[str, list] = {}
        if any(e.kind == "pathway_assigned" and e.body.get("cohort_id") == cohort_id for e in effective):
            members = self.member_records([p["staff_id"] for p in self.roster(cohort_id)])
        return projections.staff_status(person, effective, members, today or dt.date.today(), {})

    def member_records(self, staff_ids: list[str], since: str = "") -> dict[str, list[projections.Effective]]:
        """Each person's own records made at or after ``since`` (with amendments applied), for
        counting pathway progress."""
        members = {}
        for sid in staff_ids:
            rows = self._select("WHERE staff_id = ? AND created_at >= ?", (sid, since))
            rows += self._select("WHERE amends IN (SELECT hash FROM records WHERE staff_id = ?)", (sid,))
            members[sid] = projections.effective_records(rows)
        return members

    def statuses(self, today: dt.date | None = None, cohort: str | None = None) -> list[dict[str, Any]]:
        """``status`` of everyone on the roster (or in ``cohort``), in roster order, reading and
        decoding each record once (``storage/statuses.py``)."""
        from storage.statuses import statuses

        return statuses(self, today or dt.date.today(), cohort)

    # -- drafts ------------------------------------------------------------------------------
    # Drafts belong to the active profile: another supervisor on the laptop never sees them.
    def _owner(self) -> str:
        profile = self.profile
        return profile.supervisor if profile else ""

    # Drafts and settings stay hand-written SQL: the TUI writes them all the time (every autosave),
    # and importing sqlite-utils there would cost ~12 MB of resident memory and ~70 ms.
    def save_draft(self, draft_key: str, kind: str, data: dict[str, Any], owner: str | None = None) -> None:
        from supervisor_tui.model.records import utc_now_iso

        with self.write() as conn:
            conn.execute(
                "INSERT INTO drafts VALUES (?, ?, ?, ?, ?) ON CONFLICT(owner, draft_key) DO UPDATE SET"
                " kind=excluded.kind, data=excluded.data, updated_at=excluded.updated_at",
                (self._owner() if owner is None else owner, draft_key, kind, json.dumps(data), utc_now_iso()),
            )

    def load_draft(self, draft_key: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT data FROM drafts WHERE owner = ? AND draft_key = ?",
                                (self._owner(), draft_key)).fetchone()
        return json.loads(row[0]) if row else None

    def discard_draft(self, draft_key: str) -> None:
        with self.write() as conn:
            conn.execute("DELETE FROM drafts WHERE owner = ? AND draft_key = ?", (self._owner(), draft_key))

    def drafts(self) -> list[dict[str, Any]]:
        return [
            {"draft_key": k, "kind": kind, "updated_at": u}
            for k, kind, u in self.conn.execute(
                "SELECT draft_key, kind, updated_at FROM drafts WHERE owner = ? ORDER BY updated_at",
                (self._owner(),))
        ]

    # -- sync bookkeeping --------------------------------------------------------------------
    def unsynced_count(self, supervisor: str | None = None) -> int:
        """Records of the active profile's devices (or ``supervisor``'s) without a receipt."""
        if supervisor is None:
            profile = self.profile
            if profile is None:
                return 0
            supervisor = profile.supervisor
        return self.conn.execute(
            "SELECT COUNT(*) FROM records r WHERE r.device IN (SELECT device FROM own_devices"
            " WHERE supervisor = ?) AND NOT EXISTS (SELECT 1 FROM sync_receipts s WHERE s.hash = r.hash)",
            (supervisor,)).fetchone()[0]

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self.write() as conn:
            conn.execute("INSERT INTO settings VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                         (key, value))

    # -- verification ------------------------------------------------------------------------
    def verify(self, progress: Callable[[int], None] | None = None) -> VerifyReport:
        """Re-check every record's hash, signature, chain and lookup columns."""
        from storage.verify import verify_store

        return verify_store(self, progress)


def _refuse_history(context: StoreContext, kind: str, body: dict[str, Any]) -> None:
    """Raise ``RecordInvalid`` for what the record history forbids (``storage.history``)."""
    problems = context.history_problems(kind, body)
    if problems:
        from supervisor_tui.model.rules import RecordInvalid

        raise RecordInvalid(problems)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
