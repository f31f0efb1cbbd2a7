"""Plain pieces the central store's modules share: a stored row turned back into a record, its
lookup columns, and the verify report (kept apart from ``base`` so verify and exclusions do not
import the store class that delegates to them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storage.rows import index_columns
from supervisor_tui.model.canonical import loads_json as loads_body

RECORD_FIELDS = ("id", "kind", "schema", "author", "device", "seq", "prev", "created_at", "body",
                 "hash", "sig")
# a push's row; ``stamp``: the verification stamp (``sync.central.stamps``) made as it is accepted
INSERT_COLUMNS = (*RECORD_FIELDS, "staff_id", "cohort_id", "ref_id", "amends", "received_at", "stamp")


@dataclass
class CentralVerifyReport:
    count: int = 0
    devices: int = 0
    stamped: int = 0
    excluded: int = 0  # records set aside by ``quarantine-invalid`` (not checked against the rules)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def row_to_record(row: Any) -> dict[str, Any]:
    record = dict(zip(RECORD_FIELDS, row, strict=True))
    record["body"] = loads_body(record["body"])
    return record


def _index(record: dict[str, Any]) -> tuple[Any, ...]:
    try:
        return index_columns(record["kind"], record["body"])
    except (KeyError, TypeError, AttributeError):
        return (None, None, None, None)
