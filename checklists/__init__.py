"""Checklist definitions (escalation scenarios, documentation standards, restriction codes,
decision aid) shipped as versioned TOML data files, with their loader and validator.

The names below are imported on first use (PEP 562), so importing a light submodule such as
``checklists.labels`` does not load pydantic and the models.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "ChecklistError": "checklists.loader",
    "Library": "checklists.loader",
    "load_file": "checklists.loader",
    "load_library": "checklists.loader",
    "DecisionAid": "checklists.models",
    "RestrictionCodes": "checklists.models",
    "Scenario": "checklists.models",
    "Standard": "checklists.models",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'checklists' has no attribute {name!r}")
    return getattr(import_module(module), name)
