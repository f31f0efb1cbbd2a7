"""Validate a record body and compute its derived fields.

Derived fields are computed here and never trusted from input: a scenario check's outcome, a
note assessment's outcome and missing elements, a shadow note's ``agreed``. A value supplied for
a derived field that contradicts the rule is refused rather than silently overwritten, so an
assessor can never record a pass that the checklist fails.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import ValidationError

from checklists.loader import Library
from checklists.models import RestrictionCodes, Scenario, Standard
from supervisor_tui.model.limits import shape_problem
from supervisor_tui.model.records import (
    BODY_MODELS,
    DECISION_KINDS,
    Amendment,
    Body,
    ClosureDecision,
    NoteAssessment,
    PathwayAssigned,
    PathwayClosed,
    RestrictionLifted,
    RestrictionReviewed,
    RestrictionStarted,
    ScenarioCheck,
    ShadowEscalation,
    body_model,
    current_schema,
)


class RecordInvalid(ValueError):
    """A body that cannot be recorded; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class RestrictionInfo:
    restriction_id: str
    lifted: bool
    expires_on: dt.date
    started_on: dt.date


@dataclass
class PathwayInfo:
    pathway_id: str
    closed: bool
    unmet: list[str] = field(default_factory=list)
    owner_id: str | None = None  # schema 2: the owner who signs closure decisions
    deputy_id: str | None = None
    approval: str | None = None  # awaiting_approval | returned | closed (schema 2 with a proposal)
    proposal: str | None = None  # hash of the latest closure proposal
    proposed_by: str | None = None


class RuleContext(Protocol):
    """What the rules need to know about the store (implemented by ``storage``)."""

    library: Library
    today: dt.date
    author: str  # the supervisor id of whoever is about to sign

    def staff_exists(self, staff_id: str) -> bool: ...
    def cohort_exists(self, cohort_id: str) -> bool: ...
    def restriction(self, restriction_id: str) -> RestrictionInfo | None: ...
    def pathway(self, pathway_id: str) -> PathwayInfo | None: ...
    def record_by_hash(self, record_hash: str) -> dict[str, Any] | None: ...
    def decision_heads(self, subject: str) -> list[str]: ...


def pydantic_problems(exc: ValidationError) -> list[str]:
    """One readable line per pydantic error: ``field.path: message``."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        lines.append(f"{loc}: {msg}")
    return lines


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"


def prepare_body(kind: str, raw: Any, ctx: RuleContext, schema: int | None = None) -> dict[str, Any]:
    """Validate ``raw`` as a ``kind`` body, compute derived fields, return the JSON body."""
    if kind not in BODY_MODELS:
        raise RecordInvalid([f"kind: unknown kind {kind!r} (one of {', '.join(BODY_MODELS)})"])
    if not isinstance(raw, dict):
        raise RecordInvalid(["body: must be a JSON object"])
    too_big = shape_problem(raw)
    if too_big:
        raise RecordInvalid([too_big])
    raw = dict(raw)
    if kind in DECISION_KINDS and (schema or current_schema(kind)) >= 2 or kind == "closure_decision":
        if "after" in raw:
            raise RecordInvalid(["after: worked out by the software from the decisions this laptop holds;"
                                 " leave it out"])
        subject = raw.get("restriction_id") or raw.get("pathway_id")
        raw["after"] = ctx.decision_heads(subject) if isinstance(subject, str) else []
    if kind == "pathway_assigned" and not raw.get("pathway_id"):
        raw["pathway_id"] = new_id("PW")
    if kind == "restriction_started" and not raw.get("restriction_id"):
        raw["restriction_id"] = new_id("RS")
    body = _parse(kind, raw, schema)
    problems = derive(kind, body, ctx.library) + _CONTEXT[kind](body, ctx, None)
    if problems:
        raise RecordInvalid(problems)
    return body.model_dump(mode="json", exclude_none=True)


def derive(kind: str, body: Body, library: Library) -> list[str]:
    """Check what a body must satisfy on its own (given the checklists) and fill in its derived
    fields. No store, roster or clock: the central store runs exactly this on every record it
    is sent (``supervisor_tui.model.acceptance``), so a laptop and the server agree."""
    return _DERIVE[kind](body, library)


def _parse(kind: str, raw: dict[str, Any], schema: int | None = None) -> Body:
    model = body_model(kind, schema or current_schema(kind))
    if model is None:
        raise RecordInvalid([f"schema: version {schema} of {kind} is not known"])
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise RecordInvalid(pydantic_problems(exc)) from exc


def _staff(ctx: RuleContext, staff_id: str | None, cohort_id: str | None = None) -> list[str]:
    problems = []
    if staff_id is not None and not ctx.staff_exists(staff_id):
        problems.append(f"staff_id: {staff_id!r} is not on the roster")
    if cohort_id is not None and not ctx.cohort_exists(cohort_id):
        problems.append(f"cohort_id: {cohort_id!r} is not a known cohort")
    return problems


def _linked_pathway(ctx: RuleContext, pathway_id: str | None) -> list[str]:
    if pathway_id is not None and ctx.pathway(pathway_id) is None:
        return [f"pathway_id: no pathway {pathway_id!r} in this store"]
    return []


def _derive_pathway_assigned(body: PathwayAssigned, library: Library) -> list[str]:
    return [f"requirements.scenarios: no scenario {scenario_id!r}"
            for scenario_id in body.requirements.scenarios
            if not isinstance(library.get(scenario_id), Scenario)]


def _pathway_assigned(body: PathwayAssigned, ctx: RuleContext, original: dict | None) -> list[str]:
    problems = _staff(ctx, body.staff_id, body.cohort_id)
    same_id = original is not None and original.get("pathway_id") == body.pathway_id
    if not same_id and ctx.pathway(body.pathway_id) is not None:
        problems.append(f"pathway_id: {body.pathway_id!r} is already used")
    if original is None and body.due_on < ctx.today:
        problems.append(f"due_on: {body.due_on} is in the past")
    return problems


def _staff_rules(body: Any, ctx: RuleContext, original: dict | None) -> list[str]:
    return _staff(ctx, body.staff_id) + _linked_pathway(ctx, body.pathway_id)


def _derive_scenario_check(body: ScenarioCheck, library: Library) -> list[str]:
    problems: list[str] = []
    scenario = library.get(body.scenario_id, body.scenario_version)
    if not isinstance(scenario, Scenario):
        version = f" version {body.scenario_version}" if body.scenario_version else ""
        return problems + [f"scenario_id: no scenario {body.scenario_id!r}{version}"]
    body.scenario_version = scenario.version
    given = {item.item_id: item for item in body.items}
    if len(given) != len(body.items):
        problems.append("items: an item_id is listed twice")
    known = {item.item_id for item in scenario.items}
    unknown = [i for i in given if i not in known]
    if unknown:
        problems.append(f"items: not in {scenario.id} v{scenario.version}: {', '.join(unknown)}")
    missing = [i.item_id for i in scenario.items if i.item_id not in given]
    if missing:
        problems.append(f"items: no result for {', '.join(missing)}")
    failed_critical = []
    for item in scenario.items:
        result = given.get(item.item_id)
        if item.critical and result is not None:
            if result.result == "n/a":
                problems.append(f"items.{item.item_id}: a critical item cannot be n/a")
            elif result.result == "fail":
                failed_critical.append(item.item_id)
    outcome = "pass"
    reasons = []
    if failed_critical:
        outcome = "fail"
        reasons.append(f"critical item(s) failed: {', '.join(failed_critical)}")
    if body.chosen_endpoint != scenario.expected_endpoint:
        outcome = "fail"
        reasons.append(
            f"endpoint {body.chosen_endpoint} chosen, {scenario.expected_endpoint} expected"
        )
    if body.outcome is not None and body.outcome != outcome:
        problems.append(
            f"outcome: '{body.outcome}' contradicts the checklist, which gives '{outcome}'"
            + (f" ({'; '.join(reasons)})" if reasons else "")
        )
    if outcome == "fail" and not body.remediation:
        problems.append("remediation: required when the check fails")
    body.outcome = outcome
    body.expected_endpoint = scenario.expected_endpoint
    body.failed_critical = failed_critical
    return problems


def _derive_shadow(body: ShadowEscalation, library: Library) -> list[str]:
    problems = []
    agreed = body.staff_choice == body.supervisor_choice
    if body.agreed is not None and body.agreed != agreed:
        problems.append(f"agreed: must be {str(agreed).lower()} for these two choices")
    if not agreed and not body.learning_note:
        problems.append("learning_note: required when the choices differ")
    body.agreed = agreed
    return problems


def _shadow(body: ShadowEscalation, ctx: RuleContext, original: dict | None) -> list[str]:
    problems = _staff_rules(body, ctx, original)
    if body.shift_date > ctx.today + dt.timedelta(days=1):
        problems.append(f"shift_date: {body.shift_date} is in the future")
    return problems


def _derive_note(body: NoteAssessment, library: Library) -> list[str]:
    problems: list[str] = []
    standard = library.get(body.standard_id, body.standard_version)
    if not isinstance(standard, Standard):
        version = f" version {body.standard_version}" if body.standard_version else ""
        return problems + [f"standard_id: no standard {body.standard_id!r}{version}"]
    body.standard_version = standard.version
    given = {e.element_id: e for e in body.elements}
    if len(given) != len(body.elements):
        problems.append("elements: an element_id is listed twice")
    known = {e.element_id for e in standard.elements}
    unknown = [e for e in given if e not in known]
    if unknown:
        problems.append(f"elements: not in {standard.id} v{standard.version}: {', '.join(unknown)}")
    unanswered = [e.element_id for e in standard.elements if e.required and e.element_id not in given]
    if unanswered:
        problems.append(f"elements: no answer for required {', '.join(unanswered)}")
    missing = [
        e.element_id
        for e in standard.elements
        if e.required and e.element_id in given and not given[e.element_id].present
    ]
    outcome = "compliant" if not missing and body.timely else "rework"
    if body.outcome is not None and body.outcome != outcome:
        why = ", ".join(missing) + ("" if body.timely else (", " if missing else "") + "late")
        problems.append(
            f"outcome: '{body.outcome}' contradicts the standard, which gives '{outcome}'"
            + (f" (missing: {why})" if outcome == "rework" else "")
        )
    if outcome == "rework" and not body.feedback:
        problems.append("feedback: required when the note needs rework")
    body.outcome = outcome
    body.missing_elements = missing
    return problems


def _derive_restriction_started(body: RestrictionStarted, library: Library) -> list[str]:
    problems = []
    known = {c.code for c in library.restriction_codes().codes}
    unknown = [c for c in body.restrictions if c not in known]
    if unknown:
        problems.append(f"restrictions: unknown code(s) {', '.join(unknown)}")
    if len(set(body.restrictions)) != len(body.restrictions):
        problems.append("restrictions: a code is listed twice")
    return problems


def _restriction_started(
    body: RestrictionStarted, ctx: RuleContext, original: dict | None
) -> list[str]:
    problems = _staff(ctx, body.staff_id, body.cohort_id)
    codes = ctx.library.restriction_codes()
    same_id = original is not None and original.get("restriction_id") == body.restriction_id
    if not same_id and ctx.restriction(body.restriction_id) is not None:
        problems.append(f"restriction_id: {body.restriction_id!r} is already used")
    problems += _expiry(body.expires_on, ctx.today, codes, "expires_on")
    return problems


def _expiry(expires_on: dt.date, start: dt.date, codes: RestrictionCodes, name: str) -> list[str]:
    if expires_on <= start:
        return [f"{name}: {expires_on} must be after {start} (restrictions are time limited)"]
    limit = start + dt.timedelta(days=codes.max_duration_days)
    if expires_on > limit:
        return [f"{name}: at most {codes.max_duration_days} days ahead (by {limit})"]
    return []


def _active_restriction(ctx: RuleContext, restriction_id: str) -> tuple[RestrictionInfo | None, list[str]]:
    info = ctx.restriction(restriction_id)
    if info is None:
        return None, [f"restriction_id: no restriction {restriction_id!r} in this store"]
    if info.lifted:
        return info, [f"restriction_id: {restriction_id} has already been lifted"]
    return info, []


def _restriction_reviewed(
    body: RestrictionReviewed, ctx: RuleContext, original: dict | None
) -> list[str]:
    info, problems = _active_restriction(ctx, body.restriction_id)
    if info is not None and body.expires_on is not None:
        if body.expires_on <= info.expires_on:
            problems.append(f"expires_on: an extension must be after the current {info.expires_on}")
        else:
            problems += _expiry(body.expires_on, ctx.today, ctx.library.restriction_codes(), "expires_on")
    return problems


def _restriction_lifted(body: RestrictionLifted, ctx: RuleContext, original: dict | None) -> list[str]:
    return _active_restriction(ctx, body.restriction_id)[1]


def _pathway_closed(body: PathwayClosed, ctx: RuleContext, original: dict | None) -> list[str]:
    info = ctx.pathway(body.pathway_id)
    if info is None:
        return [f"pathway_id: no pathway {body.pathway_id!r} in this store"]
    if info.closed and original is None:
        return [f"pathway_id: {body.pathway_id} is already closed"]
    if info.approval == "awaiting_approval" and original is None:
        return [f"pathway_id: {body.pathway_id} already awaits its owner's approval"
                f" (proposed by {info.proposed_by})"]
    if info.unmet:
        return [f"pathway {body.pathway_id} cannot be closed, unmet: {u}" for u in info.unmet]
    return []


def _closure_decision(body: ClosureDecision, ctx: RuleContext, original: dict | None) -> list[str]:
    info = ctx.pathway(body.pathway_id)
    if info is None:
        return [f"pathway_id: no pathway {body.pathway_id!r} in this store"]
    if info.owner_id is None:
        return [f"pathway_id: {body.pathway_id} names no signing owner: its closure needs no approval"]
    if info.proposal is None:
        return [f"proposal: nobody has proposed closing {body.pathway_id}"]
    if body.proposal != info.proposal:
        return [f"proposal: not the latest closure proposal of {body.pathway_id}"]
    if info.approval != "awaiting_approval":
        return [f"proposal: already decided ({info.approval})"]
    if info.proposed_by == info.owner_id:
        if info.deputy_id is None:
            return [f"the owner {info.owner_id} proposed this closure: a deputy must decide, and"
                    f" {body.pathway_id} names none"]
        if ctx.author != info.deputy_id:
            return [f"the owner {info.owner_id} proposed this closure: only the deputy"
                    f" {info.deputy_id} can decide it"]
    elif ctx.author != info.owner_id:
        return [f"only the pathway's owner {info.owner_id} can decide its closure"]
    if body.decision == "approve" and info.unmet:
        return [f"cannot approve: no longer met: {u}" for u in info.unmet]
    return []


def _pack_reviewed(body: Any, ctx: RuleContext, original: dict | None) -> list[str]:
    if ctx.author != body.owner_id:
        return [f"owner_id: only {body.owner_id} can sign that their weekly review happened"]
    return []


def amended_body(target: dict[str, Any] | None, body: Amendment, library: Library) -> tuple[Body | None, list[str]]:
    """Parse and derive an amendment's corrected body against the record it amends (``target``:
    a record dict with ``kind``, ``schema`` and ``body``). Shared by the laptop and the server."""
    if target is None:
        return None, [f"amends: no record with hash {body.amends[:12]}… in this store"]
    if target["kind"] == "amendment":
        return None, ["amends: amend the original record, not an amendment"]
    if target["kind"] == "key_rotated":
        return None, ["amends: a key rotation cannot be amended"]
    kind, schema = target["kind"], target.get("schema", 1)
    model = body_model(kind, schema)
    if model is None:
        return None, [f"amends: the corrected record's kind {kind!r} (schema {schema}) is not known"]
    try:
        corrected = model.model_validate(body.body)
    except ValidationError as exc:
        return None, [f"body.{p}" for p in pydantic_problems(exc)]
    target_body = target["body"] if isinstance(target["body"], dict) else {}
    for key in ("pathway_id", "restriction_id", "owner_id", "deputy_id", "after"):
        changed = getattr(corrected, key, None) != target_body.get(key)
        if changed and (key in target_body or key in ("owner_id", "deputy_id", "after")):
            return None, [f"body.{key}: an amendment cannot change {key}"]  # who signs off stays
    return corrected, [f"body.{p}" for p in derive(kind, corrected, library)]


def _amendment(body: Amendment, ctx: RuleContext, original: dict | None) -> list[str]:
    target = ctx.record_by_hash(body.amends)
    corrected, problems = amended_body(target, body, ctx.library)
    if corrected is None or problems:
        return problems
    assert target is not None
    problems = _CONTEXT[target["kind"]](corrected, ctx, target["body"])
    body.body = corrected.model_dump(mode="json", exclude_none=True)
    return [f"body.{p}" for p in problems]


def _nothing(body: Any, *args: Any) -> list[str]:
    return []


_DERIVE: dict[str, Any] = {
    "pathway_assigned": _derive_pathway_assigned,
    "scenario_check": _derive_scenario_check,
    "shadow_escalation": _derive_shadow,
    "note_assessment": _derive_note,
    "restriction_started": _derive_restriction_started,
    "restriction_reviewed": _nothing,
    "restriction_lifted": _nothing,
    "pathway_closed": _nothing,
    "closure_decision": _nothing,
    "pack_reviewed": _nothing,
    "amendment": _nothing,  # its corrected body: ``amended_body``, which needs the amended record
    "key_rotated": _nothing,  # signed by 'key rotate' (storage/profiles.py), never by hand
}
_CONTEXT: dict[str, Any] = {
    "pathway_assigned": _pathway_assigned,
    "scenario_check": _staff_rules,
    "shadow_escalation": _shadow,
    "note_assessment": _staff_rules,
    "restriction_started": _restriction_started,
    "restriction_reviewed": _restriction_reviewed,
    "restriction_lifted": _restriction_lifted,
    "pathway_closed": _pathway_closed,
    "closure_decision": _closure_decision,
    "pack_reviewed": _pack_reviewed,
    "amendment": _amendment,
    "key_rotated": lambda body, ctx, original: [
        "kind: key_rotated records are made by 'supervisor-tui key rotate', not by hand"],
}
