"""Checklists pulled from the central store (``central-checklists.json``, written by sync) added
to a library, so a checklist version the organisation published centrally (``governance-store
serve --checklists DIR``) can be used on the laptop after the next sync.

Every pulled definition is validated with the same models as a TOML file. A definition that does
not validate, or that reuses an id and version this laptop already has with different content,
is skipped and named in the problems list: a version number always means one definition.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from checklists.loader import ChecklistError, Library, validate

PULLED_FILE = "central-checklists.json"
_CACHE: dict[tuple[int, Path, int, int], tuple[Library, list[str]]] = {}


def with_pulled(base: Library, home: Path) -> tuple[Library, list[str]]:
    """``base`` plus the valid pulled checklists in ``home`` (``base`` itself when none), and
    one line per pulled definition that was skipped. Cached until the file changes."""
    path = Path(home) / PULLED_FILE
    try:
        stat = path.stat()
    except OSError:
        return base, []
    key = (id(base), path.resolve(), stat.st_mtime_ns, stat.st_size)
    if key not in _CACHE:
        _CACHE[key] = _load(base, path)
    return _CACHE[key]


def _load(base: Library, path: Path) -> tuple[Library, list[str]]:
    try:
        items: Any = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        return base, [f"{path.name}: unreadable ({exc.__class__.__name__}); using this laptop's checklists"]
    if not isinstance(items, list):
        return base, [f"{path.name}: not a list of checklists; using this laptop's checklists"]
    library = Library(dict(base.by_key))
    problems: list[str] = []
    for n, item in enumerate(items):
        try:
            checklist = validate(item, f"{path.name}[{n}]")
        except ChecklistError as exc:
            problems.append(f"{exc}; skipped")
            continue
        held = library.by_key.get((checklist.id, checklist.version))
        if held is None:
            library.by_key[(checklist.id, checklist.version)] = checklist
        elif held != checklist:
            problems.append(f"{path.name}[{n}]: {checklist.id} v{checklist.version} differs from this laptop's"
                            " definition of that version; this laptop's is used")
    if len(library.by_key) == len(base.by_key):
        return base, problems
    return library, problems
