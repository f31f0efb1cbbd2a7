"""Pydantic models of checklist files; the same models validate shipped and provider files."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from checklists.labels import ENDPOINT_LABELS, ENDPOINTS  # noqa: F401 - part of this module's API

Endpoint = Literal["on_call_clinician", "supervisor", "emergency_services", "no_escalation"]

_ID = r"^[a-z0-9][a-z0-9_.-]{1,63}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Threshold(_Strict):
    """One line of a decision aid: when you see this, do that."""

    when: str = Field(min_length=3)
    action: str = Field(min_length=3)
    endpoint: Endpoint


class ScenarioItem(_Strict):
    item_id: str = Field(pattern=_ID)
    text: str = Field(min_length=3)
    critical: bool = False


class _ChecklistBase(_Strict):
    id: str = Field(pattern=_ID)
    version: int = Field(ge=1)
    title: str = Field(min_length=3)
    example_notice: str = Field(
        min_length=10,
        description="Plain statement that this is an example for a provider to adapt.",
    )


class Scenario(_ChecklistBase):
    kind: Literal["scenario"]
    summary: str = Field(min_length=3)
    script: str = Field(min_length=20, description="The call script a trainer reads aloud.")
    expected_endpoint: Endpoint
    target_decision_seconds: int = Field(ge=5, le=3600)
    thresholds: list[Threshold] = Field(min_length=1)
    items: list[ScenarioItem] = Field(min_length=2)

    @model_validator(mode="after")
    def _unique_items(self) -> Scenario:
        ids = [item.item_id for item in self.items]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate item_id: {', '.join(duplicates)}")
        if not any(item.critical for item in self.items):
            raise ValueError("a scenario needs at least one critical item")
        return self

    def item(self, item_id: str) -> ScenarioItem | None:
        return next((i for i in self.items if i.item_id == item_id), None)


class StandardElement(_Strict):
    element_id: str = Field(pattern=_ID)
    text: str = Field(min_length=3)
    required: bool = True


class Timeliness(_Strict):
    max_hours: int = Field(ge=1, le=24 * 30)
    rule: str = Field(min_length=3)


class Standard(_ChecklistBase):
    kind: Literal["standard"]
    elements: list[StandardElement] = Field(min_length=1)
    timeliness: Timeliness

    @model_validator(mode="after")
    def _unique_elements(self) -> Standard:
        ids = [e.element_id for e in self.elements]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate element_id: {', '.join(duplicates)}")
        return self

    def element(self, element_id: str) -> StandardElement | None:
        return next((e for e in self.elements if e.element_id == element_id), None)


class RestrictionCode(_Strict):
    code: str = Field(pattern=_ID)
    text: str = Field(min_length=3)


class RestrictionCodes(_ChecklistBase):
    kind: Literal["restrictions"]
    default_review_every_days: int = Field(default=7, ge=1, le=90)
    max_duration_days: int = Field(default=90, ge=1, le=365)
    codes: list[RestrictionCode] = Field(min_length=1)


class DecisionAid(_ChecklistBase):
    kind: Literal["decision_aid"]
    sections: list[DecisionAidSection] = Field(min_length=1)


class DecisionAidSection(_Strict):
    heading: str = Field(min_length=3)
    lines: list[str] = Field(min_length=1)
    endpoint: Endpoint | None = None


DecisionAid.model_rebuild()

Checklist = Scenario | Standard | RestrictionCodes | DecisionAid
