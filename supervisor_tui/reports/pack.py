"""The JSON evidence pack: build it, and verify it offline with nothing but the pack.

Format (``"format": "supervisor-tui/evidence-pack"``, ``"format_version": 1``; README
"Exporting a re-validation history" documents it for auditors):

* ``records``: the signed records exactly as signed (11 envelope fields), in time order
  ``(created_at, device, seq)``.
* ``devices``: device id -> ``{"author", "public_key", "seqs"}``; ``seqs`` lists the seqs of that
  device's records present in the pack (a person's history skips other people's records, so gaps
  are expected).
* ``receipts``: record hash -> central store receipt (``accepted_at``, ``server``, ``receipt``).
* ``summary``: counts for people (not trusted by the verifier; its hash is in the manifest).
* ``manifest``: ``{"staff_id", "generated_at", "source", "record_count", "records": [[device, seq,
  hash], ...] in pack order, "devices_sha256", "receipts_sha256", "summary_sha256", "signed_by"}``
  where ``signed_by`` is ``{"device", "public_key"}`` of the exporter's key or ``null``;
  ``manifest_sha256`` is SHA-256 of the manifest's canonical bytes; ``manifest_signature`` (when
  ``signed_by`` is set) is ``{"device", "public_key", "sig"}`` with ``sig`` an Ed25519
  signature of those canonical bytes by ``signed_by``'s key.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from supervisor_tui.model.canonical import CanonicalError, canonical_bytes, sha256_hex
from supervisor_tui.model.signing import SIGNED_FIELDS, check_record, verify_signature

FORMAT = "supervisor-tui/evidence-pack"
FORMAT_VERSION = 1
RECORD_FIELDS = (*SIGNED_FIELDS, "hash", "sig")
_FIELD_SET = frozenset(RECORD_FIELDS)
_HEX = {"hash": re.compile(r"[0-9a-f]{64}"), "sig": re.compile(r"[0-9a-f]{128}"),
        "prev": re.compile(r"([0-9a-f]{64})?")}
Signer = Callable[[bytes], str]


def _digest(value: Any, trusted: bool = False) -> str:
    return sha256_hex(canonical_bytes(value, trusted=trusted))


def _order(record: dict[str, Any]) -> tuple:
    return (record["created_at"], record["device"], record["seq"])


def build_pack(history: dict[str, Any], signer: Signer | None = None,
               signer_device: str | None = None, signer_public_key: str | None = None) -> dict[str, Any]:
    """The evidence pack for a history built by ``build_history``.

    ``signer`` (with its device id and public key) signs the manifest: the exporting
    supervisor's device key locally; the central store may pass its own key, or None."""
    records = [r if r.keys() == _FIELD_SET and len(r) == len(RECORD_FIELDS) else {k: r[k] for k in RECORD_FIELDS}
               for r in (e["record"] for e in history["entries"])]
    records.sort(key=_order)
    seqs: dict[str, list[int]] = defaultdict(list)
    for r in records:
        seqs[r["device"]].append(r["seq"])
    devices = {
        d: {"author": history["device_authors"].get(d) or next(r["author"] for r in records if r["device"] == d),
            "public_key": history["public_keys"].get(d, ""), "seqs": sorted(s)}
        for d, s in sorted(seqs.items())
    }
    receipts = {e["hash"]: e["central"] for e in history["entries"] if e["central"]}
    summary = {
        "staff": {k: history["staff"].get(k, "") for k in ("staff_id", "name", "role", "cohort", "cohort_name")},
        **{k: history["summary"][k] for k in ("records", "by_kind", "first", "last", "central_held", "state",
                                              "pathways_open", "pathways_closed", "restrictions_active",
                                              "amendments")},
        "author_names": history["author_names"],
    }
    manifest = {
        "staff_id": history["staff"]["staff_id"],
        "generated_at": history["generated_at"],
        "source": history["source"],
        "record_count": len(records),
        "records": [[r["device"], r["seq"], r["hash"]] for r in records],
        # trusted: devices are built here, central receipts by gather_central, from strings and
        # integers only (local receipts are the server's JSON: walked in full)
        "devices_sha256": _digest(devices, trusted=True),
        "receipts_sha256": _digest(receipts, trusted=history["source"] == "central"),
        "summary_sha256": _digest(summary),
        "signed_by": {"device": signer_device, "public_key": signer_public_key} if signer else None,
    }
    data = canonical_bytes(manifest, trusted=True)  # built here from strings and integers
    pack: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "summary": summary,
        "devices": devices,
        "records": records,
        "receipts": receipts,
        "manifest": manifest,
        "manifest_sha256": sha256_hex(data),
    }
    if signer is not None:
        pack["manifest_signature"] = {"device": signer_device, "public_key": signer_public_key,
                                      "sig": signer(data)}
    return pack


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def dumps(pack: dict[str, Any], body_json: dict[str, str] | None = None) -> str:
    """The pack as JSON text: one top-level section per line group, each record (and each
    device, receipt and manifest entry) on a line of its own. Written with the C encoder
    (``indent`` would switch ``json`` to its pure-Python encoder, several times slower for a
    pack of thousands of records); any JSON parser reads it, whitespace is not part of any
    hash or signature. ``body_json`` (record hash -> the body's canonical JSON text, already
    checked against the record's hash) is written as is, not encoded again."""
    parts = []
    for key, value in pack.items():
        if key == "records" and value and body_json:
            inner = ",\n  ".join(_record_text(v, body_json) for v in value)
            text = f"[\n  {inner}\n ]"
        elif isinstance(value, list) and value:
            inner = ",\n  ".join(_COMPACT(v) for v in value)
            text = f"[\n  {inner}\n ]"
        elif key == "receipts" and value:
            inner = ",\n  ".join(_receipt_text(k, v) for k, v in value.items())
            text = f"{{\n  {inner}\n }}"
        elif isinstance(value, dict) and value:
            inner = ",\n  ".join(f"{_COMPACT(k)}: {_section(v)}" for k, v in value.items())
            text = f"{{\n  {inner}\n }}"
        else:
            text = _COMPACT(value)
        parts.append(f" {_COMPACT(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


_SAFE = re.compile(r'[^"\\\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]*')  # JSON string text as is


def _record_text(record: dict[str, Any], body_json: dict[str, str]) -> str:
    """One record with its body's stored canonical text spliced in (checked by the caller)."""
    raw = body_json.get(record.get("hash"))  # type: ignore[arg-type]
    if raw is None:
        return _COMPACT(record)
    strings = [record.get(k) for k in ("id", "kind", "author", "device", "prev", "created_at", "hash", "sig")]
    if (record.keys() == _FIELD_SET and all(type(v) is str for v in strings) and _SAFE.fullmatch("".join(strings))
            and type(record["schema"]) is int and type(record["seq"]) is int):
        i, k, a, d, p, c, h, g = strings
        return (f'{{"id": "{i}", "kind": "{k}", "schema": {record["schema"]}, "author": "{a}", "device": "{d}",'
                f' "seq": {record["seq"]}, "prev": "{p}", "created_at": "{c}", "body": {raw}, "hash": "{h}",'
                f' "sig": "{g}"}}')
    head = _COMPACT({k: v for k, v in record.items() if k != "body"})
    return f'{head[:-1]}, "body": {raw}}}'


def _receipt_text(record_hash: str, receipt: Any) -> str:
    """One receipt entry; the central store's shape is formatted directly."""
    if (type(receipt) is dict and receipt.keys() == {"accepted_at", "server", "receipt"}
            and type(receipt["receipt"]) is dict and receipt["receipt"].keys() == {"pos"}
            and type(receipt["receipt"]["pos"]) is int and type(receipt["accepted_at"]) is str
            and type(receipt["server"]) is str and type(record_hash) is str
            and _SAFE.fullmatch(record_hash + receipt["accepted_at"] + receipt["server"])):
        return (f'"{record_hash}": {{"accepted_at": "{receipt["accepted_at"]}", "server": "{receipt["server"]}",'
                f' "receipt": {{"pos": {receipt["receipt"]["pos"]}}}}}')
    return f"{_COMPACT(record_hash)}: {_COMPACT(receipt)}"


def _section(value: Any) -> str:
    """A manifest's record list one entry per line; anything else compact."""
    if isinstance(value, list) and len(value) > 1 and all(isinstance(v, list) for v in value):
        return "[\n   " + ",\n   ".join(_triple(v) for v in value) + "\n  ]"
    return _COMPACT(value)


_PLAIN = re.compile(r"[A-Za-z0-9_.:\-]*")


def _triple(entry: list) -> str:
    """A manifest ``[device, seq, hash]`` entry (formatted directly when nothing needs escaping)."""
    if (len(entry) == 3 and type(entry[1]) is int and isinstance(entry[0], str) and isinstance(entry[2], str)
            and _PLAIN.fullmatch(entry[0] + entry[2])):
        return f'["{entry[0]}", {entry[1]}, "{entry[2]}"]'
    return _COMPACT(entry)


@dataclass
class PackReport:
    """Result of ``verify_pack``: ``failing`` maps a record label to its problems."""

    count: int = 0
    failing: dict[str, list[str]] = field(default_factory=dict)
    pack_problems: list[str] = field(default_factory=list)
    signed_by: str | None = None
    signer_key: str | None = None
    devices: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failing and not self.pack_problems

    def lines(self) -> list[str]:
        out = [f"record {label}: {'; '.join(p)}" for label, p in self.failing.items()]
        return out + [f"pack: {p}" for p in self.pack_problems]


def _label(index: int, record: Any) -> str:
    if not isinstance(record, dict):
        return f"#{index + 1}"
    return f"#{index + 1} id {record.get('id')} (device {record.get('device')} seq {record.get('seq')})"


def verify_pack(pack: Any) -> PackReport:
    """Re-verify a pack using only what it holds. Never raises on malformed input."""
    report = PackReport()
    try:
        _verify(pack, report)
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:  # malformed shapes
        report.pack_problems.append(f"malformed pack ({exc.__class__.__name__}: {exc})")
    return report


def _verify(pack: Any, report: PackReport) -> PackReport:
    if not isinstance(pack, dict) or pack.get("format") != FORMAT:
        report.pack_problems.append(f"not an evidence pack (expected \"format\": \"{FORMAT}\")")
        return report
    if pack.get("format_version") != FORMAT_VERSION:
        report.pack_problems.append(f"unsupported format_version {pack.get('format_version')!r}")
        return report
    records = pack.get("records")
    devices = pack.get("devices")
    if not isinstance(records, list) or not isinstance(devices, dict):
        report.pack_problems.append("records must be a list and devices an object")
        return report
    if not records:
        report.pack_problems.append("the pack holds no records")
    keys = {d: v.get("public_key") for d, v in devices.items() if isinstance(v, dict)}
    report.devices = {d: k for d, k in keys.items() if isinstance(k, str)}
    chains: dict[str, dict[int, tuple[int, dict]]] = defaultdict(dict)
    for index, record in enumerate(records):
        report.count += 1
        label = _label(index, record)
        problems = _check_one(record, devices)
        if _shaped(record):
            chain = chains[record["device"]]
            if record["seq"] in chain:
                problems.append(f"seq {record['seq']} appears twice for device {record['device']}")
            chain[record["seq"]] = (index, record)
        if problems:
            report.failing[label] = problems
    _check_chains(records, chains, devices, report)
    _check_order(records, report)
    _check_manifest(pack, records, report)
    return report


def _shaped(record: Any) -> bool:
    return (isinstance(record, dict) and isinstance(record.get("device"), str)
            and isinstance(record.get("seq"), int) and not isinstance(record.get("seq"), bool)
            and isinstance(record.get("hash"), str) and isinstance(record.get("prev"), str))


def _check_one(record: Any, devices: dict[str, Any]) -> list[str]:
    if not isinstance(record, dict):
        return ["not a JSON object"]
    extra = sorted(set(record) - set(RECORD_FIELDS))
    missing = [f for f in RECORD_FIELDS if f not in record]
    if missing:
        return [f"missing field(s): {', '.join(missing)}"]
    if extra:
        return [f"unexpected field(s): {', '.join(extra)}"]
    if not isinstance(record["seq"], int) or isinstance(record["seq"], bool) or record["seq"] < 1:
        return ["seq is not a positive integer"]
    if not isinstance(record["device"], str) or not isinstance(record["created_at"], str):
        return ["device and created_at must be strings"]
    problems = [f"{name} is not lower-case hex of the right length" for name, pattern in _HEX.items()
                if not isinstance(record[name], str) or not pattern.fullmatch(record[name])]
    device = devices.get(record["device"])
    key = device.get("public_key") if isinstance(device, dict) else None
    problems += check_record(record, key if isinstance(key, str) else None)
    if isinstance(device, dict) and device.get("author") != record["author"]:
        problems.append(f"author {record['author']!r} is not the supervisor of device {record['device']}")
    return problems


def _check_chains(records: list, chains: dict, devices: dict[str, Any], report: PackReport) -> None:
    for device, chain in chains.items():
        for seq, (index, record) in chain.items():
            label = _label(index, record)
            if seq == 1 and record["prev"] != "":
                report.failing.setdefault(label, []).append("chain broken: seq 1 must have an empty prev")
            before = chain.get(seq - 1)
            if before is not None and record["prev"] != before[1]["hash"]:
                report.failing.setdefault(label, []).append(
                    f"chain broken: prev is not the hash of seq {seq - 1} of device {device}")
    for device, info in devices.items():
        listed = info.get("seqs") if isinstance(info, dict) else None
        present = sorted(chains.get(device, {}))
        if listed != present:
            gone = sorted(x for x in listed if isinstance(x, int) and x not in present) if isinstance(listed, list) else []
            what = f"seq(s) {', '.join(map(str, gone))} listed but missing" if gone else "seq list does not match the records"
            report.pack_problems.append(f"device {device}: {what}")
    for device in chains:
        if device not in devices:
            report.pack_problems.append(f"device {device}: not listed under devices")


def _check_order(records: list, report: PackReport) -> None:
    # (A device's seq need not grow with created_at: a laptop clock set back is unusual, not
    # tampering; each chain is checked by seq and prev, and the manifest pins the order.)
    last_key = None
    for index, record in enumerate(records):
        if not isinstance(record, dict) or not all(
                isinstance(record.get(f), t) for f, t in (("created_at", str), ("device", str), ("seq", int))):
            continue
        key = _order(record)
        if last_key is not None and key < last_key:
            report.failing.setdefault(_label(index, record), []).append("out of time order (records reordered)")
        last_key = max(key, last_key) if last_key else key


def _check_manifest(pack: dict[str, Any], records: list, report: PackReport) -> None:
    manifest = pack.get("manifest")
    if not isinstance(manifest, dict):
        report.pack_problems.append("manifest missing")
        return
    try:
        data = canonical_bytes(manifest)
        expected = {
            "record_count": len(records),
            "records": [[r.get("device"), r.get("seq"), r.get("hash")] if isinstance(r, dict) else None
                        for r in records],
            "devices_sha256": _digest(pack.get("devices")),
            "receipts_sha256": _digest(pack.get("receipts", {})),
            "summary_sha256": _digest(pack.get("summary")),
        }
    except CanonicalError as exc:
        report.pack_problems.append(f"manifest or a section cannot be encoded canonically: {exc}")
        return
    if sha256_hex(data) != pack.get("manifest_sha256"):
        report.pack_problems.append("manifest_sha256 does not match the manifest")
    for name, value in expected.items():
        if manifest.get(name) != value:
            if name == "records":
                claimed = manifest.get("records")
                listed = {json.dumps(x) for x in (claimed if isinstance(claimed, list) else []) if isinstance(x, list)}
                present = {json.dumps(x) for x in value if x}
                gone = sorted(listed - present)
                if gone:
                    report.pack_problems.append("manifest lists record(s) not in the pack: " + ", ".join(gone))
                else:
                    report.pack_problems.append("manifest record list does not match the records (added, changed or reordered)")
            else:
                report.pack_problems.append(f"manifest {name} does not match the pack")
    _check_signature(pack, manifest, data, report)


def _check_signature(pack: dict[str, Any], manifest: dict[str, Any], data: bytes, report: PackReport) -> None:
    signed_by = manifest.get("signed_by")
    signature = pack.get("manifest_signature")
    if signed_by is None:
        if signature is not None:
            report.pack_problems.append("manifest_signature present but the manifest says it is unsigned")
        return
    if not isinstance(signed_by, dict) or not all(isinstance(signed_by.get(k), str) for k in ("device", "public_key")):
        report.pack_problems.append("manifest signed_by is malformed")
        return
    if not isinstance(signature, dict) or not isinstance(signature.get("sig"), str):
        report.pack_problems.append("manifest_signature missing or malformed (the manifest says it is signed)")
        return
    if any(k in signature and signature[k] != signed_by[k] for k in ("device", "public_key")):
        report.pack_problems.append("manifest_signature names a different key than the manifest's signed_by")
    elif not verify_signature(signed_by["public_key"], data, signature["sig"]):
        report.pack_problems.append("manifest signature does not verify")
    elif report.devices.get(signed_by["device"], signed_by["public_key"]) != signed_by["public_key"]:
        report.pack_problems.append("manifest signed with a key other than the device's listed key")
    else:
        report.signed_by = signed_by["device"]
        report.signer_key = signed_by["public_key"]
