"""Checklist definitions (escalation scenarios, documentation standards, restriction codes,
decision aid) shipped as versioned TOML data files, with their loader and validator."""

from checklists.loader import (
    ChecklistError,
    Library,
    load_file,
    load_library,
)
from checklists.models import (
    DecisionAid,
    RestrictionCodes,
    Scenario,
    Standard,
)

__all__ = [
    "ChecklistError",
    "DecisionAid",
    "Library",
    "RestrictionCodes",
    "Scenario",
    "Standard",
    "load_file",
    "load_library",
]
