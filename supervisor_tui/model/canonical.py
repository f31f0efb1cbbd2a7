"""Canonical JSON: the exact bytes that are hashed and signed.

The rule follows RFC 8785 (JCS) restricted to the values records use: objects with keys sorted,
no insignificant whitespace, UTF-8, strings escaped as JSON.stringify does, integers only
(no floats) within +/-(2**53 - 1). Every key in a record is ASCII, so sorting by code point equals
JCS's UTF-16 ordering; non-ASCII keys are refused rather than risk a mismatch.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson

MAX_SAFE_INTEGER = 2**53 - 1

_ENCODER = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
)


class CanonicalError(ValueError):
    """A value that has no canonical encoding (float, huge integer, non-ASCII key...)."""


def _check(value: Any, path: str) -> None:
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return
    if kind is int:
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise CanonicalError(f"{path}: integer {value} outside +/-(2**53-1)")
        return
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise CanonicalError(f"{path}: object key {key!r} is not a string")
            if not key.isascii():
                raise CanonicalError(f"{path}: object key {key!r} is not ASCII")
            if type(item) is not str:
                _check(item, f"{path}.{key}")
        return
    if kind is list or kind is tuple:
        for index, item in enumerate(value):
            if type(item) is not str:
                _check(item, f"{path}[{index}]")
        return
    if isinstance(value, float):
        raise CanonicalError(f"{path}: floats are not allowed in records (use integers or strings)")
    raise CanonicalError(f"{path}: {type(value).__name__} cannot be encoded")


def canonical_bytes(value: Any, *, trusted: bool = False) -> bytes:
    """Return the canonical UTF-8 JSON encoding of ``value``.

    ``trusted`` skips the walk that refuses floats, huge integers and non-ASCII keys; only pass
    it for values built by our own pydantic models, which cannot hold those.
    """
    if not trusted:
        _check(value, "$")
    else:  # orjson: the same bytes on float-free values (tests/test_orjson_differential.py)
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass  # (a lone surrogate, an integer beyond 64 bits: the plain way says what)
    try:
        return _ENCODER.encode(value).encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates
        raise CanonicalError(f"$: string is not valid Unicode ({exc.reason})") from exc


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def loads_json(text: Any) -> Any:
    """``json.loads`` of a stored body, with ``orjson`` (about three times faster; the same value
    for every JSON text it accepts, ``tests/test_orjson_differential.py``); what it refuses (a
    lone surrogate, NaN, an integer beyond 64 bits) goes to ``json.loads``, answer or error."""
    try:
        return orjson.loads(text)
    except (orjson.JSONDecodeError, TypeError):
        return json.loads(text)
