"""The weekly control pack: one pathway owner's week, for the weekly review and the quality
governance meeting ("corrective actions embedded into weekly control packs").

For the pathways one owner signs for (``owner_id``) and the restrictions on their cohorts: the
open pathways with progress and due dates (overdue first), restrictions due for review this week
and reviews overdue, restrictions expiring in the next 14 days, fails and rework in the week,
closures awaiting the owner's approval, the cohorts' incidents by week over the last quarter, and
each figure's change since the previous week. ``pack_sha256`` is the SHA-256 of the pack's
canonical JSON; the owner signs that the review happened with a ``pack_reviewed`` record naming it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

from supervisor_tui.reports import projections

WEEK_RE = re.compile(r"([0-9]{4})-W([0-9]{2})")
EXPIRING_DAYS = 14
QUARTER_WEEKS = 13


class PackError(ValueError):
    """A week or owner the pack cannot be made for (one line for the CLI)."""


def parse_week(text: str | None, today: dt.date) -> dt.date:
    """The Monday of ISO week ``YYYY-Www`` (default: the week of ``today``)."""
    if not text:
        return today - dt.timedelta(days=today.weekday())
    match = WEEK_RE.fullmatch(text)
    if not match:
        raise PackError(f"--week {text!r}: write the ISO week as YYYY-Www, e.g. 2026-W49")
    try:
        return dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise PackError(f"--week {text!r}: no such week") from exc


def week_name(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _in(day: str | None, start: dt.date, end: dt.date) -> bool:
    return day is not None and start.isoformat() <= day[:10] <= end.isoformat()


def _figures(records: list[dict[str, Any]], roster: list[dict[str, str]], owner: str,
             monday: dt.date) -> dict[str, Any]:
    """The week's figures from the records made by its end (a past week reads as it stood)."""
    sunday = monday + dt.timedelta(days=6)
    end = f"{sunday.isoformat()}T23:59:59.999999Z"
    effective = projections.effective_records([r for r in records if r["created_at"] <= end])
    closures = projections.closures(effective)
    by_staff: dict[str, list[projections.Effective]] = {}
    for eff in effective:
        staff = eff.body.get("staff_id")
        if isinstance(staff, str):
            by_staff.setdefault(staff, []).append(eff)
    members: dict[str, list[str]] = {}
    for person in roster:
        members.setdefault(person["cohort"], []).append(person["staff_id"])
    cohort_of = {p["staff_id"]: p["cohort"] for p in roster}
    views = []
    for eff in effective:
        if eff.kind != "pathway_assigned" or eff.body.get("owner_id") != owner:
            continue
        ids = [eff.body["staff_id"]] if eff.body.get("staff_id") else members.get(eff.body["cohort_id"], [])
        views.append(projections.pathway_view(eff, closures.get(eff.body["pathway_id"]),
                                              {sid: by_staff.get(sid, []) for sid in ids}, sunday))
    cohorts = sorted({v["subject"] if v["scope"] == "cohort" else cohort_of.get(v["subject"], "") for v in views}
                     - {""})
    people = {p["staff_id"] for p in roster if p["cohort"] in cohorts} | {
        v["subject"] for v in views if v["scope"] == "staff"}
    open_views = sorted((v for v in views if v["status"] == "open"),
                        key=lambda v: (not v["overdue"], v["due_on"], v["pathway_id"]))
    restrictions = [r for r in (s.as_dict(sunday) for s in projections.restriction_states(effective).values())
                    if r["status"] == "active" and ((r["scope"] == "cohort" and r["subject"] in cohorts)
                                                    or (r["scope"] == "staff" and r["subject"] in people))]
    restrictions.sort(key=lambda r: r["restriction_id"])
    soon = (sunday + dt.timedelta(days=EXPIRING_DAYS)).isoformat()
    week = [e for e in effective if e.body.get("staff_id") in people and _in(e.record["created_at"], monday, sunday)]
    fails = [e for e in week if e.kind == "scenario_check" and e.body.get("outcome") == "fail"]
    rework = [e for e in week if e.kind == "note_assessment" and e.body.get("outcome") == "rework"]
    return {
        "cohorts": cohorts,
        "open_pathways": [{"pathway_id": v["pathway_id"], "scope": v["scope"], "subject": v["subject"],
                           "incident_ref": v["incident_ref"], "due_on": v["due_on"], "overdue": v["overdue"],
                           "unmet": v["unmet"], "approval": v.get("approval")} for v in open_views],
        "reviews_due": [_restriction(r) for r in restrictions
                        if r["next_review_on"] and _in(r["next_review_on"], monday, sunday)],
        "reviews_overdue": [_restriction(r) for r in restrictions if r["review_overdue"]],
        "expiring": [_restriction(r) for r in restrictions if r["expires_on"] <= soon],
        "fails": [{"staff_id": e.body["staff_id"], "scenario_id": e.body.get("scenario_id"),
                   "on": e.record["created_at"][:10], "failed_critical": e.body.get("failed_critical", [])}
                  for e in fails],
        "rework": [{"staff_id": e.body["staff_id"], "review": e.body.get("review"), "sequence": e.body.get("sequence"),
                    "on": e.record["created_at"][:10], "missing": e.body.get("missing_elements", [])}
                   for e in rework],
        "awaiting_approval": [{"pathway_id": v["pathway_id"], "proposed_by": v["proposed_by"]}
                              for v in views if v.get("approval") == "awaiting_approval"],
        "conflicts": [{"subject": r["restriction_id"], "text": r["conflict_text"]} for r in restrictions
                      if r.get("conflict")] + [{"subject": v["pathway_id"], "text": v["conflict_text"]}
                                               for v in views if v.get("conflict")],
    }


def _restriction(r: dict[str, Any]) -> dict[str, Any]:
    return {k: r[k] for k in ("restriction_id", "scope", "subject", "codes", "expires_on", "next_review_on",
                              "review_overdue")}


COUNTED = ("open_pathways", "reviews_due", "reviews_overdue", "expiring", "fails", "rework", "awaiting_approval")


def pack_from(records: list[dict[str, Any]], roster: list[dict[str, str]], owner: str, monday: dt.date,
              incidents: list[dict[str, Any]]) -> dict[str, Any]:
    this = _figures(records, roster, owner, monday)
    before = _figures(records, roster, owner, monday - dt.timedelta(days=7))
    first = monday - dt.timedelta(weeks=QUARTER_WEEKS - 1)
    weeks = [first + dt.timedelta(weeks=i) for i in range(QUARTER_WEEKS)]
    counts = {week_name(w): 0 for w in weeks}
    for incident in incidents or []:
        day = incident.get("date")
        day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
        if incident.get("cohort") in this["cohorts"] and first <= day <= monday + dt.timedelta(days=6):
            counts[week_name(day - dt.timedelta(days=day.weekday()))] += 1
    pack = {"type": "control-pack/v1", "owner_id": owner, "week": week_name(monday),
            "from": monday.isoformat(), "to": (monday + dt.timedelta(days=6)).isoformat(), **this,
            "change": {k: len(this[k]) - len(before[k]) for k in COUNTED},
            "incidents_by_week": [{"week": w, "incidents": n} for w, n in counts.items()]}
    pack["pack_sha256"] = pack_digest(pack)
    return pack


def pack_digest(pack: dict[str, Any]) -> str:
    """SHA-256 of the pack's canonical JSON (sorted keys, no whitespace), without the digest."""
    content = {k: v for k, v in pack.items() if k != "pack_sha256"}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
