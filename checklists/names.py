"""People's words for checklist ids: a scenario's title for its id, a restriction's text for its
code, as screens and summaries show them (a supervisor knows "Fall with a head bump, client on
an anticoagulant", not ``fall-head-injury-anticoagulant``).

Read from the shipped checklist files without validating them (``tomllib`` only, a few ms; the
library's pydantic models cost about 0.2 s, which opening a person must not pay), or from a
library already loaded (which also holds the checklists pulled from the central store). Only
text values are taken; an id without a name is shown as itself.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checklists.shipped_keys import DATA_DIR


@dataclass(frozen=True)
class Names:
    scenarios: Mapping[str, str] = field(default_factory=dict)  # scenario id -> title (latest version)
    restrictions: Mapping[str, str] = field(default_factory=dict)  # restriction code -> its text

    def scenario(self, scenario_id: Any) -> str:
        """The scenario's title, or its id when it has none here."""
        return self.scenarios.get(scenario_id, str(scenario_id)) if isinstance(scenario_id, str) else str(scenario_id)

    def restriction(self, code: Any) -> str:
        """The restriction's text (e.g. "No solo community tasks"), or its code."""
        return self.restrictions.get(code, str(code)) if isinstance(code, str) else str(code)


def short_restriction(code: Any) -> str:
    """A restriction code in words where there is room for little (a roster column):
    ``no_solo_community`` -> "no solo community"."""
    return str(code).replace("_", " ")


def restrictions_in_words(codes: Any, names: Names | None = None, with_codes: bool = True) -> str:
    """Restriction codes as their texts, each followed by its code for those who look the code
    up (an auditor, a policy): "No solo community tasks (no_solo_community); ..."."""
    names = names or shipped_names()
    if not isinstance(codes, list | tuple):
        return str(codes)
    words = [names.restriction(c) for c in codes]
    if with_codes:
        words = [w if w == str(c) else f"{w} ({c})" for w, c in zip(words, codes, strict=True)]
    return "; ".join(words)


_SHIPPED: Names | None = None


def shipped_names() -> Names:
    """Names from the shipped checklist files, read once per process."""
    global _SHIPPED
    if _SHIPPED is None:
        items = []
        for path in sorted(DATA_DIR.rglob("*.toml")):
            try:
                items.append(tomllib.loads(path.read_text("utf-8")))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
        _SHIPPED = names_from(items)
    return _SHIPPED


_FROM_LIBRARY: tuple[Any, Names] | None = None


def library_names(library: Any) -> Names:
    """Names from a loaded ``checklists.loader.Library`` (shipped and pulled checklists);
    the last library's are kept (a library is not changed once loaded)."""
    global _FROM_LIBRARY
    if _FROM_LIBRARY is None or _FROM_LIBRARY[0] is not library:
        _FROM_LIBRARY = (library, names_from(c.model_dump() for c in library.by_key.values()))
    return _FROM_LIBRARY[1]


def names_of(library: Any | None) -> Names:
    """A loaded library's names, or the shipped checklists' when none is loaded (None)."""
    return shipped_names() if library is None else library_names(library)


def names_from(items: Any) -> Names:
    """Names from checklist definitions as plain dicts (a later version's title wins)."""
    scenarios: dict[str, tuple[int, str]] = {}
    restrictions: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        ident, version, kind = item.get("id"), item.get("version"), item.get("kind")
        if kind == "scenario" and isinstance(ident, str) and isinstance(item.get("title"), str):
            rank = version if type(version) is int else 0
            if ident not in scenarios or scenarios[ident][0] <= rank:
                scenarios[ident] = (rank, item["title"])
        elif kind == "restrictions" and isinstance(item.get("codes"), list):
            for code in item["codes"]:
                if isinstance(code, dict) and isinstance(code.get("code"), str) and isinstance(code.get("text"), str):
                    restrictions[code["code"]] = code["text"]
    return Names({k: title for k, (_, title) in scenarios.items()}, restrictions)
