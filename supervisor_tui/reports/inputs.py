"""Plain-data inputs of an export (a person's records, keys, receipts), shared by laptop and central store.

Everything after gathering is a pure function over :class:`ExportInputs`, so the central
governance store only has to fill the same dataclass from its own database (the seam is
``supervisor_tui.reports.evidence.render_history``). The local gatherer is
``storage.export.gather_local``; the central one ``sync.central.export.gather_central``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

FORMATS = ("csv", "json", "html")  # a person's evidence pack (here, not in evidence: the CLI reads it at start)


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


def checklist_titles(library) -> dict[tuple[str, int], str]:
    return {key: checklist.title for key, checklist in library.by_key.items()}
