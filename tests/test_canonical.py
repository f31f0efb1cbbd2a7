"""Canonical encoding and the signing rule."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supervisor_tui.model.canonical import CanonicalError, canonical_bytes
from supervisor_tui.model.signing import DeviceKey, check_record, seal, verify_signature

keys = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=12)
scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=40).filter(
    lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
                      max_leaves=20)


def test_known_vector():
    assert canonical_bytes({"b": 1, "a": [True, None, "é\n"]}) == '{"a":[true,null,"é\\n"],"b":1}'.encode()


@given(values)
def test_encoding_is_stable_and_round_trips(value):
    data = canonical_bytes(value)
    assert json.loads(data) == value
    assert canonical_bytes(json.loads(data)) == data


@given(st.dictionaries(keys, scalars, max_size=6))
def test_key_order_does_not_matter(d):
    reversed_d = dict(reversed(list(d.items())))
    assert canonical_bytes(d) == canonical_bytes(reversed_d)


@pytest.mark.parametrize("bad", [1.5, {"x": 2**53}, {"é": 1}, {1: 2}, "\ud800", {"x": float("nan")}])
def test_refuses_values_without_a_canonical_form(bad):
    with pytest.raises(CanonicalError):
        canonical_bytes(bad)


@given(values)
def test_sign_verify_round_trip(body):
    key = DeviceKey.generate()
    unsigned = {"id": "x", "kind": "k", "schema": 1, "author": "a", "device": "d", "seq": 1, "prev": "",
                "created_at": "2026-01-01T00:00:00.000000Z", "body": body}
    record = seal(unsigned, key)
    assert record["hash"] == hashlib.sha256(canonical_bytes(unsigned)).hexdigest()
    assert check_record(record, key.public_key_hex) == []
    assert verify_signature(key.public_key_hex, canonical_bytes(unsigned), record["sig"])
    other = DeviceKey.generate()
    assert "bad signature" in check_record(record, other.public_key_hex)
    tampered = {**record, "seq": 2}
    assert "hash mismatch" in check_record(tampered, key.public_key_hex)
    assert "bad signature" in check_record(tampered, key.public_key_hex)


@given(values)
def test_composed_envelope_equals_plain_seal(body):
    from supervisor_tui.model.signing import seal_with_body_json

    key = DeviceKey.generate()
    unsigned = {"id": "x", "kind": "k", "schema": 1, "author": "SUP-1", "device": "d", "seq": 3,
                "prev": "ab", "created_at": "2026-01-01T00:00:00.000000Z", "body": body}
    composed = seal_with_body_json(unsigned, canonical_bytes(body).decode(), key)
    assert composed == seal(unsigned, key)


plain_text = st.text(alphabet="ABCxyz019_.:-", max_size=20)


@given(body=values, author=plain_text, device=plain_text, record_id=plain_text, kind=plain_text,
       prev=plain_text, created_at=plain_text, schema=st.integers(0, 2**53 - 1), seq=st.integers(0, 2**53 - 1))
def test_plain_composition_equals_canonical_bytes(body, author, device, record_id, kind, prev, created_at,
                                                  schema, seq):
    """Bulk appends compose envelopes of plain strings directly (``compose_plain``): the same bytes
    as encoding the envelope canonically."""
    from supervisor_tui.model.signing import compose_plain, is_plain

    unsigned = {"id": record_id, "kind": kind, "schema": schema, "author": author, "device": device,
                "seq": seq, "prev": prev, "created_at": created_at, "body": body}
    assert all(is_plain(v) for v in (author, device, record_id, kind, prev, created_at))
    composed = compose_plain(author, canonical_bytes(body).decode(), created_at, device, record_id, kind, prev,
                             schema, seq)
    assert composed == canonical_bytes(unsigned)


@given(st.datetimes(timezones=st.just(__import__("datetime").UTC)))
def test_what_bulk_appends_assume_plain_is_plain(when):
    """Ids and times made by the store, and hashes, need no escaping (``storage/bulk.py``)."""
    from storage.rows import uuid7
    from supervisor_tui.model.kinds import utc_now_iso
    from supervisor_tui.model.signing import is_plain

    assert is_plain(uuid7(when)) and is_plain(utc_now_iso(when))
    assert is_plain(hashlib.sha256(str(when).encode()).hexdigest())


@given(st.binary(max_size=2048))
def test_device_key_signs_byte_for_byte_as_the_pynacl_wrapper(message):
    """``DeviceKey.sign`` calls libsodium's ``crypto_sign`` itself: the same signature as
    ``SigningKey.sign``, for keys made every way the store makes them (fresh, from a seed)."""
    import nacl.signing

    fresh = DeviceKey.generate()
    seeded = DeviceKey(nacl.signing.SigningKey(hashlib.sha256(message).digest()))
    for key in (fresh, seeded):
        sig = key.sign(message)
        assert bytes.fromhex(sig) == key.signing_key.sign(message).signature
        assert sig == sig.lower() and len(sig) == 128
        assert verify_signature(key.public_key_hex, message, sig)
    assert fresh == DeviceKey(fresh.signing_key)  # the derived secret takes no part in equality
