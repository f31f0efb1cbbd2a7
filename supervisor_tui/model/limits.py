"""Size and depth limits for record bodies that every encoder and reader here can handle.

Checked (iteratively, so a hostile body nested thousands deep cannot exhaust the stack) before
anything walks a body: by the laptop before validating what it is given, by the central store
before it encodes or stores a pushed record, and by a laptop on what it pulls.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# The deepest body a laptop signs is an amendment of a scenario check:
# body -> body -> items -> [item] -> item: depth 5. Anything much deeper is hostile.
MAX_BODY_DEPTH = 8
MAX_BODY_NODES = 5_000  # values (objects, arrays, scalars) in one body
MAX_BODY_BYTES = 64 * 1024  # its canonical JSON
MAX_STRING = 8_000  # characters in any one string or key


def shape_problem(body: Any) -> str | None:
    """Why a body is too deep, too big or not JSON-typed (None when fine), naming where."""
    if _plainly_within_limits(body):
        return None
    return _shape_problem(body)


_SAFE = 2**53 - 1


def _plainly_within_limits(body: Any) -> bool:
    """The fast path of ``shape_problem`` (run on every pushed record, twice): True when
    ``body`` is certainly within every limit: plain JSON types only, no deeper, no more values
    and no longer strings than allowed, and an upper bound of its JSON size (every character
    escaped as ``\\uXXXX``) within the byte limit. False means "ask the full check", which names
    the problem (or finds none: the bound is loose)."""
    kind = type(body)
    if kind is not dict and kind is not list:
        return False
    stack = [(body, 1)]
    nodes = 1
    size = 0
    while stack:
        value, depth = stack.pop()
        child_depth = depth + 1
        if value and child_depth > MAX_BODY_DEPTH:
            return False
        nodes += len(value)
        size += 2 + len(value)  # brackets, commas
        if nodes > MAX_BODY_NODES:
            return False
        if type(value) is dict:
            for key in value:
                if type(key) is not str or len(key) > MAX_STRING:
                    return False
                size += 6 * len(key) + 3  # quotes, colon
            items: Any = value.values()
        else:
            items = value
        for item in items:
            kind = type(item)
            if kind is str:
                if len(item) > MAX_STRING:
                    return False
                size += 6 * len(item) + 2
            elif kind is dict or kind is list:
                stack.append((item, child_depth))
            elif kind is int:
                if not -_SAFE <= item <= _SAFE:
                    return False
                size += 17
            elif item is None or kind is bool:
                size += 5
            else:
                return False
    return size <= MAX_BODY_BYTES


def _shape_problem(body: Any) -> str | None:
    stack: list[tuple[Any, int, str]] = [(body, 1, "body")]
    nodes = 0
    while stack:
        value, depth, path = stack.pop()
        nodes += 1
        if depth > MAX_BODY_DEPTH:
            return f"body: nested more than {MAX_BODY_DEPTH} levels deep"
        if nodes > MAX_BODY_NODES:
            return f"body: more than {MAX_BODY_NODES} values"
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str) or len(key) > MAX_STRING:
                    return f"{path}: a field name is not a short text"
                stack.append((item, depth + 1, key if path == "body" else f"{path}.{key}"))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, f"{path}[{i}]") for i, item in enumerate(value))
        elif isinstance(value, str):
            if len(value) > MAX_STRING:
                return f"{path}: more than {MAX_STRING} characters"
        elif value is None or isinstance(value, bool):
            pass
        elif isinstance(value, int):
            if not -(2**53 - 1) <= value <= 2**53 - 1:
                return f"{path}: a whole number beyond +/-(2**53-1)"
        elif isinstance(value, float):
            return f"{path}: must be a whole number (no fractions)"
        else:
            return f"{path}: a {type(value).__name__} value is not allowed"
    if len(normal_json(body).encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        return f"body: more than {MAX_BODY_BYTES} bytes"
    return None


def same_json(a: Any, b: Any) -> bool:
    """``normal_json(a) == normal_json(b)`` for values without floats (a body that passed
    ``shape_problem``, a model's dump: no model has a float field), with ``orjson``: several
    times faster, the same answer (``tests/test_orjson_differential.py``). Anything ``orjson``
    refuses (a lone surrogate, a non-string key) is compared the plain way."""
    try:
        return orjson.dumps(a, option=orjson.OPT_SORT_KEYS) == orjson.dumps(b, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return normal_json(a) == normal_json(b)


def normal_json(value: Any) -> str:
    """Sorted-key compact JSON (for comparing and sizing bodies; not the signed encoding)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


