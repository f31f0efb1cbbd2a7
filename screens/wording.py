"""Problems in the form's words: "Note #: 'abc' is not a whole number", never the body's field
names, the checklist's ids or pydantic's messages (no Textual here; ``FormScreen`` supplies the
labels it shows)."""

from __future__ import annotations

import re
from collections.abc import Callable

from checklists.labels import ENDPOINT_LABELS
from screens.changes import VALUE_WORDS, words

_PYDANTIC = [
    (re.compile(r"^Input should be a valid date.*"), "must be a date written YYYY-MM-DD"),
    (re.compile(r"^Input should be greater than or equal to (\S+)$"), r"must be at least \1"),
    (re.compile(r"^Input should be greater than (\S+)$"), r"must be more than \1"),
    (re.compile(r"^Input should be less than or equal to (\S+)$"), r"must be at most \1"),
    (re.compile(r"^Input should be a valid integer.*"), "must be a whole number"),
    (re.compile(r"^String should have at least 1 character.*"), "required"),
    (re.compile(r"^String should have at most (\d+) characters?$"), r"at most \1 characters"),
    (re.compile(r"^String should match pattern .*"), "letters, digits and - _ . : only (up to 64)"),
    (re.compile(r"^Field required$"), "required"),
    (re.compile(r"^Input should be (('[^']*'(, | or )?)+)$"), "choose one of the options"),
    (re.compile(r"^List should have at least 1 item.*"), "choose at least one"),
]
_ENDPOINTS = re.compile(r"\b(" + "|".join(ENDPOINT_LABELS) + r")\b")


def plain(message: str) -> str:
    """A message with library wording and endpoint ids replaced by words."""
    for pattern, replacement in _PYDANTIC:
        if pattern.match(message):
            message = pattern.sub(replacement, message)
            break
    message = re.sub(r"sequence must be (\S+) for a (\w+) review",
                     lambda m: f"must be {m.group(1)} for a {VALUE_WORDS.get(m.group(2), m.group(2)).lower()} review",
                     message)
    return _ENDPOINTS.sub(lambda m: f"“{ENDPOINT_LABELS[m.group(1)]}”", message)


def field_of(problem: str) -> tuple[str | None, str]:
    """(the form field a problem is about, the rest) from ``"body.items.x: message"``."""
    name, sep, rest = problem.partition(": ")
    if not sep or " " in name:
        return None, problem
    parts = name.split(".")
    if parts[0] == "body" and len(parts) > 1:  # a correction's problems name the corrected body
        parts = parts[1:]
    if parts[0] in ("verification", "requirements") and len(parts) > 1:
        return parts[1], rest
    return parts[0], (f"{'.'.join(parts[1:])}: {rest}" if len(parts) > 1 else rest)


def in_words(problems: list[str], label: Callable[[str], str | None],
             item_words: Callable[[str], str] = lambda s: s) -> list[tuple[str | None, str]]:
    """(field id or None, the problem in words) for each problem, each once."""
    out: list[tuple[str | None, str]] = []
    for problem in problems:
        field, rest = field_of(problem)
        if field is None:
            line = plain(rest)
        else:
            sub, sep, message = rest.partition(": ")
            if sep and " " not in sub and sub:  # items.<id>: … → the item's wording
                line = f"{label(field) or words(field)} “{item_words(sub)}”: {plain(message)}"
            else:
                line = f"{label(field) or words(field)}: {plain(rest)}"
        if (field, line) not in out:
            out.append((field, line))
    return out


def summary(lines: list[tuple[str | None, str]]) -> str:
    """"2 problems: Remediation, Endpoint chosen" (the one line that is always visible)."""
    names = []
    for _field, line in lines:
        name = line.split(":", 1)[0] if ":" in line else line
        if name not in names:
            names.append(name)
    count = len(lines)
    head = f"{count} problem{'s' if count != 1 else ''}: "
    return head + ", ".join(names) + " · Ctrl+S again when fixed"
