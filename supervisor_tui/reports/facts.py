"""Report facts: the few fields of a work record (check, note, shadow note) the report needs.

The governance report aggregates a stream of :class:`Fact` in time order, so a database can
produce facts directly (SQLite ``json_extract``, PostgreSQL ``body->>'x'``) instead of shipping
whole bodies to Python; ``fact_from_record`` is the reference definition the SQL must match
(``tests/export/test_report.py`` checks the local SQL against it).
"""

from __future__ import annotations

from typing import Any, NamedTuple

WORK_KINDS = ("scenario_check", "shadow_escalation", "note_assessment")


class Fact(NamedTuple):
    created_at: str
    device: str
    seq: int
    hash: str
    kind: str
    staff_id: str
    scenario_id: str | None = None
    outcome: str | None = None
    review: str | None = None
    sequence: int | None = None
    elements: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    shift_date: str | None = None
    shift: str | None = None
    agreed: bool = False

    @property
    def order(self) -> tuple[str, str, int]:
        return (self.created_at, self.device, self.seq)


def fact_from_record(record: dict[str, Any], body: dict[str, Any]) -> Fact:
    """The fact of a work record whose (possibly amended) body is ``body``."""
    kind = record["kind"]
    base = (record["created_at"], record["device"], record["seq"], record["hash"], kind, body.get("staff_id", ""))
    if kind == "scenario_check":
        return Fact(*base, scenario_id=body["scenario_id"], outcome=body.get("outcome"))
    if kind == "note_assessment":
        elements = tuple(e["element_id"] for e in body.get("elements", []))
        missing = body.get("missing_elements")
        if missing is None:
            missing = [e["element_id"] for e in body.get("elements", []) if not e.get("present")]
        return Fact(*base, outcome=body.get("outcome"), review=body["review"], sequence=body["sequence"],
                    elements=elements, missing=tuple(missing))
    if kind == "shadow_escalation":
        return Fact(*base, shift_date=body["shift_date"], shift=body["shift"], agreed=bool(body.get("agreed")))
    raise ValueError(f"{kind} is not a work record kind")
