"""The (id, version) of every shipped checklist file, read without validating it.

The sync client compares the checklists it pulls with the ones this laptop has; when every
pulled one is a shipped (id, version), nothing is new and the library (pydantic models, every
file validated: about 0.2 s at start-up) need not be loaded to say so. A file whose ``id`` or
``version`` is not plainly a text and a whole number is left out, so the answer can only be
smaller than the loaded library's keys (the caller then loads the library), never larger.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"  # the same folder as ``checklists.loader.DATA_DIR``
_KEYS: frozenset[tuple[str, int]] | None = None


def shipped_keys() -> frozenset[tuple[str, int]]:
    """(id, version) of the shipped checklist files, read once per process."""
    global _KEYS
    if _KEYS is None:
        keys = set()
        for path in sorted(DATA_DIR.rglob("*.toml")):
            try:
                data = tomllib.loads(path.read_text("utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            ident, version = data.get("id"), data.get("version")
            if isinstance(ident, str) and type(version) is int:
                keys.add((ident, version))
        _KEYS = frozenset(keys)
    return _KEYS
