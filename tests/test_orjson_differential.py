"""``orjson`` is used where it gives exactly the bytes of the plain canonical encoder
(issue 16): the signing encoder on model-built bodies (``canonical_bytes(trusted=True)``), the pushed body's canonical JSON (``checks.encode_body`` with ``shaped``: bodies that
passed ``limits.shape_problem``) and the acceptance check's comparison (``limits.same_json``,
float-free values). Checked on generated values: every Unicode character (lone surrogates,
controls, U+2028, astral planes) in strings and keys, integers up to +/-(2**53-1), nesting up to
the body limits; and on whole records, the hash the push computes against the reference."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from supervisor_tui.model.canonical import MAX_SAFE_INTEGER
from supervisor_tui.model.checks import _FAST, computed_hash, encode_body
from supervisor_tui.model.limits import normal_json, same_json, shape_problem

_TEXT = st.text(st.characters(codec=None, categories=None), max_size=12) | st.sampled_from(
    ["", "\u2028\u2029", "\x00\x1f\x7f", "\ud800", "\udfff x", "\U0001f600", "é", "\\\"/", "\t\n\r\b\f"])
_SCALARS = (st.none() | st.booleans() | st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
            | st.sampled_from([0, -1, 2**31, -(2**31) - 1, 2**32, MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]) | _TEXT)
_VALUES = st.recursive(_SCALARS, lambda c: st.lists(c, max_size=5) | st.dictionaries(_TEXT, c, max_size=5),
                       max_leaves=40)
_BODIES = st.dictionaries(_TEXT, _VALUES, max_size=6)


def _plain(value) -> bytes | None:
    try:
        return _FAST.encode(value).encode("utf-8")
    except UnicodeEncodeError:
        return None


@settings(max_examples=1500)
@given(_BODIES)
def test_encode_body_is_the_plain_encoder_on_shaped_bodies(body) -> None:
    assume(shape_problem(body) is None)
    want = _plain(body)
    try:
        got = encode_body(body, shaped=True)
    except UnicodeEncodeError:
        got = None
    assert got == want


@settings(max_examples=1500)
@given(_VALUES, _VALUES)
def test_same_json_is_plain_equality(a, b) -> None:
    assert same_json(a, b) == (normal_json(a) == normal_json(b))
    assert same_json(a, a) and same_json(b, b)


@settings(max_examples=500)
@given(_BODIES, st.integers(min_value=1, max_value=MAX_SAFE_INTEGER))
def test_computed_hash_unchanged_with_orjson(body, seq) -> None:
    assume(shape_problem(body) is None)
    record = {"id": "0f0e0d0c-0b0a-4908-8706-050403020100", "kind": "scenario_check", "schema": 1,
              "author": "SUP01", "device": "dev-1", "seq": seq, "prev": "a" * 64 if seq > 1 else "",
              "created_at": "2026-11-02T09:00:00.000000Z", "body": body, "hash": "", "sig": ""}
    assert computed_hash(record, strict_json=True, shaped=True) == computed_hash(record, strict_json=True)


@settings(max_examples=800)
@given(_BODIES)
def test_trusted_canonical_bytes_unchanged_with_orjson(body) -> None:
    """``canonical_bytes(trusted=True)`` (bodies built by the models, float-free) with orjson."""
    from supervisor_tui.model.canonical import CanonicalError, canonical_bytes

    try:
        want = _FAST.encode(body).encode("utf-8")
    except UnicodeEncodeError:
        with pytest.raises(CanonicalError):
            canonical_bytes(body, trusted=True)
        return
    assert canonical_bytes(body, trusted=True) == want


def test_the_cases_that_differ_elsewhere() -> None:
    """Where orjson and the plain encoder could part: each is identical or goes the plain way."""
    for body in ({"k": "\x7f\u2028\u2029\x00\x1f"}, {"é": 1, "e": 2, "\U0001f600": 3, "ﬀ": 4},
                 {"n": [True, False, None, 0, -0, MAX_SAFE_INTEGER]}, {"s": "\ud800"}, {"\udc00": 1}):
        assert shape_problem(body) is None
        assert (_plain(body) is None and computed_hash(
            {"id": "x", "kind": "k", "schema": 1, "author": "a", "device": "d", "seq": 1, "prev": "",
             "created_at": "t", "body": body}, True, True) == (None, None, "")) or encode_body(body, True) == _plain(body)
    assert not same_json({"a": True}, {"a": 1}) and not same_json([1], [1, None]) and same_json({"a": 1, "b": 2}, {"b": 2, "a": 1})


@settings(max_examples=1000)
@given(_VALUES | st.floats(allow_nan=True), st.booleans())
def test_stored_bodies_decode_as_json_loads(value, ascii_only) -> None:
    """``storage.statuses._loads`` and the central store's ``sync.central.rows.loads_body``
    (orjson, falling back to ``json.loads``) give what ``json.loads`` gives, on any JSON text
    (floats, NaN, lone surrogates included)."""
    import json

    from storage.statuses import _loads
    from sync.central.rows import loads_body

    text = json.dumps(value, ensure_ascii=ascii_only)
    assert repr(_loads(text)) == repr(json.loads(text)) == repr(loads_body(text))


def _outcome(parse, text: bytes):
    try:
        return "value", repr(parse(text))  # repr: key order, bool vs int, every string exactly
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        return type(exc).__name__, str(exc)


_NUMBERS = st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [MAX_SAFE_INTEGER, MAX_SAFE_INTEGER + 1, -MAX_SAFE_INTEGER - 1, 2**63, 2**64, -(2**63) - 1, 10**30, 0.0, -0.0])
_REQUEST_VALUES = st.recursive(_SCALARS | _NUMBERS, lambda c: st.lists(c, max_size=5)
                               | st.dictionaries(_TEXT, c, max_size=5), max_leaves=40)


@settings(max_examples=2000)
@given(_REQUEST_VALUES, st.booleans(), st.sampled_from(["", " ", "\ufeff", "\n\t"]))
def test_parse_strict_is_the_plain_strict_parser(value, ascii_only, prefix) -> None:
    """``checks.parse_strict`` (orjson, then a walk for floats and unsafe integers) answers what
    the plain strict parser (``json.loads`` refusing floats, NaN and integers beyond 2**53-1)
    answers, value or error message, on any JSON text: floats, NaN/Infinity, big integers, lone
    surrogates, a byte-order mark, duplicate keys."""
    import json

    from supervisor_tui.model.checks import _parse_plain, parse_strict

    text = json.dumps(value, ensure_ascii=ascii_only)
    for raw in ((prefix + text).encode("utf-8", "surrogatepass"),
                ('{"a":' + text + ',"a":' + text + ',"records":[' + text + "]}").encode("utf-8", "surrogatepass")):
        assert _outcome(parse_strict, raw) == _outcome(_parse_plain, raw)


def test_parse_strict_on_texts_that_are_not_plain_json() -> None:
    from supervisor_tui.model.checks import _parse_plain, parse_strict

    for raw in (b"", b"{", b'{"a":NaN}', b"[Infinity]", b"[-Infinity]", b"[1.0]", b"[1e3]", b"[-0.0]", b"[01]",
                b'{"a":1,}', b"\xff\xfe", b'"\xc3\x28"', b"[9007199254740992]", b"[-9007199254740992]",
                b"[9007199254740991]", b"[18446744073709551616]", b'"\\ud800"', b'{"\\udc00":1}',
                b"[" * 2000 + b"]" * 2000, b"[" * 900 + b"]" * 900, b'\xef\xbb\xbf{"a":1}', b'{"a":1} x',
                b'"\x01"', b"true", b"null", b"7", b'{"a":{"b":[1,2,{"c":1.5}]}}', b'{"a":true,"a":1}',
                '"\u2028é😀"'.encode()):
        assert _outcome(parse_strict, raw) == _outcome(_parse_plain, raw), raw[:40]


@settings(max_examples=800)
@given(st.dictionaries(_TEXT, _VALUES, max_size=6))
def test_push_and_pull_answers_render_the_same_values(content) -> None:
    """``sync.server.app.FastJSON`` (orjson) gives the JSON values ``JSONResponse`` gives, or
    (lone surrogates) the very same bytes."""
    import json

    from starlette.responses import JSONResponse

    from sync.server.app import FastJSON

    try:
        plain = JSONResponse(content).body
    except UnicodeEncodeError:  # a lone surrogate: the plain way fails, and so does the fast one
        with pytest.raises(UnicodeEncodeError):
            FastJSON(content)
        return
    fast = FastJSON(content).body
    assert fast == plain or repr(json.loads(fast)) == repr(json.loads(plain))
    assert FastJSON({1: "x", "big": 2**70}).body == JSONResponse({1: "x", "big": 2**70}).body
