"""The per-staff re-validation history model: a pure function of :class:`ExportInputs`.

``build_history(inputs)`` checks every record (hash, signature, device key, chain links between
records present), derives current state with ``supervisor_tui.reports.projections`` and groups records into one
section per pathway (amendments right after what they amend). Renderers only format this model.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from supervisor_tui.model.signing import check_record
from supervisor_tui.reports import projections
from supervisor_tui.reports.describe import KIND_LABELS, describe, kind_label, proposal_pathways
from supervisor_tui.reports.inputs import ExportInputs

OTHER = "other"
WORK_KINDS = ("scenario_check", "shadow_escalation", "note_assessment")


def _order(record: dict[str, Any]) -> tuple:
    return (record["created_at"], record["device"], record["seq"])


def record_problems(records: list[dict[str, Any]], public_keys: dict[str, str],
                    device_authors: dict[str, str] | None = None,
                    verified: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """Problems per record hash: hash, signature, key binding and chain links between records
    that are both present (a person's history legitimately skips other people's records).
    Records in ``verified`` (hash and signature already confirmed by the gatherer) skip the
    hash and signature check; the rest is checked for every record."""
    device_authors = device_authors or {}
    problems: dict[str, list[str]] = {}
    by_device: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    for record in records:
        found = [] if record.get("hash") in verified else check_record(record, public_keys.get(record.get("device", "")))
        author = device_authors.get(record.get("device", ""))
        if author and record.get("author") != author:
            found.append(f"device {record['device']} is enrolled for {author}, not {record.get('author')}")
        problems[record.get("hash", "")] = found
        if isinstance(record.get("seq"), int):
            by_device[record.get("device", "")][record["seq"]] = record
    for chain in by_device.values():
        for seq, record in chain.items():
            before = chain.get(seq - 1)
            if seq == 1 and record.get("prev") != "":
                problems[record["hash"]].append("chain broken: seq 1 must have an empty prev")
            elif before is not None and record.get("prev") != before.get("hash"):
                problems[record["hash"]].append(f"chain broken: prev is not the hash of seq {seq - 1}")
    return problems


def body_changes(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str]]:
    changes = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            changes.append((f"Changed {key}", f"{_short(old.get(key))} -> {_short(new.get(key))}"))
    return changes


def _short(value: Any) -> str:
    text = "(none)" if value is None else str(value)
    return text if len(text) <= 160 else text[:157] + "..."


def _belongs(eff: projections.Effective, pathway: dict[str, Any]) -> bool:
    """Whether an untagged work record counts towards a pathway's requirements."""
    req = pathway["requirements"]
    if eff.record["created_at"] < pathway["_since"]:
        return False
    if pathway.get("_closed_at") and eff.record["created_at"] > pathway["_closed_at"]:
        return False
    if eff.kind == "scenario_check":
        return eff.body.get("scenario_id") in req.get("scenarios", [])
    if eff.kind == "shadow_escalation":  # a shift worked before the pathway does not count
        return bool(req.get("shadow_shifts")) and eff.body.get("shift_date", "") >= pathway["_since"][:10]
    if eff.kind == "note_assessment":
        review = eff.body.get("review")
        return bool(req.get("compliant_samples")) if review == "sample" else bool(req.get("first_five"))
    return False


def build_history(inputs: ExportInputs, describe_records: bool = True) -> dict[str, Any]:
    """The history model (plain dicts and lists) for one person. ``describe_records=False``
    leaves each entry's human-readable title, outcome and details empty (the JSON pack holds
    the records themselves, not their descriptions)."""
    staff = inputs.staff
    staff_id, cohort = staff["staff_id"], staff.get("cohort")
    records = sorted(inputs.records, key=_order)
    problems = record_problems(records, inputs.public_keys, inputs.device_authors, inputs.verified)
    effective = projections.effective_records(records)
    by_hash = {r["hash"]: r for r in records}
    own = [e for e in effective if e.body.get("staff_id") == staff_id]
    person = {"staff_id": staff_id, "name": staff.get("name", ""), "role": staff.get("role", ""),
              "cohort_id": cohort or ""}
    status = projections.staff_status(person, effective, {staff_id: own}, inputs.today)

    # pathways that apply to this person, oldest first
    closures = projections.closures(effective)
    pathways: list[dict[str, Any]] = []
    for eff in effective:
        if eff.kind != "pathway_assigned":
            continue
        if eff.body.get("staff_id") != staff_id and eff.body.get("cohort_id") != cohort:
            continue
        closure = closures.get(eff.body["pathway_id"])
        view = projections.pathway_view(eff, closure, {staff_id: own}, inputs.today)
        view["progress"] = view.get("progress") or view.get("members", {}).get(staff_id, {}).get("progress")
        view["_since"] = eff.record["created_at"]
        view["_closed_at"] = ((closure.decision or closure.proposal).record["created_at"]
                              if closure is not None and closure.closed else None)
        view["entries"] = []
        pathways.append(view)
    by_pathway = {p["pathway_id"]: p for p in pathways}
    incident_pathway = {}
    for p in pathways:
        incident_pathway.setdefault(p["incident_ref"], p["pathway_id"])

    restrictions = [
        s.as_dict(inputs.today) for s in projections.restriction_states(effective).values()
        if (s.scope == "staff" and s.subject == staff_id) or (s.scope == "cohort" and s.subject == cohort)
    ]
    restriction_section = {r["restriction_id"]: incident_pathway.get(r["incident_ref"], OTHER) for r in restrictions}

    def section_of(eff: projections.Effective) -> str:
        body = eff.body
        if body.get("pathway_id") in by_pathway:
            return body["pathway_id"]
        if body.get("restriction_id") in restriction_section:
            return restriction_section[body["restriction_id"]]
        if eff.kind in WORK_KINDS:
            for p in pathways:
                if _belongs(eff, p):
                    return p["pathway_id"]
        return OTHER

    entries: dict[str, dict[str, Any]] = {}
    sections: dict[str, list[dict[str, Any]]] = defaultdict(list)
    eff_by_hash = {e.record["hash"]: e for e in effective}
    proposing = proposal_pathways(pathways)
    for record in records:
        entry = _entry(record, inputs, problems.get(record["hash"], []), describe_records,
                       record["kind"] == "pathway_closed" and record["body"].get("pathway_id") in proposing)
        entries[record["hash"]] = entry
        if record["kind"] == "amendment":
            target = by_hash.get(record["body"].get("amends"))
            if target is not None:
                entry["title"] = f"Amendment to: {entries[target['hash']]['title']}"
                if describe_records:
                    entry["details"] = [("Amends record", target["hash"]),
                                        ("Reason", record["body"].get("reason", "")),
                                        *body_changes(_amendable(target["body"]), _amendable(record["body"].get("body", {})))]
                entries[target["hash"]]["amendments"].append(entry)
                continue
            entry["details"].append(("Note", "the amended record is not in this export"))
            sections[OTHER].append(entry)
            continue
        eff = eff_by_hash.get(record["hash"])
        section = section_of(eff) if eff else OTHER
        entry["section"] = section
        if eff and eff.amended_by and describe_records:
            entry["current"] = describe(record["kind"], eff.body, inputs.checklist_titles, entry["proposal"])[2]
        sections[section].append(entry)
    for p in pathways:
        p["entries"] = sections.get(p["pathway_id"], [])
        del p["_since"], p["_closed_at"]

    ordered = [entries[r["hash"]] for r in records]
    failed = [e for e in ordered if not e["signature_ok"]]
    kinds = Counter(r["kind"] for r in records)
    return {
        "staff": {**staff, "cohort_name": inputs.cohort_names.get(cohort or "", cohort or "")},
        "source": inputs.source,
        "generated_at": inputs.generated_at,
        "today": inputs.today.isoformat(),
        "status": status,
        "pathways": pathways,
        "other": sections.get(OTHER, []),
        "restrictions": restrictions,
        "entries": ordered,
        "public_keys": dict(sorted(inputs.public_keys.items())),
        "device_authors": inputs.device_authors,
        "author_names": inputs.author_names,
        "summary": {
            "records": len(records),
            "by_kind": {k: kinds[k] for k in KIND_LABELS if kinds.get(k)},
            "first": records[0]["created_at"] if records else None,
            "last": records[-1]["created_at"] if records else None,
            "signatures_ok": len(records) - len(failed),
            "signatures_failed": [e["hash"] for e in failed],
            "central_held": sum(1 for e in ordered if e["central"]),
            "state": status["state"],
            "pathways_open": sum(1 for p in pathways if p["status"] == "open"),
            "pathways_closed": sum(1 for p in pathways if p["status"] == "closed"),
            "restrictions_active": sum(1 for r in restrictions if r["status"] == "active"),
            "amendments": kinds.get("amendment", 0),
        },
    }


def _amendable(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("outcome", "expected_endpoint", "failed_critical",
                                                       "missing_elements", "agreed")}


def _entry(record: dict[str, Any], inputs: ExportInputs, problems: list[str], described: bool = True,
           proposal: bool = False) -> dict[str, Any]:
    title, outcome, details = (describe(record["kind"], record["body"], inputs.checklist_titles, proposal)
                               if described else ("", "", []))
    author = record["author"]
    return {
        "record": record,
        "id": record["id"],
        "kind": record["kind"],
        "kind_label": kind_label(record["kind"], proposal),
        "proposal": proposal,
        "created_at": record["created_at"],
        "hash": record["hash"],
        "device": record["device"],
        "seq": record["seq"],
        "author": author,
        "author_name": inputs.author_names.get(author, ""),
        "title": title,
        "outcome": outcome,
        "details": details,
        "signature_ok": not problems,
        "signature": "verified" if not problems else "FAILED: " + "; ".join(problems),
        "central": inputs.receipts.get(record["hash"]),
        "amendments": [],
        "current": None,
        "section": OTHER,
    }
