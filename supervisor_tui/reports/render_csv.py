"""CSV rendering of a history: one row per record, columns in ``COLUMNS`` (documented in README).

Column names are a contract: add new columns at the end, never rename or reorder.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

COLUMNS = (
    "created_at", "record_id", "kind", "staff_id", "cohort_id", "pathway_id", "restriction_id",
    "incident_ref", "summary", "outcome", "checklist_id", "checklist_version", "setting",
    "chosen_endpoint", "expected_endpoint", "decision_seconds", "attempt", "missing_elements",
    "remediation_or_feedback", "restriction_codes", "expires_on", "amends", "amended_by", "author",
    "author_name", "device", "seq", "hash", "prev", "signature", "central_held",
    "central_accepted_at", "central_server", "central_receipt", "body_json",
)


def _row(entry: dict[str, Any], amended_by: list[str]) -> dict[str, Any]:
    record = entry["record"]
    b = record["body"]
    inner = b.get("body", {}) if record["kind"] == "amendment" else b
    checklist = inner.get("scenario_id") or inner.get("standard_id") or ""
    version = inner.get("scenario_version") or inner.get("standard_version") or ""
    missing = inner.get("missing_elements")
    if missing is None and "elements" in inner:
        missing = [e["element_id"] for e in inner["elements"] if not e.get("present")]
    central = entry["central"] or {}
    receipt = central.get("receipt", "")
    return {
        "created_at": record["created_at"], "record_id": record["id"], "kind": record["kind"],
        "staff_id": inner.get("staff_id", ""), "cohort_id": inner.get("cohort_id", ""),
        "pathway_id": inner.get("pathway_id", ""), "restriction_id": inner.get("restriction_id", ""),
        "incident_ref": inner.get("incident_ref", ""), "summary": entry["title"],
        "outcome": inner.get("outcome") or entry["outcome"], "checklist_id": checklist,
        "checklist_version": version, "setting": inner.get("setting", ""),
        "chosen_endpoint": inner.get("chosen_endpoint", ""), "expected_endpoint": inner.get("expected_endpoint", ""),
        "decision_seconds": inner.get("decision_seconds", ""), "attempt": inner.get("attempt", ""),
        "missing_elements": ";".join(missing or []),
        "remediation_or_feedback": inner.get("remediation") or inner.get("feedback") or "",
        "restriction_codes": ";".join(inner.get("restrictions", [])), "expires_on": inner.get("expires_on", ""),
        "amends": b.get("amends", "") if record["kind"] == "amendment" else "",
        "amended_by": ";".join(amended_by), "author": record["author"], "author_name": entry["author_name"],
        "device": record["device"], "seq": record["seq"], "hash": record["hash"], "prev": record["prev"],
        "signature": entry["signature"], "central_held": "yes" if entry["central"] else "no",
        "central_accepted_at": central.get("accepted_at", ""), "central_server": central.get("server", ""),
        "central_receipt": receipt if isinstance(receipt, str) else json.dumps(receipt, sort_keys=True),
        "body_json": json.dumps(b, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
    }


FREE_TEXT = ("summary", "remediation_or_feedback", "author_name", "incident_ref", "central_receipt")


def _safe(value: Any) -> Any:
    """Spreadsheet-safe free text: a leading = + - @ (a formula in Excel/LibreOffice) gets a '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def render_csv(history: dict[str, Any]) -> str:
    """CSV text with a header row and one row per record in time order."""
    amended_by: dict[str, list[str]] = {}
    for entry in history["entries"]:
        if entry["kind"] == "amendment":
            amended_by.setdefault(entry["record"]["body"].get("amends", ""), []).append(entry["hash"])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for entry in history["entries"]:
        row = _row(entry, amended_by.get(entry["hash"], []))
        writer.writerow({k: _safe(v) if k in FREE_TEXT else v for k, v in row.items()})
    return out.getvalue()
