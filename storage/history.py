"""Rules that need the record history, checked inside the save transaction after the body rules
(``supervisor_tui.model.rules``) passed, so the TUI, ``record add`` and bulk appends refuse alike:

- an amendment must start from the latest correction of its record (``base`` names it; a first
  correction has none), so a second correction can never silently undo the first;
- a note assessment's attempt number is unique per person, review and note number;
- evidence dates (a shadow shift's date) may not lie more than a year back, nor before the
  incident of the pathway they are linked to (when the incident's date is known).

Each problem is one line, ``field: what is wrong`` in words, like the body rules.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

MAX_AGE_DAYS = 365
REVIEW_WORDS = {"sample": "sample note", "first_five": "first-five note"}


def history_problems(ctx: Any, kind: str, body: dict[str, Any]) -> list[str]:
    if kind == "amendment":
        target = ctx.store.record_by_hash(body["amends"])
        problems = amendment_base_problems(ctx.store, body)
        if target is not None:
            problems += evidence_problems(ctx, target["kind"], body["body"], corrects=target["hash"])
        return problems
    return evidence_problems(ctx, kind, body)


def latest_correction(store: Any, record_hash: str) -> dict[str, Any] | None:
    """The latest amendment of a record (the one whose body counts), or None."""
    row = store.conn.execute(
        "SELECT hash, author, created_at FROM records WHERE kind = 'amendment' AND amends = ?"
        " ORDER BY created_at DESC, device DESC, seq DESC LIMIT 1", (record_hash,)).fetchone()
    return {"hash": row[0], "author": row[1], "created_at": row[2]} if row else None


def amendment_base_problems(store: Any, body: dict[str, Any]) -> list[str]:
    latest = latest_correction(store, body["amends"])
    base = body.get("base")
    if latest is None:
        if base not in (None, body["amends"]):
            return [f"base: {base[:12]}… is not a correction of record {body['amends'][:12]}…"]
        return []
    if base == latest["hash"]:
        return []
    when = latest["created_at"][:16].replace("T", " ")
    started = "was started before it" if base else "does not start from it"
    return [f"base: record {body['amends'][:12]}… was already corrected on {when} by "
            f"{latest['author']} (correction {latest['hash'][:12]}…) and this correction {started};"
            " start again from the latest correction"]


def evidence_problems(ctx: Any, kind: str, body: dict[str, Any], corrects: str | None = None) -> list[str]:
    if kind == "shadow_escalation":
        return _shift_date_problems(ctx, body)
    if kind == "note_assessment":
        return _attempt_problems(ctx.store, body, corrects)
    return []


def _shift_date_problems(ctx: Any, body: dict[str, Any]) -> list[str]:
    shift_date = dt.date.fromisoformat(body["shift_date"])
    earliest = ctx.today - dt.timedelta(days=MAX_AGE_DAYS)
    if shift_date < earliest:
        return [f"shift_date: {shift_date} is more than a year back (the earliest is {earliest})"]
    incident = incident_date(ctx, body.get("pathway_id"))
    if incident is not None and shift_date < incident[1]:
        return [f"shift_date: {shift_date} is before incident {incident[0]} ({incident[1]})"]
    return []


def incident_date(ctx: Any, pathway_id: str | None) -> tuple[str, dt.date] | None:
    """(incident ref, date) of a pathway's incident when the central store told us its date."""
    if not pathway_id:
        return None
    row = ctx.store.conn.execute(
        "SELECT body FROM records WHERE kind = 'pathway_assigned' AND ref_id = ? LIMIT 1",
        (pathway_id,)).fetchone()
    if row is None:
        return None
    ref = json.loads(row[0]).get("incident_ref")
    from storage.pulled_incidents import pulled_incidents

    dates = [r["date"] for r in pulled_incidents(ctx.store.home)[0] if r["incident_ref"] == ref]
    return (ref, min(dates)) if dates else None


def note_attempts(store: Any, staff_id: str) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """(review, note #) -> the person's note assessments as they now read (latest correction
    applied), oldest first: ``{"hash", "attempt", "outcome", "created_at"}`` each."""
    from supervisor_tui.reports import projections

    rows = store.conn.execute(
        "SELECT id, kind, schema, author, device, seq, prev, created_at, body, hash, sig FROM records"
        " WHERE (staff_id = ? AND kind = 'note_assessment')"
        " OR amends IN (SELECT hash FROM records WHERE staff_id = ? AND kind = 'note_assessment')",
        (staff_id, staff_id)).fetchall()
    from storage.rows import row_to_record

    chains: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for eff in projections.effective_records([row_to_record(r) for r in rows]):
        key = (eff.body.get("review"), eff.body.get("sequence"))
        chains.setdefault(key, []).append({
            "hash": eff.record["hash"], "attempt": eff.body.get("attempt", 1),
            "outcome": eff.body.get("outcome"), "created_at": eff.record["created_at"]})
    for chain in chains.values():
        chain.sort(key=lambda a: (a["attempt"], a["created_at"]))
    return chains


def next_attempt(chains: dict[tuple[str, int], list[dict[str, Any]]], review: str, sequence: int) -> int:
    return max((a["attempt"] for a in chains.get((review, sequence), [])), default=0) + 1


def _attempt_problems(store: Any, body: dict[str, Any], corrects: str | None) -> list[str]:
    chains = note_attempts(store, body["staff_id"])
    review, sequence, attempt = body["review"], body["sequence"], body.get("attempt", 1)
    same = [a for a in chains.get((review, sequence), []) if a["hash"] != corrects]
    taken = [a for a in same if a["attempt"] == attempt]
    if not taken:
        return []
    words = REVIEW_WORDS.get(review, review)
    free = max(a["attempt"] for a in same) + 1
    return [f"attempt: {body['staff_id']} already has attempt {attempt} for {words} {sequence} "
            f"(signed {taken[0]['created_at'][:10]}); the next attempt is {free}"]
