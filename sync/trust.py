"""What a laptop checks of a record it pulls, beyond hash and signature: the same acceptance
rules the central store applies on push (``supervisor_tui.model.acceptance``), plus well-formed
envelope fields, so that a record one hostile or buggy laptop got past an older server cannot
break this one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from checklists.loader import Library
from supervisor_tui.model.acceptance import record_problems
from supervisor_tui.model.checks import envelope_problem


def pulled_record_problems(record: dict[str, Any], library: Library,
                           held: Callable[[str], dict[str, Any] | None]) -> list[str]:
    """Why a pulled (already signature-checked) record is not one this laptop would sign.

    An amendment whose corrected record is not held here is let through: the central store held
    it when it accepted the amendment, and readers apply an amendment only to a record they hold,
    after checking its corrected body against that record's kind."""
    problem = envelope_problem(record)
    if problem:
        return [problem]
    problems = record_problems(record, library, held)
    if problems and record["kind"] == "amendment" and held(str(record["body"].get("amends"))) is None:
        return [p for p in problems if not p.startswith("amends: no record")]
    return problems
