"""Gather one person's export inputs from the local store (records, keys, receipts, roster).

Memory is proportional to that person's history, not to the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from storage.store import Store
from storage.sync_state import SETTING_SERVER
from supervisor_tui.reports.inputs import ExportError, ExportInputs, checklist_titles, parse_receipt


def local_receipts(store: Store, hashes: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Receipts from the local ``sync_receipts`` table for the given record hashes."""
    found: dict[str, dict[str, Any]] = {}
    wanted = sorted(set(hashes))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for h, accepted_at, server, receipt in store.conn.execute(
            f"SELECT hash, accepted_at, server, receipt FROM sync_receipts WHERE hash IN ({marks})",
            tuple(chunk),
        ):
            found[h] = {"accepted_at": accepted_at, "server": server, "receipt": parse_receipt(receipt)}
    return found


def gather_local(store: Store, staff_id: str, now: dt.datetime | None = None) -> ExportInputs:
    """Inputs for one person's export from the local store; raises ExportError (code 2)."""
    now = now or dt.datetime.now(dt.UTC)
    person = store.staff(staff_id)
    if person is None:
        raise ExportError(f"staff id {staff_id!r} is not on the roster (see 'supervisor-tui roster list')")
    records = store.records_touching(staff_id)
    if not records:
        raise ExportError(f"staff id {staff_id!r} ({person['name']}) has no re-validation records to export")
    devices = {d for d in {r["device"] for r in records}}
    keys = {d: k for d, k in store.public_keys().items() if d in devices}
    device_authors = dict(store.conn.execute("SELECT device, author FROM devices"))
    names: dict[str, str] = {}
    for profile in store.profiles():  # every supervisor signing on this laptop
        names[profile.supervisor] = profile.name
    cohort_names = {c["cohort_id"]: c["name"] for c in store.cohorts()}
    receipts = local_receipts(store, (r["hash"] for r in records))
    own_devices = {d for (d,) in store.conn.execute("SELECT device FROM own_devices")}
    server = store.get_setting(SETTING_SERVER) or ""
    for record in records:  # another device's record only ever arrives here from the central store
        if record["device"] not in own_devices and record["hash"] not in receipts:
            receipts[record["hash"]] = {"accepted_at": "", "server": server,
                                        "receipt": "pulled from the central store (another device's record)"}
    return ExportInputs(
        staff={"staff_id": person["staff_id"], "name": person["name"], "role": person["role"],
               "cohort": person["cohort_id"]},
        records=records,
        public_keys=keys,
        author_names=names,
        device_authors={d: a for d, a in device_authors.items() if d in devices},
        receipts=receipts,
        cohort_names=cohort_names,
        checklist_titles=checklist_titles(store.library),
        source="local",
        generated_at=now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        today=now.date(),
    )
