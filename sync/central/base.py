"""The central store: one interface, SQL shared by the SQLite and PostgreSQL backends.

SQL here is written with ``?`` placeholders; the PostgreSQL backend rewrites them to ``%s``.
Every push runs in one transaction (all of a batch's writes or none), holding a per-device lock so
that concurrent pushes from the same device (or several server instances) cannot interleave.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from supervisor_tui.model.checks import (
    BatchOutcome,
    BodyCheck,
    Verifier,
    body_checks,
    encode_batch,
    envelope_problem,
    evaluate_batch,
)
from supervisor_tui.model.records import utc_now_iso
from sync.central.catchup import queue
from sync.central.exclusions import LIVE
from sync.central.facts import WORK_KINDS
from sync.central.rows import (  # noqa: F401 - re-exported for callers of sync.central.base
    INSERT_COLUMNS,
    RECORD_FIELDS,
    CentralVerifyReport,
    _index,
    row_to_record,
)
from sync.central.stamps import Stamper
from sync.central.turns import Turns

_SELECT = "SELECT id, kind, schema, author, device, seq, prev, created_at, body, hash, sig FROM records"
RESTRICTION_KINDS = ("restriction_started", "restriction_reviewed", "restriction_lifted")
PATHWAY_KINDS = ("pathway_assigned", "pathway_closed", "closure_decision", "pack_reviewed")


class CentralError(Exception):
    """A request the central store refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class DeviceInfo:
    device: str
    supervisor: str
    public_key: str
    enrolled_at: str
    revoked_at: str | None = None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Tx:
    """A thin cursor facade over either driver inside one transaction."""

    def __init__(self, conn: Any, rewrite: bool):
        self.conn = conn
        self.rewrite = rewrite

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.rewrite else sql

    def execute(self, sql: str, params: tuple | list = ()) -> Any:
        if self.rewrite and not params:  # psycopg leaves a query without parameters as written
            return self.conn.execute(sql)  # (a literal ``LIKE '%…%'`` stays a pattern)
        return self.conn.execute(self._sql(sql), params)

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.rewrite:
            with self.conn.cursor() as cur:
                cur.executemany(self._sql(sql), rows)
        else:
            self.conn.executemany(sql, rows)

    def one(self, sql: str, params: tuple | list = ()) -> Any:
        return self.execute(sql, params).fetchone()

    def all(self, sql: str, params: tuple | list = ()) -> list[Any]:
        return list(self.execute(sql, params).fetchall())


class CentralStore(ABC):
    """The organisation's store of signed records, devices, tokens and roster."""

    url: str
    # Set by whoever holds the server key (``serve``, ``export``, ``verify``): then every record
    # accepted gets a verification stamp (``sync.central.stamps``).
    stamper: Stamper | None = None
    # True once the report's summary tables exist (``sync.central.summary``); then every
    # catch-up of the facts (``sync.central.catchup``) folds its fact changes into them.
    summary_ready: bool = False
    # The laptop's acceptance rules with the checklists this store serves (set by ``serve``;
    # None: the shipped checklists). See ``supervisor_tui.model.acceptance``.
    body_check: BodyCheck | None = None
    turns: Turns  # pushes at work per device in this process (pipelined batches wait their turn)

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Tx]:
        """One write transaction (committed on exit, rolled back on error)."""

    @abstractmethod
    def lock_device(self, tx: Tx, device: str) -> None:
        """Serialise pushes of one device until the transaction ends."""

    @abstractmethod
    def close(self) -> None: ...

    def reading(self) -> AbstractContextManager[Tx]:
        return self.transaction()

    # -- tokens and devices ------------------------------------------------------------------
    def create_token(self, supervisor: str, valid_hours: int = 72) -> str:
        token = secrets.token_hex(20)  # hex: never starts with "-" (argparse would read a flag)
        now = dt.datetime.now(dt.UTC)
        with self.transaction() as tx:
            tx.execute("INSERT INTO enrol_tokens (token_hash, supervisor, created_at, expires_at)"
                       " VALUES (?, ?, ?, ?)", (token_hash(token), supervisor, utc_now_iso(now),
                                                utc_now_iso(now + dt.timedelta(hours=valid_hours))))
        return token

    def enrol(self, token: str, device: str, supervisor: str, public_key: str) -> DeviceInfo:
        """Register ``device`` with ``public_key`` for the token's supervisor (token used once)."""
        now = utc_now_iso()
        with self.transaction() as tx:
            row = tx.one("SELECT supervisor, expires_at, used_at, used_by FROM enrol_tokens"
                         " WHERE token_hash = ?", (token_hash(token),))
            if row is None:
                raise CentralError("enrolment token not recognised", 403)
            token_sup, expires_at, used_at, used_by = row
            existing = self._device(tx, device)
            if used_at is not None and not (used_by == device and existing
                                            and existing.public_key == public_key):
                raise CentralError("enrolment token was already used", 403)
            if expires_at < now:
                raise CentralError("enrolment token has expired; ask for a new one", 403)
            if token_sup != supervisor:
                raise CentralError(f"this token was issued for supervisor {token_sup}, not {supervisor}", 403)
            info, created = self._register(tx, existing, device, supervisor, public_key, now)
            if created:
                tx.execute("UPDATE enrol_tokens SET used_at = ?, used_by = ? WHERE token_hash = ?",
                           (now, device, token_hash(token)))
            return info

    def enrol_rotated(self, rotated_from: str, device: str, supervisor: str, public_key: str) -> DeviceInfo:
        """Enrol the new device of a key rotation: ``rotated_from`` (enrolled, not revoked, the
        same supervisor) must hold a ``key_rotated`` record naming this device and public key."""
        now = utc_now_iso()
        with self.transaction() as tx:
            old = self._device(tx, rotated_from)
            if old is None or old.supervisor != supervisor:
                raise CentralError(f"device {rotated_from} is not an enrolled device of {supervisor}", 403)
            if old.revoked_at is not None:
                raise CentralError(f"device {rotated_from} was revoked; a rotation from it is refused", 403)
            closing = [json.loads(body) for (body,) in tx.all(
                "SELECT body FROM records WHERE device = ? AND kind = 'key_rotated'", (rotated_from,))]
            if not any(b.get("new_device") == device and b.get("new_public_key") == public_key
                       for b in closing):
                raise CentralError(f"no key_rotated record of device {rotated_from} names device {device}"
                                   " with this public key: sync the old device first, or ask for an"
                                   " enrolment token", 403)
            return self._register(tx, self._device(tx, device), device, supervisor, public_key, now)[0]

    def _register(self, tx: Tx, existing: DeviceInfo | None, device: str, supervisor: str, public_key: str,
                  now: str) -> tuple[DeviceInfo, bool]:
        """Insert a device (True) or return the same one already enrolled (False); another key
        for the device, or this key for another device, is refused."""
        if existing is not None:
            if existing.public_key != public_key or existing.supervisor != supervisor:
                raise CentralError(f"device {device} is already enrolled with another key", 409)
            return existing, False
        if tx.one("SELECT 1 FROM devices WHERE public_key = ?", (public_key,)):
            raise CentralError("this public key is already enrolled for another device", 409)
        tx.execute("INSERT INTO devices (device, supervisor, public_key, enrolled_at) VALUES (?, ?, ?, ?)",
                   (device, supervisor, public_key, now))
        return DeviceInfo(device, supervisor, public_key, now), True

    def _device(self, tx: Tx, device: str) -> DeviceInfo | None:
        row = tx.one("SELECT d.device, d.supervisor, d.public_key, d.enrolled_at, r.revoked_at"
                     " FROM devices d LEFT JOIN revocations r ON r.device = d.device"
                     " WHERE d.device = ?", (device,))
        return DeviceInfo(*row) if row else None

    def device(self, device: str) -> DeviceInfo | None:
        with self.reading() as tx:
            return self._device(tx, device)

    def devices(self) -> list[DeviceInfo]:
        with self.reading() as tx:
            rows = tx.all("SELECT d.device, d.supervisor, d.public_key, d.enrolled_at, r.revoked_at"
                          " FROM devices d LEFT JOIN revocations r ON r.device = d.device"
                          " ORDER BY d.enrolled_at, d.device")
        return [DeviceInfo(*r) for r in rows]

    def revoke(self, device: str, reason: str = "revoked by an administrator") -> DeviceInfo:
        with self.transaction() as tx:
            info = self._device(tx, device)
            if info is None:
                raise CentralError(f"no enrolled device {device!r}", 404)
            if info.revoked_at is None:
                tx.execute("INSERT INTO revocations (device, revoked_at, reason) VALUES (?, ?, ?)",
                           (device, utc_now_iso(), reason))
            return self._device(tx, device)  # type: ignore[return-value]

    # -- push --------------------------------------------------------------------------------
    def push(self, device: DeviceInfo, records: list[Any], verifier: Verifier | None = None,
             strict_json: bool = False, pipelined: bool = False) -> BatchOutcome:
        """Check and store one batch in one transaction; return every record's fate.

        ``strict_json``: the records were parsed by ``checks.parse_strict`` (allows a faster
        canonical encoding). ``pipelined``: the laptop sent this batch before the answer to its
        previous one; should it start beyond the held head, it waits for that one to be
        written first (``sync.central.turns``) instead of being answered "gap" at once."""
        # the acceptance rules' quick path first: a body it accepts is within the shape limits
        # too (not walked again by the envelope check) and needs no full check (``body_checks``)
        fast = getattr(self.body_check, "fast", None)
        accepted = frozenset(i for i, r in enumerate(records) if fast is not None and fast(r))
        problems = [f"records[{i}]: {p}" for i, r in enumerate(records)
                    if (p := envelope_problem(r, shaped=i in accepted))]
        if problems:
            raise CentralError("; ".join(problems[:10]), 400)
        verifier = verifier or Verifier()
        with self.turns.pushing(device.device):
            # Signatures are verified on the pool threads while this thread checks the batch and
            # writes it (optimistically: as if every signature verifies); all are known before
            # COMMIT, and should one fail, the writes are rolled back to the savepoint and the batch
            # decided again with the real results (the fates are then exactly as if verified first).
            encoded, check = encode_batch(records, device.device, device.supervisor, {}, strict_json, shaped=True)
            verified = verifier.submit_many(device.public_key, [(encoded[i][0], records[i]["sig"]) for i in check])
            # the acceptance rules of every record that depends on nothing held, before the lock
            # (a pipelined batch is checked while the one before it is written)
            checked = body_checks(records, check, self.body_check, shaped=True, accepted=accepted)
            first = min((r["seq"] for r in records), default=0) if pipelined else None
            started = time.monotonic()
            while (outcome := self._push_once(device, records, verifier, strict_json, encoded, check, verified,
                                              checked, first, started)) is None:
                self.turns.wait()
        return outcome

    def _push_once(self, device: DeviceInfo, records: list[Any], verifier: Verifier, strict_json: bool,
                   encoded: list, check: list[int], verified: Any, checked: dict[int, list[str]],
                   first: int | None, started: float) -> BatchOutcome | None:
        """Decide and write the batch in one transaction; None (nothing written, the device's
        lock let go) when it is a pipelined batch whose turn has not come yet."""
        now = utc_now_iso()
        with self.transaction() as tx:
            self.lock_device(tx, device.device)
            if tx.one("SELECT 1 FROM revocations WHERE device = ?", (device.device,)):
                raise CentralError(f"device {device.device} has been revoked", 403)
            row = tx.one("SELECT seq, hash FROM records WHERE device = ? ORDER BY seq DESC LIMIT 1",
                         (device.device,))
            head = (row[0], row[1]) if row else (0, "")
            if first is not None and first > head[0] + 1 and self.turns.worth_waiting(device.device, started):
                return None
            held = {}
            low = [r["seq"] for r in records if r["seq"] <= head[0]]
            if low:
                held = dict(tx.all("SELECT seq, hash FROM records WHERE device = ? AND seq BETWEEN ? AND ?",
                                   (device.device, min(low), max(low))))
            def held_record(record_hash: str) -> dict[str, Any] | None:
                row = tx.one("SELECT kind, schema, body FROM records WHERE hash = ?", (record_hash,))
                if row is None:
                    return None
                return {"kind": row[0], "schema": row[1], "body": json.loads(row[2])}

            def decide_and_write(valid: dict[int, bool]) -> BatchOutcome:
                outcome = evaluate_batch(records, device.device, device.supervisor, device.public_key, head,
                                         held, verifier, strict_json, self.body_check, held_record,
                                         encoded=encoded, valid=valid, shaped=True, checked=checked)
                _refuse_after_rotation(tx, device.device, outcome, head)
                self._write_batch(tx, device, outcome, now)
                return outcome

            tx.execute("SAVEPOINT push_batch")
            outcome = decide_and_write(dict.fromkeys(check, True))
            valid = dict(zip(check, verified(), strict=True))
            if not all(valid.values()):
                tx.execute("ROLLBACK TO SAVEPOINT push_batch")
                outcome = decide_and_write(valid)
            tx.execute("RELEASE SAVEPOINT push_batch")
        return outcome

    def _write_batch(self, tx: Tx, device: DeviceInfo, outcome: BatchOutcome, now: str) -> None:
        """Insert the accepted records, queue their report facts (each work record and each
        record an amendment amends, in ``facts_pending``: derived by ``catchup.catch_up``
        before any reader reads them), quarantine forks. Each row carries its verification
        stamp (``records.stamp``) when the store has a stamper."""
        self.insert_quarantine(tx, [
            (r["device"], r["seq"], r["hash"], reason, json.dumps(r, ensure_ascii=False), now)
            for r, reason in outcome.quarantine])
        if not outcome.insert:
            return
        rows, queued = [], []
        stamp = self.stamper.stamp if self.stamper is not None else None
        key = device.public_key
        for r, body in outcome.insert:
            index = _index(r)
            rows.append((r["id"], r["kind"], r["schema"], r["author"], r["device"], r["seq"], r["prev"],
                         r["created_at"], body, r["hash"], r["sig"], *index, now,
                         stamp(r["hash"], r["sig"], key) if stamp else None))
            if r["kind"] in WORK_KINDS:
                queued.append(r["hash"])
            elif r["kind"] == "amendment" and index[3]:
                queued.append(index[3])
        self.insert_records(tx, rows)
        queue(tx, queued)

    def insert_records(self, tx: Tx, rows: list[tuple]) -> None:
        """Insert ``records`` rows (``INSERT_COLUMNS`` order); PostgreSQL uses COPY."""
        tx.executemany(f"INSERT INTO records ({', '.join(INSERT_COLUMNS)})"
                       f" VALUES ({','.join('?' * len(INSERT_COLUMNS))})", rows)

    @abstractmethod
    def insert_quarantine(self, tx: Tx, rows: list[tuple]) -> None:
        """Insert quarantined records, ignoring ones already held (by hash)."""

    def quarantined(self) -> list[dict[str, Any]]:
        with self.reading() as tx:
            rows = tx.all("SELECT device, seq, hash, reason, record, received_at FROM quarantine ORDER BY qid")
        return [{"device": d, "seq": s, "hash": h, "reason": r, "record": json.loads(rec), "received_at": t}
                for d, s, h, r, rec, t in rows]

    # -- roster ------------------------------------------------------------------------------
    def import_roster(self, rows: list[dict[str, str]], cohort_names: dict[str, str] | None = None) -> int:
        from storage.roster import cohort_display_name

        names = cohort_names or {}
        with self.transaction() as tx:
            for cohort in sorted({r["cohort"] for r in rows}):
                name = names.get(cohort) or cohort_display_name(cohort)
                if tx.one("SELECT 1 FROM cohorts WHERE cohort_id = ?", (cohort,)):
                    if cohort in names:
                        tx.execute("UPDATE cohorts SET name = ? WHERE cohort_id = ?", (name, cohort))
                else:
                    tx.execute("INSERT INTO cohorts (cohort_id, name) VALUES (?, ?)", (cohort, name))
            tx.executemany("INSERT INTO staff (staff_id, name, role, cohort_id) VALUES (?, ?, ?, ?)"
                           " ON CONFLICT (staff_id) DO UPDATE SET name = excluded.name,"
                           " role = excluded.role, cohort_id = excluded.cohort_id",
                           [(r["staff_id"], r["name"], r["role"], r["cohort"]) for r in rows])
        return len(rows)

    def roster(self) -> tuple[list[dict[str, str]], dict[str, str]]:
        with self.reading() as tx:
            staff = tx.all("SELECT staff_id, name, role, cohort_id FROM staff ORDER BY staff_id")
            cohorts = tx.all("SELECT cohort_id, name FROM cohorts ORDER BY cohort_id")
        rows = [{"staff_id": s, "name": n, "role": r, "cohort": c} for s, n, r, c in staff]
        return rows, dict(cohorts)

    # -- reading -----------------------------------------------------------------------------
    def records(self, staff: str | None = None) -> list[dict[str, Any]]:
        """Every held record (full envelope), or those touching one staff member."""
        with self.reading() as tx:
            if staff is None:
                return [row_to_record(r) for r in tx.all(_SELECT + f" WHERE {LIVE} ORDER BY pos")]
            cohort = tx.one("SELECT cohort_id FROM staff WHERE staff_id = ?", (staff,))
            rows = tx.all(_SELECT + f" WHERE {LIVE} AND (staff_id = ? OR (cohort_id IS NOT NULL AND cohort_id = ?))",
                          (staff, cohort[0] if cohort else None))
            found = {r[9]: row_to_record(r) for r in rows}
            refs = sorted({_index(r)[2] for r in found.values()} - {None})
            for ref in refs:
                for r in tx.all(_SELECT + f" WHERE {LIVE} AND ref_id = ?", (ref,)):
                    found.setdefault(r[9], row_to_record(r))
            for h in sorted(found):
                for r in tx.all(_SELECT + f" WHERE {LIVE} AND amends = ?", (h,)):
                    found.setdefault(r[9], row_to_record(r))
        return sorted(found.values(), key=lambda r: (r["created_at"], r["device"], r["seq"]))

    def count(self) -> int:
        with self.reading() as tx:
            return tx.one("SELECT COUNT(*) FROM records")[0]

    def head(self, device: str) -> tuple[int, str]:
        with self.reading() as tx:
            row = tx.one("SELECT seq, hash FROM records WHERE device = ? ORDER BY seq DESC LIMIT 1", (device,))
        return (row[0], row[1]) if row else (0, "")

    def pull(self, device: DeviceInfo, after: int = 0, limit: int = 1000) -> dict[str, Any]:
        """Other devices' records this supervisor needs, in arrival order after ``after``."""
        kinds = RESTRICTION_KINDS + PATHWAY_KINDS
        with self.reading() as tx:
            # A pull's cost follows what it returns, not the store's size: one index lookup per
            # condition (kind, staff, cohort), each reading the whole rows it matches (their
            # union is the answer), the staff and cohorts read first and named as lists. (As
            # "pos IN (subqueries)", PostgreSQL could not tell how few they were and read every
            # record to join them: pulls slowed as the store grew, bench/central_load.py.)
            mine = "SELECT DISTINCT staff_id FROM records WHERE author = ? AND staff_id IS NOT NULL"
            staff = [s for (s,) in tx.all(mine, (device.supervisor,))]
            staff_in = _named(staff, mine, [device.supervisor])
            ours = f"SELECT DISTINCT cohort_id FROM staff WHERE staff_id IN ({staff_in[0]}) AND cohort_id IS NOT NULL"
            cohorts = [c for (c,) in tx.all(ours, tuple(staff_in[1]))] if staff else []
            cols = "pos, id, kind, schema, author, device, seq, prev, created_at, body, hash, sig"
            # (a first page has no lower bound: "pos > 0", every row, made PostgreSQL read the
            # whole primary key to intersect it with each branch's index)
            tail = f"{' AND pos > ?' if after else ''} AND device <> ? AND {LIVE}"
            conditions = [(f"kind IN ({_marks(kinds)})", list(kinds)),
                          ("kind = 'amendment' AND ref_id IS NOT NULL", [])]
            if staff:
                conditions.append((f"staff_id IN ({staff_in[0]})", staff_in[1]))
            if cohorts:
                cohort_in = _named(cohorts, ours, staff_in[1])
                conditions.append((f"cohort_id IN ({cohort_in[0]})", cohort_in[1]))
            sql = " UNION ".join(f"SELECT {cols} FROM records WHERE {where}{tail}" for where, _ in conditions)
            bounds = [after] if after else []
            params = [p for _, values in conditions for p in (*values, *bounds, device.device)]
            rows = tx.all(f"{sql} ORDER BY pos LIMIT ?", (*params, limit + 1))
            more = len(rows) > limit
            rows = rows[:limit]
            records = [row_to_record(r[1:]) for r in rows]
            devices = sorted({r["device"] for r in records})
            keys = {}
            for d in devices:
                info = self._device(tx, d)
                if info is not None:
                    keys[d] = {"supervisor": info.supervisor, "public_key": info.public_key,
                               "revoked_at": info.revoked_at}
        return {"records": records, "devices": keys, "more": more,
                "next_after": rows[-1][0] if rows else after}

    # -- verification ------------------------------------------------------------------------
    def verify(self, fill_stamps: bool = True, key_path: str | None = None) -> CentralVerifyReport:
        """Re-check every held record's hash, signature, device binding, chain and lookups
        (``sync.central.verify``); with a stamper, stamp the records that pass and have none."""
        from sync.central.verify import verify_store

        return verify_store(self, self.stamper if fill_stamps else None, key_path)


_LISTED = 1000  # staff or cohorts a pull names in its statement (more: read by a subquery)


def _named(values: list[str], subquery: str, subquery_params: list[str]) -> tuple[str, list[str]]:
    """What goes inside ``IN (...)`` and its parameters: the values themselves, or beyond
    ``_LISTED`` of them (no real team) the subquery that found them, keeping the statement small."""
    return (_marks(values), values) if len(values) <= _LISTED else (subquery, subquery_params)


def _marks(values: Any) -> str:
    return ",".join("?" * len(values))


def _refuse_after_rotation(tx: Tx, device: str, outcome: BatchOutcome, head: tuple[int, str]) -> None:
    """A ``key_rotated`` record closes its device's chain: nothing after it is accepted (a key
    rotated out, perhaps because it leaked, signs nothing more)."""
    # by the kind's index (key rotations are few), not the device's (device, seq) index: that
    # walked every record of the device on every push when it had none (~1 ms per 1,000 held)
    row = tx.one("SELECT MIN(seq) FROM records WHERE kind = 'key_rotated' AND device || '' = ?", (device,))
    closed = row[0] if row and row[0] is not None else None
    for rec, _ in outcome.insert:
        if rec["kind"] == "key_rotated" and (closed is None or rec["seq"] < closed):
            closed = rec["seq"]
    if closed is None:
        return
    kept = [(r, b) for r, b in outcome.insert if r["seq"] <= closed]
    if len(kept) == len(outcome.insert):
        return
    outcome.insert = kept
    outcome.head_seq, outcome.head_hash = (kept[-1][0]["seq"], kept[-1][0]["hash"]) if kept else head
    for fate in outcome.fates:
        if fate.status == "accepted" and fate.seq > closed:
            fate.status = "rejected"
            fate.reason = (f"device {device} was closed by its key_rotated record (seq {closed}): this"
                           " key signs nothing more")


def iter_chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
