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

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from checklists.loader import Library
from supervisor_tui.model.acceptance_fast import fast_accepts
from supervisor_tui.model.limits import normal_json as _normal
from supervisor_tui.model.limits import same_json, shape_problem
from supervisor_tui.model.records import Amendment, body_model
from supervisor_tui.model.rules import amended_body, derive, pydantic_problems

HeldLookup = Callable[[str], "dict[str, Any] | None"]



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
                  held: HeldLookup, shaped: bool = False, quick: bool = True) -> list[str]:
    """Why a signed body is not one a laptop would sign (empty when it is).

    ``held(hash)`` returns a held record (``kind``, ``schema``, ``body``) or None; it is asked
    only for an amendment's target. ``shaped``: the caller has just found ``shape_problem``
    None for this very body (the central store's envelope check), so it is not walked again.
    A body already in normal form is accepted by ``acceptance_fast.fast_accepts`` (the same
    answer, a third of the time); ``quick=False`` always runs the full check (its tests)."""
    if not isinstance(body, dict):
        return ["body: must be a JSON object"]
    if quick and fast_accepts(kind, schema, body, library):
        return []
    problem = None if shaped else shape_problem(body)
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
    if not same_json(normal, body):  # (the body passed shape_problem: no floats)
        return [_first_difference(body, normal)]
    return []


def record_problems(record: dict[str, Any], library: Library, held: HeldLookup,
                    shaped: bool = False) -> list[str]:
    """``body_problems`` for a whole envelope (kind and schema checked first)."""
    kind, schema = record.get("kind"), record.get("schema")
    if not isinstance(kind, str) or not isinstance(schema, int) or isinstance(schema, bool):
        return ["kind/schema: not a known kind and version"]
    return body_problems(kind, schema, record.get("body"), library, held, shaped)


def record_fast_accepts(record: Any, library: Library) -> bool:
    """``fast_accepts`` for a whole envelope: True only when ``record_problems`` finds nothing
    and its body's ``shape_problem`` is None (False: not sure)."""
    return type(record) is dict and fast_accepts(record.get("kind"), record.get("schema"), record.get("body"), library)
