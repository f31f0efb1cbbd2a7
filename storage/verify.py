"""Re-check a local store end to end: every record's hash, signature and chain link, that the
stored body is the signed canonical form, that the lookup columns match the body, the device key
file against the registered public key, and that records the central store accepted are held."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from storage.rows import (
    ACTIVITY_KINDS,
    RECORD_COLUMNS,
    VerifyReport,
    activity_row,
    index_columns,
    row_to_record,
)
from supervisor_tui.model.canonical import canonical_bytes

if TYPE_CHECKING:
    from storage.store import Store


def verify_store(store: Store, progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Re-check every record's hash, signature, chain and lookup columns, as of one moment: all
    is read in one read transaction, so what another process (a bulk load, a sync) commits
    meanwhile is neither half seen nor reported as damage."""
    snapshot = not store.conn.in_transaction
    if snapshot:
        store.conn.execute("BEGIN")
    try:
        return _verify_store(store, progress)
    finally:
        if snapshot:
            store.conn.execute("COMMIT")


def _verify_store(store: Store, progress: Callable[[int], None] | None) -> VerifyReport:
    from supervisor_tui.model.signing import check_record

    report = VerifyReport()
    keys = store.public_keys()
    own_devices = _check_key_files(store, keys, report)
    _check_schema(store, report)
    restored = store.get_setting("triggers_restored_at")
    if restored:
        report.problems.append(
            f"the append-only triggers had been dropped (found and restored at {restored}):"
            " the file was edited outside the app")
    last: dict[str, tuple[int, str]] = {}
    activity = _ActivityCheck()
    sql = (f"SELECT {', '.join(RECORD_COLUMNS)}, staff_id, cohort_id, ref_id, amends, rowid"
           " FROM records ORDER BY device, seq")
    for row in store.conn.execute(sql):
        report.count += 1
        label = f"record seq {row[5]} of device {row[4]} (id {row[0]})"
        try:
            record = row_to_record(row[:11])
        except (ValueError, TypeError):
            report.problems.append(f"{label}: body is not JSON")
            continue
        problems = check_record(record, keys.get(record["device"]))
        try:
            if canonical_bytes(record["body"]).decode() != row[8]:
                problems.append("stored body is not in canonical form (edited outside the app?)")
        except ValueError as exc:
            problems.append(f"body cannot be canonically encoded: {exc}")
        prev_seq, prev_hash = last.get(record["device"], (0, ""))
        own = record["device"] in own_devices
        # Other devices' records are pulled selectively: their chains may have gaps here
        # (the central store holds and verifies them whole); links that are held must match.
        if record["seq"] != prev_seq + 1 and (own or record["seq"] <= prev_seq):
            problems.append(f"chain gap: seq {prev_seq + 1} expected")
        if record["prev"] != prev_hash and (own or record["seq"] == prev_seq + 1):
            problems.append("chain broken: prev does not match the previous record's hash")
        try:
            if tuple(row[11:15]) != index_columns(record["kind"], record["body"]):
                problems.append("lookup columns do not match the signed body")
        except (KeyError, TypeError, AttributeError):
            problems.append("body does not have the shape of its kind")
        last[record["device"]] = (record["seq"], record["hash"])
        activity.add(row[15], record)
        report.problems += [f"{label}: {p}" for p in problems]
        if progress and report.count % 1000 == 0:
            progress(report.count)
    report.problems += activity.problems(store)
    from storage.sync_state import set_aside_records

    report.set_aside = [f"pulled record {r['id']} (seq {r['seq']}, {r['kind']}) of device {r['device']} kept"
                        f" aside on {r['set_aside_at'][:10]}: does not fit its kind: {r['reason']}"
                        for r in set_aside_records(store)]
    for (missing,) in store.conn.execute(
        "SELECT hash FROM sync_receipts WHERE hash NOT IN (SELECT hash FROM records)"
    ):
        report.problems.append(f"record {missing[:12]}… was accepted by the central store but is missing here")
    for (orphan,) in store.conn.execute(
        "SELECT hash FROM sync_receipts WHERE receipt_id NOT IN (SELECT id FROM sync_receipt_texts)"
    ):
        report.problems.append(f"the central store's receipt for record {orphan[:12]}… is missing here")
    return report


def _check_key_files(store: Store, keys: dict[str, str], report: VerifyReport) -> set[str]:
    """Every own device's sealed key file names the public key registered for it (read from
    the file's clear part: no passphrase needed). Returns the own devices."""
    from storage.keyfile import read_key_file, read_legacy_seed
    from storage.profiles import key_path, own_devices
    from supervisor_tui.model.signing import KeyFileError

    devices = own_devices(store)
    legacy = store.legacy_key_path
    for dev in devices:
        path = key_path(store.home, dev.device)
        if not path.exists():
            if legacy.exists() and len(devices) == 1:
                seed = read_legacy_seed(legacy)
                import nacl.signing

                if seed is None or nacl.signing.SigningKey(seed).verify_key.encode().hex() != keys.get(dev.device):
                    report.problems.append(f"device {dev.device}: stored public key does not match the key file")
            elif dev.retired_at is None:
                report.problems.append(f"device {dev.device} ({dev.supervisor}): its key file {path} is missing")
            continue
        try:
            if read_key_file(path).get("public_key") != keys.get(dev.device):
                report.problems.append(f"device {dev.device}: stored public key does not match the key file")
        except KeyFileError as exc:
            report.problems.append(f"device key: {exc}")
    return {d.device for d in devices}


# What the schema must hold for the store's promises to stand: the tables signed records and
# their bookkeeping live in, and the triggers that keep records and set-aside records append-only.
# (The roster's activity index is written by the store's own inserts, corrections included, and
# checked row by row: ``_ActivityCheck``.)
EXPECTED_TABLES = ("records", "devices", "staff", "cohorts", "drafts", "sync_receipts", "sync_receipt_texts",
                   "settings", "record_activity", "set_aside", "profiles", "own_devices", "enrolments")
EXPECTED_TRIGGERS = {
    "records_no_update": ("records", "records can be changed in place"),
    "records_no_delete": ("records", "records can be deleted"),
    "set_aside_no_update": ("set_aside", "set-aside records can be changed in place"),
    "set_aside_no_delete": ("set_aside", "set-aside records can be deleted"),
}


def _check_schema(store: Store, report: VerifyReport) -> None:
    """Tables and triggers as the migrations made them (introspected with sqlite-utils)."""
    db = store.db
    tables = set(db.table_names())
    for name in EXPECTED_TABLES:
        if name not in tables:
            report.problems.append(f"table {name} is missing (the file was edited outside the app)")
    triggers = {t.name: t.table for t in db.triggers}
    for name, (table, consequence) in EXPECTED_TRIGGERS.items():
        if triggers.get(name) != table:
            report.problems.append(f"trigger {name} on {table} is missing, so {consequence}"
                                   " (the file was edited outside the app)")
    if "records" in tables:
        missing = [c for c in RECORD_COLUMNS if c not in db["records"].columns_dict]
        if missing:
            report.problems.append(f"the records table lacks column(s) {', '.join(missing)}")


class _ActivityCheck:
    """``record_activity`` (migration 3) against the records: one row per scenario check, shadow
    note and note assessment, at its rowid, with the lookup fields of its signed body, or of the
    body of the latest amendment of it (by created_at, device, seq), and ``amended_at`` set
    exactly when it was amended. The roster overview reads these fields and ``status --json``
    leaves out the records they show cannot change a status (``storage.statuses``), so a row that
    does not match would change what they show: the store's own writes keep it in step, in the
    same transaction as the record."""

    def __init__(self) -> None:
        self.expected: dict[int, tuple] = {}
        self.latest_amendment: dict[str, tuple[tuple, dict]] = {}

    def add(self, rowid: int, record: dict) -> None:
        if record["kind"] in ACTIVITY_KINDS:
            self.expected[rowid] = activity_row(rowid, record)
        elif record["kind"] == "amendment" and isinstance(record["body"], dict):
            target = record["body"].get("amends")
            order = (record["created_at"], record["device"], record["seq"])
            held = self.latest_amendment.get(target)
            if isinstance(target, str) and (held is None or held[0] < order):
                inner = record["body"].get("body")
                self.latest_amendment[target] = (order, inner if isinstance(inner, dict) else {})

    def problems(self, store: Store) -> list[str]:
        found: list[str] = []
        try:
            rows = store.conn.execute("SELECT * FROM record_activity").fetchall()
        except sqlite3.OperationalError:
            return found  # no such table: the schema check says so
        for row in rows:
            rowid = row[0]
            want = self.expected.pop(rowid, None)
            if want is None:
                found.append(f"activity lookup row {rowid} names no check, shadow note or note assessment"
                             " (the file was edited outside the app)")
                continue
            amended = self.latest_amendment.get(want[1])
            if amended is not None:
                body = amended[1]
                want = (*want[:2], body.get("staff_id"), *want[3:7], body.get("scenario_id"), body.get("outcome"),
                        body.get("shift_date"), body.get("shift"), body.get("review"), body.get("sequence"),
                        row[13], want[14])
            if tuple(row) != want or (row[13] is None) != (amended is None):
                found.append(f"activity lookup row {rowid} (record {want[1][:12]}…) does not match its signed"
                             " body (the file was edited outside the app)")
        for _rowid, want in sorted(self.expected.items()):
            found.append(f"record {want[1][:12]}… (a {want[3].replace('_', ' ')}) has no activity lookup row"
                         " (the file was edited outside the app)")
        return found
