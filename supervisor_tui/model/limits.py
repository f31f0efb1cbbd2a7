"""Size and depth limits for record bodies that every encoder and reader here can handle.

Checked (iteratively, so a hostile body nested thousands deep cannot exhaust the stack) before
anything walks a body: by the laptop before validating what it is given, by the central store
before it encodes or stores a pushed record, and by a laptop on what it pulls.
"""

from __future__ import annotations

import json
from typing import Any

# The deepest body a laptop signs is an amendment of a scenario check:
# body -> body -> items -> [item] -> item: depth 5. Anything much deeper is hostile.
MAX_BODY_DEPTH = 8
MAX_BODY_NODES = 5_000  # values (objects, arrays, scalars) in one body
MAX_BODY_BYTES = 64 * 1024  # its canonical JSON
MAX_STRING = 8_000  # characters in any one string or key


def shape_problem(body: Any) -> str | None:
    """Why a body is too deep, too big or not JSON-typed (None when fine), naming where."""
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


def normal_json(value: Any) -> str:
    """Sorted-key compact JSON (for comparing and sizing bodies; not the signed encoding)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


