"""Per-record checks the central store makes on a pushed batch (pure functions, no database).

The server trusts nothing the client says: the envelope's types, the hash (recomputed from the
canonical bytes), the Ed25519 signature (with the key registered for that device), the binding
of device and author to the authenticated device, the chain (``seq`` and ``prev``) and the body's
shape (the same pydantic models the laptop uses) are all re-checked here.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import nacl.exceptions
import nacl.signing
import orjson

from supervisor_tui.model.canonical import (
    MAX_SAFE_INTEGER,
    CanonicalError,
    canonical_bytes,
    sha256_hex,
)
from supervisor_tui.model.signing import SIGNED_FIELDS

# Every pattern is applied with ``fullmatch``: ``re.match`` with ``$`` also accepts a final "\n".
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX128 = re.compile(r"[0-9a-f]{128}")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z")
ENVELOPE_FIELDS = (*SIGNED_FIELDS, "hash", "sig")


_ENVELOPE_KEYS = frozenset(ENVELOPE_FIELDS)
# every string field's pattern at once, joined by "|" (which none of them allows): a match means
# each matches its own; anything else is checked field by field below, for the reason
_ALL_PLAIN = re.compile(r"\|".join(f"(?:{p.pattern})" for p in (_UUID, _ID, _ID, _ID, _HEX64, _HEX128))
                        + r"\|(?:(?:[0-9a-f]{64})?)\|(?:" + _TIME.pattern + ")")


def envelope_problem(record: Any, shaped: bool = False) -> str | None:
    """Why ``record`` is not a well-typed envelope (None when it is). Cheap: no crypto.
    ``shaped``: its body is known to be within the size and shape limits (the quick acceptance
    check said so), so it is not walked again."""
    if shaped and _plain_envelope(record):
        return None
    if not isinstance(record, dict):
        return "a record must be a JSON object"
    missing = [f for f in ENVELOPE_FIELDS if f not in record]
    if missing:
        return f"missing field(s): {', '.join(missing)}"
    extra = sorted(set(record) - set(ENVELOPE_FIELDS))
    if extra:
        return f"unknown field(s): {', '.join(extra)}"
    for name in ("id", "kind", "author", "device", "prev", "created_at", "hash", "sig"):
        if not isinstance(record[name], str):
            return f"{name}: must be a string"
    for name in ("schema", "seq"):
        value = record[name]
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 2**53 - 1:
            return f"{name}: must be a positive integer"
    if not isinstance(record["body"], dict):
        return "body: must be a JSON object"
    if not shaped:
        from supervisor_tui.model.limits import shape_problem  # before anything walks the body

        problem = shape_problem(record["body"])
        if problem:
            return problem
    if not _UUID.fullmatch(record["id"]):
        return "id: must be a lower-case UUID"
    if not _ID.fullmatch(record["author"]) or not _ID.fullmatch(record["device"]):
        return "author/device: must be 1-64 letters, digits or _.:-"
    if not _ID.fullmatch(record["kind"]):
        return "kind: must be a record kind"
    if not _HEX64.fullmatch(record["hash"]):
        return "hash: must be 64 lower-case hex digits"
    if not _HEX128.fullmatch(record["sig"]):
        return "sig: must be 128 lower-case hex digits"
    if record["prev"] and not _HEX64.fullmatch(record["prev"]):
        return "prev: must be empty or 64 lower-case hex digits"
    if (record["seq"] == 1) != (record["prev"] == ""):
        return "prev: must be empty exactly when seq is 1"
    if not _TIME.fullmatch(record["created_at"]) or not _real_time(record["created_at"]):
        return "created_at: must be UTC ISO 8601 (YYYY-MM-DDTHH:MM:SS.ffffffZ)"
    return None


def _plain_envelope(record: Any) -> bool:
    """True when ``envelope_problem(record, shaped=True)`` is certainly None (one pattern match
    instead of eight); False: ask it."""
    try:
        if type(record) is not dict or record.keys() != _ENVELOPE_KEYS:
            return False
        schema, seq, prev = record["schema"], record["seq"], record["prev"]
        if (type(schema) is not int or type(seq) is not int or not 1 <= schema <= 2**53 - 1
                or not 1 <= seq <= 2**53 - 1 or type(record["body"]) is not dict or (seq == 1) != (prev == "")):
            return False
        joined = "|".join((record["id"], record["author"], record["device"], record["kind"], record["hash"],
                           record["sig"], prev, record["created_at"]))
    except TypeError:  # a field that is not a string
        return False
    return _ALL_PLAIN.fullmatch(joined) is not None and _real_time(record["created_at"])


def _real_time(text: str) -> bool:
    try:
        dt.datetime.fromisoformat(text[:-1])
    except ValueError:
        return False
    return True


_FAST = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def encode_body(body: Any, shaped: bool = False) -> bytes:
    """A body's canonical JSON as UTF-8 (``str.encode`` errors for lone surrogates, as before).

    ``shaped``: the body passed ``limits.shape_problem`` (plain JSON types, no floats, integers
    within +/-(2**53-1), shallow); then it is encoded with ``orjson``, which gives exactly the
    bytes of the plain encoder on such bodies (``tests/test_orjson_differential.py``), several
    times faster; anything ``orjson`` refuses (a lone surrogate) goes the plain way."""
    if shaped:
        try:
            return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass
    return _FAST.encode(body).encode("utf-8")


def computed_hash(record: dict[str, Any], strict_json: bool = False,
                  shaped: bool = False) -> tuple[bytes | None, str | None, str]:
    """The canonical bytes, their SHA-256 and the body's canonical JSON ((None, None, "") when
    not encodable).

    ``strict_json`` says the record came from ``parse_strict`` (no floats, integers within
    +/-(2**53-1)) and passed ``envelope_problem`` (its string fields are plain ASCII); then,
    except for amendments (whose nested bodies may hold any keys), the body is encoded once with
    the plain encoder (``shaped``: its body passed ``shape_problem``, see ``encode_body``) and
    the envelope spliced around it, in sorted key order.
    """
    try:
        if strict_json and record["kind"] != "amendment":
            r = record
            raw = encode_body(r["body"], shaped)
            data = (f'{{"author":"{r["author"]}","body":'.encode()
                    + raw
                    + (f',"created_at":"{r["created_at"]}","device":"{r["device"]}","id":"{r["id"]}",'
                       f'"kind":{_FAST.encode(r["kind"])},"prev":"{r["prev"]}","schema":{int(r["schema"])},'
                       f'"seq":{int(r["seq"])}}}').encode())
            body = raw.decode("utf-8")
        else:
            data = canonical_bytes({name: record[name] for name in SIGNED_FIELDS})
            body = canonical_bytes(record["body"]).decode("utf-8")
    except (CanonicalError, UnicodeEncodeError, ValueError, TypeError, RecursionError):
        return None, None, ""
    return data, sha256_hex(data), body


def _no_float(text: str) -> Any:
    raise ValueError(f"floats are not allowed in records ({text})")


def _safe_int(text: str) -> int:
    value = int(text)
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise ValueError(f"integer {text} outside +/-(2**53-1)")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_strict(body: bytes) -> Any:
    """Parse a request body, refusing floats, NaN/Infinity and integers beyond 2**53-1.

    With ``orjson`` (several times faster than ``json.loads`` calling back into Python for every
    number) when it accepts the text and the value holds no float and no integer beyond
    +/-(2**53-1); anything else (a float, a lone surrogate, a byte-order mark, a text that is
    not JSON) is parsed the plain way, which gives the answer or the error it always gave
    (``tests/test_orjson_differential.py``)."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _parse_plain(body)
    if not _plain_numbers(value):
        return _parse_plain(body)
    return value


def _parse_plain(body: bytes) -> Any:
    return json.loads(body, parse_float=_no_float, parse_int=_safe_int, parse_constant=_no_constant)


def _plain_numbers(value: Any) -> bool:
    """True when ``value`` (as ``orjson`` decodes JSON) holds no float and no integer beyond
    +/-(2**53-1)."""
    kind = type(value)
    if kind is not dict and kind is not list:
        return kind is not float and (kind is not int or -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER)
    stack = [value]
    while stack:
        container = stack.pop()
        for item in (container.values() if type(container) is dict else container):
            kind = type(item)
            if kind is str or kind is bool or item is None:
                continue
            if kind is int:
                if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                    return False
            elif kind is dict or kind is list:
                stack.append(item)
            else:
                return False
    return True


class Verifier:
    """Ed25519 verification with one ``VerifyKey`` per public key (built once)."""

    def __init__(self, processes: bool = False) -> None:
        """``processes``: check big batches in worker processes (``verify_processes``: the
        server, whose own thread runs Python while they are checked) instead of threads."""
        self._keys: dict[str, nacl.signing.VerifyKey] = {}
        self.processes = processes and _HELPERS_USABLE

    def verify(self, public_key_hex: str, data: bytes, sig_hex: str) -> bool:
        key = self._keys.get(public_key_hex)
        if key is None:
            key = self._keys[public_key_hex] = nacl.signing.VerifyKey(bytes.fromhex(public_key_hex))
        try:
            key.verify(data, bytes.fromhex(sig_hex))
            return True
        except (ValueError, nacl.exceptions.CryptoError):
            return False

    def verify_many(self, public_key_hex: str, items: list[tuple[bytes, str]]) -> list[bool]:
        """Verify many (message, signature) pairs, spread over the CPU cores (libsodium runs
        without the GIL) when there are enough of them to be worth it."""
        return self.submit_many(public_key_hex, items)()

    def submit_many(self, public_key_hex: str, items: list[tuple[bytes, str]]) -> Callable[[], list[bool]]:
        """Start verifying (message, signature) pairs on the pool threads (libsodium runs without
        the GIL, so the caller's own work overlaps them); the returned function waits for and
        returns the results in order. Few items are verified at once, in the caller."""
        if len(items) < 64:
            done = [self.verify(public_key_hex, data, sig) for data, sig in items]
            return lambda: done
        if self.processes:
            from supervisor_tui.model.verify_processes import shared_pool

            pool = shared_pool(_WORKERS)
            check = functools.partial(self.verify, public_key_hex)
            size = -(-len(items) // _WORKERS)  # one chunk per worker: each is one request
            futures = [_pool().submit(pool.verify, public_key_hex, items[i:i + size], check)
                       for i in range(0, len(items), size)]
            return lambda: [ok for future in futures for ok in future.result()]
        self.verify(public_key_hex, items[0][0], items[0][1])  # builds the key once, not per thread
        size = -(-len(items) // (_WORKERS * 4))  # several chunks per core: none waits on a slow one
        futures = [_pool().submit(self._verify_chunk, public_key_hex, items[i:i + size])
                   for i in range(0, len(items), size)]
        return lambda: [ok for future in futures for ok in future.result()]

    def _verify_chunk(self, public_key_hex: str, chunk: list[tuple[bytes, str]]) -> list[bool]:
        return [self.verify(public_key_hex, data, sig) for data, sig in chunk]


_WORKERS = max(1, os.cpu_count() or 1)
_HELPERS_USABLE = _WORKERS > 1 and os.name == "posix"  # worth it on several cores; pipes selectable there
_POOL: ThreadPoolExecutor | None = None


def warm_verifiers() -> None:
    """Start the worker processes that ``Verifier(processes=True)`` uses (a server's start)."""
    if _HELPERS_USABLE:
        from supervisor_tui.model.verify_processes import shared_pool

        shared_pool(_WORKERS).start()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="verify")
    return _POOL


BodyCheck = Callable[[dict[str, Any], Callable[[str], "dict[str, Any] | None"]], "list[str]"]


def shipped_body_check() -> BodyCheck:
    """The laptop's own acceptance rules (``supervisor_tui.model.acceptance``) with the shipped
    checklists; the server passes one built from the checklists it serves."""
    from checklists.loader import shipped_library

    return library_body_check(shipped_library())


def library_body_check(library: Any) -> BodyCheck:
    from supervisor_tui.model.acceptance import record_fast_accepts, record_problems

    def check(record: dict[str, Any], held: Callable[[str], dict[str, Any] | None], shaped: bool = False) -> list[str]:
        return record_problems(record, library, held, shaped)

    check.takes_shaped = True  # type: ignore[attr-defined]  # (``evaluate_batch``: skip a second shape walk)
    # True only when ``check`` finds nothing and the body is within the shape limits (the quick
    # path of the acceptance rules): the push skips both for such records
    check.fast = lambda record: record_fast_accepts(record, library)  # type: ignore[attr-defined]
    return check


@dataclass
class Fate:
    """What happened to one pushed record."""

    index: int
    id: str
    seq: int
    hash: str
    status: str  # accepted | duplicate | rejected | fork | gap
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        out = {"id": self.id, "seq": self.seq, "hash": self.hash, "status": self.status}
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass
class BatchOutcome:
    """The fates of a batch plus what to write (records to insert, forks to quarantine)."""

    fates: list[Fate] = field(default_factory=list)
    insert: list[tuple[dict[str, Any], str]] = field(default_factory=list)  # (record, body json)
    quarantine: list[tuple[dict[str, Any], str]] = field(default_factory=list)  # (record, reason)
    head_seq: int = 0
    head_hash: str = ""
    resume_from: int | None = None


def _body_check(body_check: BodyCheck, record: dict[str, Any], held: Callable[[str], dict[str, Any] | None],
                shaped: bool) -> list[str]:
    if shaped and getattr(body_check, "takes_shaped", False):
        return body_check(record, held, True)  # type: ignore[call-arg]
    return body_check(record, held)


def body_checks(records: list[dict[str, Any]], indexes: list[int], body_check: BodyCheck | None = None,
                shaped: bool = False, accepted: frozenset[int] = frozenset()) -> dict[int, list[str]]:
    """``body_check``'s answer for the records at ``indexes`` that are not amendments (whose
    answer depends only on the record, not on what the store holds), for ``evaluate_batch``'s
    ``checked``: the central store finds them before it takes the device's lock, so a batch
    sent ahead is checked while the one before is being written. ``accepted``: indexes the
    check's quick path (``body_check.fast``) accepted already."""
    body_check = body_check or shipped_body_check()
    nothing_held: Callable[[str], dict[str, Any] | None] = lambda _hash: None  # noqa: E731
    return {i: [] if i in accepted else _body_check(body_check, records[i], nothing_held, shaped)
            for i in indexes if records[i]["kind"] != "amendment"}


def encode_batch(records: list[dict[str, Any]], device: str, supervisor: str, held: dict[int, str],
                 strict_json: bool = False,
                 shaped: bool = False) -> tuple[list[tuple[bytes | None, str | None, str]], list[int]]:
    """Every record's canonical encoding (``computed_hash``; nothing for records of another
    device or author) and the indexes of those whose signature is worth checking: well
    encoded, hash intact, not an exact copy of a held record. ``shaped``: every record passed
    ``envelope_problem`` (so its body ``shape_problem``)."""
    encoded = [computed_hash(r, strict_json, shaped) if r["device"] == device and r["author"] == supervisor
               else (None, None, "") for r in records]
    check = [i for i, (data, digest, _) in enumerate(encoded)
             if data is not None and digest == records[i]["hash"] and held.get(records[i]["seq"]) != digest]
    return encoded, check


def evaluate_batch(
    records: list[dict[str, Any]],
    device: str,
    supervisor: str,
    public_key: str,
    head: tuple[int, str],
    held: dict[int, str],
    verifier: Verifier,
    strict_json: bool = False,
    body_check: BodyCheck | None = None,
    held_record: Callable[[str], dict[str, Any] | None] | None = None,
    *,
    encoded: list[tuple[bytes | None, str | None, str]] | None = None,
    valid: dict[int, bool] | None = None,
    shaped: bool = False,
    checked: dict[int, list[str]] | None = None,
) -> BatchOutcome:
    """Decide every record's fate. ``held`` maps seq -> stored hash for seqs at or below head;
    ``held_record(hash)`` finds a held record (an amendment's target) in the store.

    ``encoded`` and ``valid`` (index -> signature verified, for the indexes ``encode_batch``
    picks) may be given by a caller that verified already, or that decides optimistically
    while the signatures are being verified and decides again should one fail (``push``).
    ``shaped``: every record passed ``envelope_problem`` (its body's shape is not walked again).
    ``checked``: index -> ``body_check``'s answer, found already (``body_checks``)."""
    out = BatchOutcome(head_seq=head[0], head_hash=head[1])
    body_check = body_check or shipped_body_check()
    in_batch: dict[str, dict[str, Any]] = {}

    def held_target(record_hash: str) -> dict[str, Any] | None:
        found = in_batch.get(record_hash)
        if found is None and held_record is not None:
            found = held_record(record_hash)
        return found

    blocked: str | None = None
    if encoded is None:
        encoded, check = encode_batch(records, device, supervisor, held, strict_json)
    if valid is None:
        valid = dict(zip(check, verifier.verify_many(public_key, [(encoded[i][0], records[i]["sig"])
                                                                  for i in check]), strict=True))
    for index, rec in enumerate(records):
        fate = Fate(index, rec["id"], rec["seq"], rec["hash"], "rejected")
        out.fates.append(fate)
        if rec["device"] != device or rec["author"] != supervisor:
            fate.reason = (f"unknown key: record claims device {rec['device']} / author {rec['author']},"
                           f" but was pushed by device {device} of {supervisor}")
            continue
        data, digest, body_json = encoded[index]
        if data is None:
            fate.reason = "not canonically encodable (floats or invalid strings)"
            continue
        seq = rec["seq"]
        if seq <= out.head_seq:
            stored = held.get(seq)
            if digest == rec["hash"] == stored:
                fate.status = "duplicate"
            elif digest != rec["hash"]:
                fate.reason = "hash mismatch: the record was altered after it was signed"
            elif not valid.get(index, False):
                fate.reason = "bad signature"
            else:
                fate.status = "fork"
                fate.reason = (f"fork: seq {seq} is already held with a different record"
                               f" ({(stored or '')[:12]}…); quarantined for governance review")
                out.quarantine.append((rec, fate.reason))
            continue
        if blocked is not None:
            fate.status, fate.reason = ("gap" if out.resume_from else "rejected"), blocked
            continue
        if seq > out.head_seq + 1:
            fate.status = "gap"
            fate.reason = f"gap: the server holds up to seq {out.head_seq}; resend from {out.head_seq + 1}"
            out.resume_from = out.head_seq + 1
            blocked = fate.reason
            continue
        problem = None
        if digest != rec["hash"]:
            problem = "hash mismatch: the record was altered after it was signed"
        elif not valid.get(index, False):
            problem = "bad signature"
        elif rec["prev"] != out.head_hash:
            fate.status = "fork"
            fate.reason = (f"fork: prev does not match the held record at seq {seq - 1};"
                           " quarantined for governance review")
            out.quarantine.append((rec, fate.reason))
            blocked = f"follows a rejected record (seq {seq})"
            continue
        else:
            found = checked.get(index) if checked else None
            if found is None:
                found = _body_check(body_check, rec, held_target, shaped)
            problem = "; ".join(found[:5]) or None
        if problem:
            fate.reason = problem
            blocked = f"follows a rejected record (seq {seq})"
            continue
        fate.status = "accepted"
        in_batch[rec["hash"]] = rec
        out.insert.append((rec, body_json))
        out.head_seq, out.head_hash = seq, rec["hash"]
    return out

