"""Plain-data inputs of an export, and how to gather them from the local store.

Everything after gathering is a pure function over :class:`ExportInputs`, so the central
governance store only has to fill the same dataclass from its own database (see
``supervisor_tui.export`` module docs for the seam). The local gatherer reads one person's
records (``Store.records_touching``), the device public keys, the local ``sync_receipts`` table
and the roster; memory is proportional to that person's history, not to the store.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from storage.store import Store
from storage.sync_state import SETTING_SERVER


class ExportError(Exception):
    """An export that cannot be made (unknown staff, empty history, unwritable path...)."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


@dataclass
class ExportInputs:
    """Everything an export needs, as plain data.

    ``records``: full signed records (the 11 envelope fields) touching the person, any order.
    ``public_keys``: device id -> Ed25519 public key (hex).
    ``device_authors``: device id -> supervisor id the device is enrolled for (optional).
    ``author_names``: supervisor id -> display name (optional; ids are shown when missing).
    ``receipts``: record hash -> {"accepted_at", "server", "receipt"} for records the central
    store holds. ``staff``: {"staff_id", "name", "role", "cohort"}; ``cohort_names``: id -> name.
    ``checklist_titles``: (id, version) -> title, for human-readable labels.
    ``source``: "local" or "central" (printed in the pack and the HTML).
    ``verified``: hashes of records whose hash the gatherer re-computed from the stored bytes and
    whose signature it confirmed another way (the central store's verification stamp); their
    Ed25519 check is skipped. Everything else is fully checked.
    ``body_json``: record hash -> the body's canonical JSON text, for records in ``verified``
    (their hash was re-computed from exactly that text); the JSON pack writes it as is instead
    of encoding the parsed body again.
    """

    staff: dict[str, str]
    records: list[dict[str, Any]]
    public_keys: dict[str, str]
    author_names: dict[str, str] = field(default_factory=dict)
    device_authors: dict[str, str] = field(default_factory=dict)
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)
    cohort_names: dict[str, str] = field(default_factory=dict)
    checklist_titles: dict[tuple[str, int], str] = field(default_factory=dict)
    source: str = "local"
    generated_at: str = ""
    today: dt.date = field(default_factory=dt.date.today)
    verified: frozenset[str] = frozenset()
    body_json: dict[str, str] = field(default_factory=dict)


def parse_receipt(text: str) -> Any:
    """A stored receipt as JSON when it is JSON, else the text itself."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


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


def checklist_titles(library) -> dict[tuple[str, int], str]:
    return {key: checklist.title for key, checklist in library.by_key.items()}


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
