"""Per-staff re-validation history export and the governance report (no Textual here).

Seams (pure functions over plain data, used by the local CLI/TUI and by the central store):

* ``render_history(inputs, fmt, signer=None, ...) -> str`` -- ``inputs`` is an
  :class:`ExportInputs` (records touching the person, device public keys, author names,
  central receipts, roster info); ``fmt`` is ``csv``, ``json`` or ``html``. The central store
  fills ``ExportInputs`` from its own database (``source="central"``; every record it holds gets a
  receipt) and may pass its own signer for the pack manifest.
* ``export_staff(store, staff_id, fmt, out_path) -> Path`` -- the local entry point (the TUI and
  ``supervisor-tui export`` use it); signs the JSON pack manifest with this device's key.
* ``verify_pack(pack) -> PackReport`` -- offline re-verification of a JSON evidence pack.
* ``supervisor_tui.reports.report.build_report(records, roster, incidents, today, ...)`` -- the
  governance report over an iterable of records in time order (streamed).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from storage.store import Store
from supervisor_tui.export.inputs import gather_local
from supervisor_tui.reports.history import build_history
from supervisor_tui.reports.inputs import ExportError, ExportInputs
from supervisor_tui.reports.pack import Signer, build_pack, dumps, verify_pack
from supervisor_tui.reports.render_csv import COLUMNS, render_csv
from supervisor_tui.reports.render_html import render_html

FORMATS = ("csv", "json", "html")

__all__ = ["COLUMNS", "FORMATS", "ExportError", "ExportInputs", "build_history", "build_pack",
           "export_staff", "gather_local", "render_history", "verify_pack", "write_output"]


def render_history(inputs: ExportInputs, fmt: str, signer: Signer | None = None,
                   signer_device: str | None = None, signer_public_key: str | None = None) -> str:
    """The export text in ``fmt`` for already-gathered inputs."""
    if fmt not in FORMATS:
        raise ExportError(f"format {fmt!r}: use one of {', '.join(FORMATS)}")
    history = build_history(inputs, describe_records=fmt != "json")
    if fmt == "csv":
        return render_csv(history)
    if fmt == "html":
        return render_html(history)
    return dumps(build_pack(history, signer, signer_device, signer_public_key), inputs.body_json)


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
