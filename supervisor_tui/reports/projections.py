"""Projections: current state derived from records (pure functions over record dicts).

The local store and the central store compute the same answers from the same records, so
nothing here touches a database. Amendments replace the body of the record they amend (the
latest amendment wins); the original stays in the timeline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from checklists.names import shipped_names
from supervisor_tui.reports import decisions

STATES = ("none", "in_progress", "restricted", "validated")


@dataclass
class Effective:
    """A record as it currently reads, after amendments."""

    record: dict[str, Any]
    body: dict[str, Any]
    amended_by: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.record["kind"]

    @property
    def created_on(self) -> dt.date:
        return dt.date.fromisoformat(self.record["created_at"][:10])


_FITS: dict[str, bool] = {}  # amendment hash -> its corrected body fits the amended record's kind


def amendment_fits(amendment: dict[str, Any], target: dict[str, Any]) -> bool:
    """Whether an amendment's corrected body fits the kind and schema of the record it amends.

    Held records passed the acceptance rules when signed or pulled; this guards readers against
    one accepted by an older central store, which would otherwise replace a good body with one
    no projection can read (remembered per amendment: amendments are few)."""
    key = amendment["hash"]
    if key not in _FITS:
        from pydantic import ValidationError

        from supervisor_tui.model.records import body_model

        model = body_model(target["kind"], target.get("schema", 1))
        inner = amendment["body"].get("body") if isinstance(amendment.get("body"), dict) else None
        try:
            _FITS[key] = model is not None and isinstance(inner, dict) and bool(model.model_validate(inner))
        except (ValidationError, RecursionError, TypeError, ValueError):
            _FITS[key] = False
    return _FITS[key]


def effective_records(records: list[dict[str, Any]]) -> list[Effective]:
    """Non-amendment records in time order, each with its latest amended body (an amendment
    whose corrected body does not fit the record's kind is left out)."""
    originals: dict[str, Effective] = {}
    ordered: list[Effective] = []
    for record in sorted(records, key=lambda r: (r["created_at"], r["device"], r["seq"])):
        if record["kind"] == "amendment":
            body = record["body"]
            target = originals.get(body.get("amends")) if isinstance(body, dict) else None
            if target is not None and amendment_fits(record, target.record):
                target.body = body["body"]
                target.amended_by.append(record["hash"])
            continue
        eff = Effective(record=record, body=record["body"])
        originals[record["hash"]] = eff
        ordered.append(eff)
    return ordered


@dataclass
class RestrictionState:
    restriction_id: str
    scope: str
    subject: str
    codes: list[str]
    reason: str
    incident_ref: str
    started_on: dt.date
    expires_on: dt.date
    review_every_days: int
    reviews: list[dict[str, Any]] = field(default_factory=list)
    lifted_on: dt.date | None = None
    lift_reason: str | None = None
    decisions: list[Effective] = field(default_factory=list)
    conflict: list[dict[str, Any]] = field(default_factory=list)  # see supervisor_tui.reports.decisions

    @property
    def last_review_on(self) -> dt.date | None:
        return self.reviews[-1]["on"] if self.reviews else None

    @property
    def next_review_on(self) -> dt.date:
        base = self.last_review_on or self.started_on
        return base + dt.timedelta(days=self.review_every_days)

    def status(self, today: dt.date) -> str:
        if self.lifted_on is not None:
            return "lifted"
        if today > self.expires_on:
            return "expired"
        return "active"

    def as_dict(self, today: dt.date) -> dict[str, Any]:
        status = self.status(today)
        active = status == "active"
        return {
            "restriction_id": self.restriction_id,
            "scope": self.scope,
            "subject": self.subject,
            "codes": self.codes,
            "reason": self.reason,
            "incident_ref": self.incident_ref,
            "started_on": self.started_on.isoformat(),
            "expires_on": self.expires_on.isoformat(),
            "days_left": (self.expires_on - today).days if active else 0,
            "review_every_days": self.review_every_days,
            "reviews": [{**r, "on": r["on"].isoformat()} for r in self.reviews],
            "last_review_on": self.last_review_on.isoformat() if self.last_review_on else None,
            "next_review_on": self.next_review_on.isoformat() if active else None,
            "review_overdue": active and today > self.next_review_on,
            "status": status,
            "lifted_on": self.lifted_on.isoformat() if self.lifted_on else None,
            "lift_reason": self.lift_reason,
            "conflict": self.conflict,
            "conflict_text": (decisions.conflict_text(self.restriction_id, self.conflict,
                                                      "kept active with the latest expiry")
                              if self.conflict else None),
        }


def restriction_states(effective: list[Effective]) -> dict[str, RestrictionState]:
    states: dict[str, RestrictionState] = {}
    for eff in effective:
        body = eff.body
        if eff.kind == "restriction_started":
            scope = "staff" if "staff_id" in body else "cohort"
            states[body["restriction_id"]] = RestrictionState(
                restriction_id=body["restriction_id"],
                scope=scope,
                subject=body.get("staff_id") or body.get("cohort_id", ""),
                codes=list(body["restrictions"]),
                reason=body["reason"],
                incident_ref=body["incident_ref"],
                started_on=eff.created_on,
                expires_on=dt.date.fromisoformat(body["expires_on"]),
                review_every_days=body.get("review_every_days", 7),
            )
        elif eff.kind == "restriction_reviewed" and body["restriction_id"] in states:
            state = states[body["restriction_id"]]
            state.reviews.append(
                {"on": eff.created_on, "decision": body["decision"], "note": body["note"],
                 "by": eff.record["author"]}
            )
            if body["decision"] == "extend" and body.get("expires_on"):
                state.expires_on = dt.date.fromisoformat(body["expires_on"])
        elif eff.kind == "restriction_lifted" and body["restriction_id"] in states:
            state = states[body["restriction_id"]]
            state.lifted_on = eff.created_on
            state.lift_reason = body["reason"]
        if eff.kind in ("restriction_reviewed", "restriction_lifted") and body["restriction_id"] in states:
            states[body["restriction_id"]].decisions.append(eff)
    for state in states.values():
        state.conflict = decisions.restriction_conflict(state.decisions)
        if state.conflict:  # the more restrictive reading until someone resolves it
            state.lifted_on, state.lift_reason = None, None
            extended = [dt.date.fromisoformat(e.body["expires_on"]) for e in decisions.heads(state.decisions)
                        if e.kind == "restriction_reviewed" and e.body.get("expires_on")]
            state.expires_on = max([state.expires_on, *extended])
    return states


def _latest_by(effective: list[Effective], key) -> dict[Any, Effective]:
    latest: dict[Any, Effective] = {}
    for eff in effective:
        latest[key(eff)] = eff
    return latest


def requirement_progress(
    requirements: dict[str, Any], since: str, staff_records: list[Effective]
) -> tuple[dict[str, Any], list[str]]:
    """Progress of one person against a pathway's requirements, counting records made on or
    after ``since`` (the pathway's created_at). Returns (progress, unmet lines)."""
    after = [e for e in staff_records if e.record["created_at"] >= since]
    checks = [e for e in after if e.kind == "scenario_check"]
    latest_check = _latest_by(checks, lambda e: e.body["scenario_id"])
    scenarios = []
    unmet = []
    for scenario_id in requirements.get("scenarios", []):
        latest = latest_check.get(scenario_id)
        outcome = latest.body["outcome"] if latest else None
        scenarios.append({"scenario_id": scenario_id, "latest": outcome, "passed": outcome == "pass"})
        if outcome != "pass":
            title = shipped_names().scenario(scenario_id)  # people know the title, not the id
            unmet.append(f'scenario "{title}" not passed' + (" (last: fail)" if outcome else ""))
    # A shift worked before the pathway was assigned is not evidence for it ("not counted:
    # before the pathway"), even when the note about it was signed later.
    shifts = {
        (e.body["shift_date"], e.body["shift"]) for e in after
        if e.kind == "shadow_escalation" and e.body["shift_date"] >= since[:10]
    }
    notes = [e for e in after if e.kind == "note_assessment"]

    def compliant(review: str) -> int:
        latest = _latest_by(
            [e for e in notes if e.body["review"] == review], lambda e: e.body["sequence"]
        )
        return sum(1 for e in latest.values() if e.body["outcome"] == "compliant")

    counts = {
        "shadow_shifts": (len(shifts), requirements.get("shadow_shifts", 0)),
        "compliant_samples": (compliant("sample"), requirements.get("compliant_samples", 0)),
        "first_five": (compliant("first_five"), 5 if requirements.get("first_five") else 0),
    }
    labels = {
        "shadow_shifts": "shadow shifts",
        "compliant_samples": "compliant sample notes",
        "first_five": "compliant first-five notes",
    }
    progress: dict[str, Any] = {"scenarios": scenarios}
    for name, (done, required) in counts.items():
        done = min(done, required) if required else done
        progress[name] = {"done": done, "required": required}
        if done < required:
            unmet.append(f"{labels[name]} {done} of {required}")
    return progress, unmet


@dataclass
class Closure:
    """Where a pathway's closure stands.

    A schema-1 pathway (``owner`` is a name, nobody signs for it) is closed by its first
    ``pathway_closed``. On a schema-2 pathway a ``pathway_closed`` *proposes* closure; it is
    closed once its owner approves the latest proposal with a ``closure_decision`` (the deputy,
    when the owner proposed it), or back to open with the reason when returned. Decisions by
    anyone else are not counted (the laptop refuses to sign them)."""

    proposal: Effective
    decision: Effective | None = None
    state: str = "closed"  # closed | awaiting_approval | returned
    owner_id: str | None = None
    conflict: list[dict[str, Any]] = field(default_factory=list)  # approve vs return, concurrently

    @property
    def closed(self) -> bool:
        return self.state == "closed"


def closures(effective: list[Effective]) -> dict[str, Closure]:
    """pathway id -> its closure (pathways with no proposal are absent)."""
    assigned = {e.body.get("pathway_id"): e for e in effective if e.kind == "pathway_assigned"}
    proposals: dict[str, list[Effective]] = {}
    by_proposal: dict[str, list[Effective]] = {}
    for eff in effective:
        if eff.kind == "pathway_closed":
            proposals.setdefault(eff.body.get("pathway_id"), []).append(eff)
        elif eff.kind == "closure_decision":
            by_proposal.setdefault(eff.body.get("proposal"), []).append(eff)
    out: dict[str, Closure] = {}
    for pathway_id, offered in proposals.items():
        pathway = assigned.get(pathway_id)
        owner = pathway.body.get("owner_id") if pathway is not None else None
        if owner is None:  # schema 1 (or the pathway is not held here): the first one closes it
            out[pathway_id] = Closure(offered[0])
            continue
        deputy = pathway.body.get("deputy_id")
        closure = Closure(offered[-1], state="awaiting_approval", owner_id=owner)
        for proposal in offered:
            deciders = {deputy} if proposal.record["author"] == owner else {owner}
            valid = [d for d in by_proposal.get(proposal.record["hash"], ())
                     if d.record["author"] in deciders and d.body.get("pathway_id") == pathway_id]
            conflict = decisions.closure_conflict(valid)
            latest = decisions.heads(valid)[-1] if valid else None
            if conflict:  # approve and return made concurrently: the pathway stays open
                closure = Closure(proposal, None, "awaiting_approval", owner, conflict)
                continue
            if latest is not None and latest.body.get("decision") == "approve":
                closure = Closure(proposal, latest, "closed", owner)
                break
            closure = Closure(proposal, latest, "returned" if latest else "awaiting_approval", owner)
        out[pathway_id] = closure
    return out


APPROVAL_WORDS = {"awaiting_approval": "awaiting owner approval", "returned": "closure returned by the owner"}


def pathway_view(
    assigned: Effective,
    closure: Closure | None,
    members: dict[str, list[Effective]],
    today: dt.date,
) -> dict[str, Any]:
    """A pathway with per-member progress; ``members`` maps staff id to their records."""
    body = assigned.body
    since = assigned.record["created_at"]
    per_member = {}
    unmet: list[str] = []
    for staff_id, staff_records in members.items():
        progress, missing = requirement_progress(body["requirements"], since, staff_records)
        per_member[staff_id] = {"progress": progress, "unmet": missing}
        prefix = f"{staff_id}: " if "cohort_id" in body else ""
        unmet += [prefix + m for m in missing]
    if "cohort_id" in body and not members:
        unmet.append("cohort has no staff on the roster")
    due_on = dt.date.fromisoformat(body["due_on"])
    closed = closure is not None and closure.closed
    decision = closure.decision if closure is not None else None
    view = {
        "pathway_id": body["pathway_id"],
        "scope": "cohort" if "cohort_id" in body else "staff",
        "subject": body.get("staff_id") or body.get("cohort_id"),
        "incident_ref": body["incident_ref"],
        "gap": body["gap"],
        "owner": body["owner"],
        "owner_id": body.get("owner_id"),
        "deputy_id": body.get("deputy_id"),
        "due_on": body["due_on"],
        "assigned_on": assigned.created_on.isoformat(),
        "status": "closed" if closed else "open",
        "overdue": (not closed) and today > due_on,
        "requirements": body["requirements"],
        "unmet": unmet,
        "met": not unmet,
        "closed_on": (decision or closure.proposal).created_on.isoformat() if closed else None,
        "verification": closure.proposal.body["verification"] if closure else None,
        # schema 2: where the owner's sign-off stands (None on schema-1 pathways)
        "approval": closure.state if closure is not None and closure.owner_id else None,
        "approval_text": APPROVAL_WORDS.get(closure.state) if closure is not None else None,
        "proposal": closure.proposal.record["hash"] if closure is not None else None,
        "proposed_by": closure.proposal.record["author"] if closure is not None else None,
        "decided_by": decision.record["author"] if decision is not None else None,
        "decision_reason": decision.body.get("reason") if decision is not None else None,
        "conflict": closure.conflict if closure is not None else [],
        "conflict_text": (decisions.conflict_text(body["pathway_id"], closure.conflict, "kept open")
                          if closure is not None and closure.conflict else None),
    }
    if "staff_id" in body:
        view["progress"] = per_member.get(body["staff_id"], {}).get("progress")
    else:
        view["members"] = per_member
    return view


def _closure_key(closure: Closure | None) -> tuple | None:
    if closure is None:
        return None
    return (closure.proposal.record["hash"], closure.decision.record["hash"] if closure.decision else None)


def staff_status(
    staff: dict[str, Any],
    effective: list[Effective],
    cohort_members: dict[str, list[Effective]],
    today: dt.date,
    cohort_views: dict[tuple, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The full projection for one person.

    ``effective`` holds every record touching the person (their own, their cohort's, and those
    referring to their pathways and restrictions); ``cohort_members`` maps each member of the
    person's cohort to their records, for cohort pathways. ``cohort_views`` keeps each cohort
    pathway's view between calls for members of the same cohort (it is the same for each).
    """
    staff_id = staff["staff_id"]
    own = [e for e in effective if e.body.get("staff_id") == staff_id]
    closed_by = closures(effective)
    pathways = []
    for eff in effective:
        if eff.kind != "pathway_assigned":
            continue
        if eff.body.get("staff_id") == staff_id:
            members = {staff_id: own}
        elif eff.body.get("cohort_id") == staff["cohort_id"]:
            closure = closed_by.get(eff.body["pathway_id"])
            key = (eff.record["hash"], _closure_key(closure))
            if cohort_views is None or key not in cohort_views:
                view = pathway_view(eff, closure, cohort_members, today)
                if cohort_views is None:
                    pathways.append(view)
                    continue
                cohort_views[key] = view
            pathways.append(cohort_views[key])
            continue
        else:
            continue
        pathways.append(pathway_view(eff, closed_by.get(eff.body["pathway_id"]), members, today))
    latest = _latest_by(
        [e for e in own if e.kind == "scenario_check"], lambda e: e.body["scenario_id"]
    )
    scenarios = {
        sid: {
            "outcome": e.body["outcome"],
            "version": e.body.get("scenario_version"),
            "on": e.created_on.isoformat(),
            "setting": e.body["setting"],
        }
        for sid, e in sorted(latest.items())
    }
    restrictions = [
        s.as_dict(today)
        for s in restriction_states(effective).values()
        if (s.scope == "staff" and s.subject == staff_id)
        or (s.scope == "cohort" and s.subject == staff["cohort_id"])
    ]
    active = [r for r in restrictions if r["status"] == "active"]
    open_pathways = [p for p in pathways if p["status"] == "open"]
    if active:
        state = "restricted"
    elif open_pathways:
        state = "in_progress"
    elif pathways:
        state = "validated"
    else:
        state = "none"
    due_dates = [r["next_review_on"] for r in active] + [p["due_on"] for p in open_pathways]
    return {
        "staff_id": staff_id,
        "name": staff["name"],
        "role": staff["role"],
        "cohort": staff["cohort_id"],
        "state": state,
        "pathways": pathways,
        "scenarios": scenarios,
        "restrictions": restrictions,
        "next_due": min(due_dates) if due_dates else None,
        "overdue": any(r["review_overdue"] for r in active) or any(p["overdue"] for p in open_pathways),
        "records": len(own),
        # decisions made concurrently that disagree (supervisor_tui.reports.decisions), with both sides
        "conflicts": [{"subject": x["restriction_id"], "kind": "restriction", "text": x["conflict_text"],
                       "records": x["conflict"]} for x in restrictions if x["conflict"]]
        + [{"subject": p["pathway_id"], "kind": "pathway", "text": p["conflict_text"], "records": p["conflict"]}
           for p in pathways if p.get("conflict")],
    }
