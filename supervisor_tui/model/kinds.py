"""The record kinds and the clock format of the envelope, without the body models (no pydantic):
the CLI builds its argument parser and the sync client stamps times without importing them.
``supervisor_tui.model.records`` checks at import that its body models are exactly these kinds."""

from __future__ import annotations

import datetime as dt

KINDS: tuple[str, ...] = (
    "pathway_assigned",
    "scenario_check",
    "shadow_escalation",
    "note_assessment",
    "restriction_started",
    "restriction_reviewed",
    "restriction_lifted",
    "pathway_closed",
    "amendment",
    "closure_decision",
    "pack_reviewed",
    "key_rotated",
)
# Decisions about one restriction or pathway (their ``after`` finds concurrent ones).
DECISION_KINDS = ("restriction_reviewed", "restriction_lifted", "pathway_closed", "closure_decision")


def utc_now_iso(now: dt.datetime | None = None) -> str:
    """UTC timestamp as ISO 8601 with microseconds and a trailing Z."""
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return now.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
