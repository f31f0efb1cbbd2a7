"""Pydantic models for every record kind's body (DESIGN §4) and the signed envelope.

Bodies hold what the supervisor captured plus fields derived by ``supervisor_tui.model.rules``; the
envelope is what gets hashed, signed, stored and synced.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    model_validator,
)

from supervisor_tui.model.kinds import DECISION_KINDS, KINDS, utc_now_iso  # noqa: F401 - re-exported

SCHEMA_VERSION = 1

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Ident = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
]
Endpoint = Literal["on_call_clinician", "supervisor", "emergency_services", "no_escalation"]
HASH_RE = re.compile(r"^[0-9a-f]{64}$")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> dt.date:
    """A date is a ``YYYY-MM-DD`` string (or, from the app's own forms, a ``date``): never an
    integer, a datetime or a datetime string, which pydantic's lax mode would turn into one."""
    if type(value) is dt.date:
        return value
    if isinstance(value, str) and _DATE_RE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError("must be a date written YYYY-MM-DD")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    def subject_staff(self) -> str | None:
        return getattr(self, "staff_id", None)

    def subject_cohort(self) -> str | None:
        return getattr(self, "cohort_id", None)


class _StaffOrCohort(Body):
    staff_id: Ident | None = None
    cohort_id: Ident | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Any:
        if (self.staff_id is None) == (self.cohort_id is None):
            raise ValueError("give exactly one of staff_id or cohort_id")
        return self


class Requirements(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenarios: list[Ident] = Field(default_factory=list, max_length=20)
    compliant_samples: StrictInt = Field(default=0, ge=0, le=10)
    first_five: StrictBool = False
    shadow_shifts: StrictInt = Field(default=0, ge=0, le=30)

    @model_validator(mode="after")
    def _something(self) -> Requirements:
        if not (self.scenarios or self.compliant_samples or self.first_five or self.shadow_shifts):
            raise ValueError("a pathway needs at least one requirement")
        if len(set(self.scenarios)) != len(self.scenarios):
            raise ValueError("scenarios are listed twice")
        return self


class PathwayAssigned(_StaffOrCohort):
    pathway_id: Ident
    incident_ref: ShortText
    gap: Literal["knowledge", "workflow", "accountability"]
    owner: ShortText
    due_on: IsoDate
    requirements: Requirements
    note: Text | None = None


class ItemResult(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    item_id: Ident
    result: Literal["pass", "fail", "n/a"]
    note: Text | None = None


class ScenarioCheck(Body):
    staff_id: Ident
    scenario_id: Ident
    scenario_version: StrictInt | None = Field(default=None, ge=1)
    setting: Literal["simulated_call", "on_shift"]
    items: list[ItemResult] = Field(min_length=1, max_length=100)
    chosen_endpoint: Endpoint
    decision_seconds: StrictInt = Field(ge=0, le=86400)
    outcome: Literal["pass", "fail"] | None = None
    remediation: Text | None = None
    pathway_id: Ident | None = None
    session_id: Ident | None = None  # a trainer's group session the check was run in
    # derived
    expected_endpoint: Endpoint | None = None
    failed_critical: list[Ident] | None = None


class ShadowEscalation(Body):
    staff_id: Ident
    shift_date: IsoDate
    shift: Literal["day", "evening", "night"]
    situation: Text
    staff_choice: Endpoint
    supervisor_choice: Endpoint
    agreed: StrictBool | None = None
    learning_note: Text | None = None
    pathway_id: Ident | None = None


class ElementResult(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    element_id: Ident
    present: StrictBool


class NoteAssessment(Body):
    staff_id: Ident
    review: Literal["sample", "first_five"]
    sequence: StrictInt = Field(ge=1, le=5)
    standard_id: Ident
    standard_version: StrictInt | None = Field(default=None, ge=1)
    elements: list[ElementResult] = Field(min_length=1, max_length=100)
    timely: StrictBool
    attempt: StrictInt = Field(default=1, ge=1, le=50)
    outcome: Literal["compliant", "rework"] | None = None
    feedback: Text | None = None
    pathway_id: Ident | None = None
    # derived
    missing_elements: list[Ident] | None = None

    @model_validator(mode="after")
    def _sequence_range(self) -> NoteAssessment:
        limit = 2 if self.review == "sample" else 5
        if self.sequence > limit:
            raise ValueError(f"sequence must be 1-{limit} for a {self.review} review")
        return self


class RestrictionStarted(_StaffOrCohort):
    restriction_id: Ident
    restrictions: list[Ident] = Field(min_length=1, max_length=20)
    reason: Text
    incident_ref: ShortText
    review_every_days: StrictInt = Field(default=7, ge=1, le=90)
    expires_on: IsoDate


class RestrictionReviewed(Body):
    restriction_id: Ident
    decision: Literal["continue", "extend"]
    expires_on: IsoDate | None = None
    note: Text

    @model_validator(mode="after")
    def _extend_needs_date(self) -> RestrictionReviewed:
        if self.decision == "extend" and self.expires_on is None:
            raise ValueError("an 'extend' decision needs a new expires_on")
        if self.decision == "continue" and self.expires_on is not None:
            raise ValueError("expires_on is only given with an 'extend' decision")
        return self


class RestrictionLifted(Body):
    restriction_id: Ident
    reason: Text


Hash = Annotated[str, StringConstraints(pattern=HASH_RE.pattern)]


class _After(BaseModel):
    """Schema 2 of a decision kind: ``after`` = the hashes of the latest decisions on the same
    restriction or pathway that the signer's store held (computed by the software, sorted), so
    that two decisions made offline on different laptops are found as concurrent."""

    after: list[Hash] = Field(max_length=20)

    @model_validator(mode="after")
    def _sorted_unique(self) -> Any:
        if self.after != sorted(set(self.after)):
            raise ValueError("after: the hashes are listed sorted and once each")
        return self


class RestrictionReviewedV2(RestrictionReviewed, _After):
    pass


class RestrictionLiftedV2(RestrictionLifted, _After):
    pass


class Verification(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    what: Text
    by: ShortText
    result: Text


class PathwayAssignedV2(PathwayAssigned):
    """Schema 2: the owner is a supervisor who signs (``owner`` stays the display name)."""

    owner_id: Ident
    deputy_id: Ident | None = None

    @model_validator(mode="after")
    def _deputy_differs(self) -> PathwayAssignedV2:
        if self.deputy_id is not None and self.deputy_id == self.owner_id:
            raise ValueError("the deputy must be someone other than the owner")
        return self


class PathwayClosed(Body):
    """Closes a schema-1 pathway; on a schema-2 pathway it proposes closure to the owner."""

    pathway_id: Ident
    verification: Verification


class PathwayClosedV2(PathwayClosed, _After):
    pass


class ClosureDecision(Body):
    """The pathway owner's (or deputy's) decision on a closure proposal (a ``pathway_closed``);
    ``after`` as for schema 2 of the other decision kinds."""

    after: list[Hash] = Field(default_factory=list, max_length=20)
    pathway_id: Ident
    proposal: Annotated[str, StringConstraints(pattern=HASH_RE.pattern)]
    decision: Literal["approve", "return"]
    reason: Text | None = None

    @model_validator(mode="after")
    def _return_needs_reason(self) -> ClosureDecision:
        if self.decision == "return" and not self.reason:
            raise ValueError("say why the closure is returned")
        return self


class Amendment(Body):
    amends: Annotated[str, StringConstraints(pattern=HASH_RE.pattern)]
    reason: Text
    body: dict[str, Any]
    # the latest correction of ``amends`` this one started from (absent for a first correction;
    # the store refuses a correction that is not based on the latest one)
    base: Annotated[str, StringConstraints(pattern=HASH_RE.pattern)] | None = None


class PackReviewed(Body):
    """The owner signs that the week's control pack was reviewed (``pack_sha256`` of its content)."""

    owner_id: Ident
    week: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$")]
    pack_sha256: Annotated[str, StringConstraints(pattern=HASH_RE.pattern)]
    note: Text | None = None


class KeyRotated(Body):
    """Closes the signing device's chain: its supervisor moved to a new key pair (issue 12).
    Signed by the old key; the central store enrols the new device only against this record."""

    new_device: Ident
    new_public_key: Annotated[str, StringConstraints(pattern=HASH_RE.pattern)]
    reason: Text | None = None


BODY_MODELS: dict[str, type[Body]] = {
    "pathway_assigned": PathwayAssigned,
    "scenario_check": ScenarioCheck,
    "shadow_escalation": ShadowEscalation,
    "note_assessment": NoteAssessment,
    "restriction_started": RestrictionStarted,
    "restriction_reviewed": RestrictionReviewed,
    "restriction_lifted": RestrictionLifted,
    "pathway_closed": PathwayClosed,
    "amendment": Amendment,
    "closure_decision": ClosureDecision,
    "pack_reviewed": PackReviewed,
    "key_rotated": KeyRotated,
}
if tuple(BODY_MODELS) != KINDS:  # the light list the CLI uses must name exactly these models
    raise RuntimeError(f"supervisor_tui.model.kinds.KINDS {KINDS} != body models {tuple(BODY_MODELS)}")
# The envelope's ``schema`` selects the body model: (kind, schema) -> model. Old schema versions
# stay here forever so that old records stay readable and checkable.
MODELS: dict[tuple[str, int], type[Body]] = {(kind, 1): model for kind, model in BODY_MODELS.items()}
MODELS[("pathway_assigned", 2)] = PathwayAssignedV2
MODELS[("restriction_reviewed", 2)] = RestrictionReviewedV2
MODELS[("restriction_lifted", 2)] = RestrictionLiftedV2
MODELS[("pathway_closed", 2)] = PathwayClosedV2
# The schema a laptop signs new records with (old ones stay readable through MODELS).
CURRENT_SCHEMA: dict[str, int] = {kind: max(v for k, v in MODELS if k == kind) for kind in BODY_MODELS}


def current_schema(kind: str) -> int:
    return CURRENT_SCHEMA.get(kind, 1)


def body_model(kind: str, schema: int) -> type[Body] | None:
    """The body model for one kind at one schema version (None when unknown)."""
    return MODELS.get((kind, schema))


class Envelope(BaseModel):
    """A complete signed record as stored, synced and exported."""

    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f-]{36}$")]
    kind: Literal[
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
    ]
    schema_: StrictInt = Field(alias="schema", ge=1)
    author: Ident
    device: Ident
    seq: StrictInt = Field(ge=1)
    prev: Annotated[str, StringConstraints(pattern=r"^([0-9a-f]{64})?$")]
    created_at: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")]
    body: dict[str, Any]
    hash: Annotated[str, StringConstraints(pattern=HASH_RE.pattern)]
    sig: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{128}$")]


