"""Export one person's re-validation history from the laptop's store (CSV, HTML, signed JSON pack).

``gather_local`` reads the person's records (``Store.records_touching``), the device public keys,
the local ``sync_receipts`` table and the roster (memory proportional to that person's history);
``supervisor_tui.reports.evidence.render_history`` renders them; ``export_staff`` writes the file
atomically (the TUI and ``supervisor-tui export`` use it). The central store fills the same
inputs from its database (``sync.central.export``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from storage.store import Store
from storage.sync_state import SETTING_SERVER
from supervisor_tui.reports.evidence import FORMATS, render_history
from supervisor_tui.reports.inputs import ExportError, ExportInputs, checklist_titles, parse_receipt


def local_receipts(store: Store, hashes: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Receipts from the local ``sync_receipts`` table for the given record hashes."""
    found: dict[str, dict[str, Any]] = {}
    wanted = sorted(set(hashes))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for h, accepted_at, server, receipt in store.conn.execute(
            f"SELECT s.hash, s.accepted_at, s.server, t.receipt FROM sync_receipts s"
            f" JOIN sync_receipt_texts t ON t.id = s.receipt_id WHERE s.hash IN ({marks})",
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


def render_local(store: Store, staff_id: str, fmt: str, now: dt.datetime | None = None) -> str:
    """Gather from the local store and render; the JSON manifest is signed by this device."""
    if fmt not in FORMATS:
        raise ExportError(f"format {fmt!r}: use one of {', '.join(FORMATS)}")
    inputs = gather_local(store, staff_id, now)
    signer = device = public = None
    profile = store.profile
    if fmt == "json" and profile is not None:
        key = store.key
        signer, device, public = key.sign, profile.device, key.public_key_hex
    return render_history(inputs, fmt, signer, device, public)


def write_output(text: str, out_path: Path) -> Path:
    """Write atomically (temp file + rename) so a failed export never leaves half a file."""
    out_path = Path(out_path).expanduser()
    if out_path.is_dir():
        raise ExportError(f"{out_path}: is a directory; give a file name")
    if not out_path.parent.is_dir():
        raise ExportError(f"{out_path}: directory {out_path.parent} does not exist")
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out_path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"{out_path}: cannot write ({exc.strerror or exc})") from exc
    return out_path


def export_staff(store: Store, staff_id: str, fmt: str, out_path: Path) -> Path:
    """Export one person's history from the local store to ``out_path``; returns the path.

    Raises ExportError (one-line message) for an unknown staff id, an empty history, an
    unknown format or an unwritable path."""
    return write_output(render_local(store, staff_id, fmt), Path(out_path))
