"""Whether a signed record's body is one a laptop would have signed: the one check shared by the
laptop (before signing, and on every record it pulls) and the central store (on every push, and
in ``governance-store verify``).

A valid signature says who wrote a record, not that its content is sane. A body is accepted
only when it is exactly what ``rules.prepare_body`` produces: it fits its kind's model at its
schema version with no coercion (a date is a ``YYYY-MM-DD`` string, a number a JSON integer, a
string already trimmed), its derived fields are the ones the checklists give, its nesting and
size are within limits every encoder and reader here handles, and an amendment's corrected body
fits the kind and schema of the record it amends (which must be held). Store-dependent rules
(the roster, whether a restriction is still active, today's date) are not part of this check:
records made offline on several laptops arrive in any order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from checklists.loader import Library
from supervisor_tui.records import Amendment, body_model
from supervisor_tui.rules import amended_body, derive, pydantic_problems

# The deepest body a laptop signs is an amendment of a scenario check:
# body -> body -> items -> [item] -> item: depth 5. Anything much deeper is hostile.
MAX_BODY_DEPTH = 8
MAX_BODY_NODES = 5_000  # values (objects, arrays, scalars) in one body
MAX_BODY_BYTES = 64 * 1024  # its canonical JSON
MAX_STRING = 8_000  # characters in any one string or key

HeldLookup = Callable[[str], "dict[str, Any] | None"]


def shape_problem(body: Any) -> str | None:
    """Why a body is too deep, too big or not JSON-typed (None when fine). Iterative, so a
    hostile body nested thousands deep cannot exhaust the stack here."""
    stack: list[tuple[Any, int]] = [(body, 1)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if depth > MAX_BODY_DEPTH:
            return f"body: nested more than {MAX_BODY_DEPTH} levels deep"
        if nodes > MAX_BODY_NODES:
            return f"body: more than {MAX_BODY_NODES} values"
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str) or len(key) > MAX_STRING:
                    return "body: an object key is not a short string"
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            if len(value) > MAX_STRING:
                return f"body: a text of more than {MAX_STRING} characters"
        elif value is None or isinstance(value, bool):
            pass
        elif isinstance(value, int):
            if not -(2**53 - 1) <= value <= 2**53 - 1:
                return "body: an integer outside +/-(2**53-1)"
        else:
            return f"body: a {type(value).__name__} value is not allowed (no floats)"
    if len(_normal(body).encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        return f"body: more than {MAX_BODY_BYTES} bytes"
    return None


def _normal(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _first_difference(signed: Any, normal: Any, path: str = "") -> str:
    """Where ``signed`` differs from the laptop's normal form (for a readable reason)."""
    if isinstance(signed, dict) and isinstance(normal, dict):
        for key in sorted(set(signed) | set(normal)):
            where = f"{path}.{key}" if path else key
            if key not in normal:
                return f"{where}: a laptop never records this field here"
            if key not in signed:
                return f"{where}: missing (a laptop always records it)"
            if _normal(signed[key]) != _normal(normal[key]):
                return _first_difference(signed[key], normal[key], where)
    if isinstance(signed, list) and isinstance(normal, list) and len(signed) == len(normal):
        for index, (a, b) in enumerate(zip(signed, normal, strict=True)):
            if _normal(a) != _normal(b):
                return _first_difference(a, b, f"{path}[{index}]")
    return (f"{path or 'body'}: {_normal(signed)[:60]} is not what a laptop records"
            f" (it would record {_normal(normal)[:60]})")


def body_problems(kind: str, schema: int, body: Any, library: Library,
                  held: HeldLookup) -> list[str]:
    """Why a signed body is not one a laptop would sign (empty when it is).

    ``held(hash)`` returns a held record (``kind``, ``schema``, ``body``) or None; it is asked
    only for an amendment's target."""
    if not isinstance(body, dict):
        return ["body: must be a JSON object"]
    problem = shape_problem(body)
    if problem:
        return [problem]
    model = body_model(kind, schema)
    if model is None:
        return [f"schema: version {schema} of {kind!r} is not known here"]
    try:
        parsed = model.model_validate(body)
    except ValidationError as exc:
        return pydantic_problems(exc)
    problems = derive(kind, parsed, library)
    if problems:
        return problems
    normal = parsed.model_dump(mode="json", exclude_none=True)
    if isinstance(parsed, Amendment):
        corrected, problems = amended_body(held(parsed.amends), parsed, library)
        if corrected is None or problems:
            return problems
        normal["body"] = corrected.model_dump(mode="json", exclude_none=True)
    if _normal(normal) != _normal(body):
        return [_first_difference(body, normal)]
    return []


def record_problems(record: dict[str, Any], library: Library, held: HeldLookup) -> list[str]:
    """``body_problems`` for a whole envelope (kind and schema checked first)."""
    kind, schema = record.get("kind"), record.get("schema")
    if not isinstance(kind, str) or not isinstance(schema, int) or isinstance(schema, bool):
        return ["kind/schema: not a known kind and version"]
    return body_problems(kind, schema, record.get("body"), library, held)
