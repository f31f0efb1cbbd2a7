"""Plain-language descriptions of records for people who do not read JSON.

``describe(kind, body, titles)`` returns a title line, an outcome word (or "") and a list of
(label, value) details. Used by the HTML and CSV renderers and the report.
"""

from __future__ import annotations

from typing import Any

from checklists.names import restrictions_in_words, shipped_names

ENDPOINTS = {
    "on_call_clinician": "on-call clinician",
    "supervisor": "supervisor",
    "emergency_services": "emergency services (911)",
    "no_escalation": "no escalation (keep observing)",
}
KIND_LABELS = {
    "pathway_assigned": "Pathway assigned",
    "scenario_check": "Scenario check",
    "shadow_escalation": "Shadow-escalation note",
    "note_assessment": "Note assessment",
    "restriction_started": "Restriction started",
    "restriction_reviewed": "Restriction reviewed",
    "restriction_lifted": "Restriction lifted",
    "pathway_closed": "Pathway closed",
    "amendment": "Amendment",
    "closure_decision": "Closure decision",
}

Details = list[tuple[str, str]]
PROPOSAL_LABEL = "Closure proposed"


def kind_label(kind: str, proposal: bool = False) -> str:
    """The record kind in words; a ``pathway_closed`` on a pathway with a signing owner
    (``proposal``) only proposes closure, so it is not called closed."""
    return PROPOSAL_LABEL if proposal and kind == "pathway_closed" else KIND_LABELS.get(kind, kind)


def proposal_pathways(pathways: Any) -> set[str]:
    """Ids of the pathway views whose ``pathway_closed`` records are proposals awaiting the
    owner's decision (schema 2: the pathway names an ``owner_id``)."""
    return {str(p.get("pathway_id")) for p in pathways if isinstance(p, dict) and p.get("owner_id")}


def endpoint(value: Any) -> str:
    return ENDPOINTS.get(str(value), str(value)) if value else ""


def _requirements(req: dict[str, Any]) -> str:
    parts = []
    if req.get("scenarios"):
        parts.append("pass scenario(s) " + ", ".join(req["scenarios"]))
    if req.get("compliant_samples"):
        parts.append(f"{req['compliant_samples']} compliant sample note(s)")
    if req.get("first_five"):
        parts.append("first-five-notes review")
    if req.get("shadow_shifts"):
        parts.append(f"{req['shadow_shifts']} shadow-escalation shift(s)")
    return "; ".join(parts) or "none"


def _checklist(titles: dict[tuple[str, int], str], cid: str, version: Any) -> str:
    title = titles.get((cid, version)) if isinstance(version, int) else None
    label = f"{cid} version {version}" if version is not None else f"{cid} (version not recorded)"
    return f"{title} ({label})" if title else label


def describe(kind: str, body: dict[str, Any], titles: dict[tuple[str, int], str] | None = None,
             proposal: bool = False) -> tuple[str, str, Details]:
    """(title, outcome, details) for one record body (``proposal``: see :func:`kind_label`)."""
    titles = titles or {}
    b = body
    if kind == "pathway_assigned":
        subject = f"staff {b['staff_id']}" if b.get("staff_id") else f"cohort {b.get('cohort_id')}"
        return (f"Pathway {b['pathway_id']} assigned for {subject} after {b['incident_ref']}", "", [
            ("Incident", b["incident_ref"]), ("Gap type", b["gap"]), ("Owner", b["owner"]),
            ("Due on", b["due_on"]), ("Requirements", _requirements(b.get("requirements", {}))),
            *([("Note", b["note"])] if b.get("note") else []),
        ])
    if kind == "scenario_check":
        items = ", ".join(f"{i['item_id']}: {i['result']}" + (f" ({i['note']})" if i.get("note") else "")
                          for i in b.get("items", []))
        details = [
            ("Scenario", _checklist(titles, b["scenario_id"], b.get("scenario_version"))),
            ("Setting", b["setting"].replace("_", " ")),
            ("Items", items),
            ("Endpoint chosen", endpoint(b.get("chosen_endpoint"))),
            ("Endpoint expected", endpoint(b.get("expected_endpoint")) or "not recorded"),
            ("Decision time", f"{b.get('decision_seconds')} seconds"),
            ("Outcome", b.get("outcome", "")),
        ]
        if b.get("failed_critical"):
            details.append(("Failed critical items", ", ".join(b["failed_critical"])))
        if b.get("remediation"):
            details.append(("Remediation", b["remediation"]))
        if b.get("pathway_id"):
            details.append(("Pathway", b["pathway_id"]))
        version = b.get("scenario_version")
        title = (titles.get((b["scenario_id"], version)) if isinstance(version, int) else None) \
            or shipped_names().scenario(b["scenario_id"])
        return (f"Scenario check: {title}: {b.get('outcome', '?')}", b.get("outcome", ""), details)
    if kind == "shadow_escalation":
        agreed = "agreed" if b.get("agreed") else "disagreed"
        details = [
            ("Shift", f"{b['shift_date']} {b['shift']}"), ("Situation", b["situation"]),
            ("Staff choice", endpoint(b["staff_choice"])), ("Supervisor choice", endpoint(b["supervisor_choice"])),
            ("Agreed", "yes" if b.get("agreed") else "no"),
        ]
        if b.get("learning_note"):
            details.append(("Learning note", b["learning_note"]))
        return (f"Shadow escalation {b['shift_date']} {b['shift']} shift: {agreed}", agreed, details)
    if kind == "note_assessment":
        missing = b.get("missing_elements") or [e["element_id"] for e in b.get("elements", []) if not e["present"]]
        details = [
            ("Standard", _checklist(titles, b["standard_id"], b.get("standard_version"))),
            ("Review", f"{b['review'].replace('_', '-')} note {b['sequence']}"),
            ("Attempt", str(b.get("attempt", 1))),
            ("Missing elements", ", ".join(missing) or "none"),
            ("Timely", "yes" if b.get("timely") else "no"),
            ("Outcome", b.get("outcome", "")),
        ]
        if b.get("feedback"):
            details.append(("Feedback", b["feedback"]))
        title = f"Note assessment ({b['review'].replace('_', '-')} {b['sequence']}, attempt {b.get('attempt', 1)}): {b.get('outcome', '?')}"
        return (title, b.get("outcome", ""), details)
    if kind == "restriction_started":
        subject = f"staff {b['staff_id']}" if b.get("staff_id") else f"cohort {b.get('cohort_id')}"
        return (f"Restriction {b['restriction_id']} started for {subject}", "", [
            ("Restrictions", restrictions_in_words(b["restrictions"])), ("Reason", b["reason"]),
            ("Incident", b["incident_ref"]), ("Review every", f"{b.get('review_every_days', 7)} days"),
            ("Expires on", b["expires_on"]),
        ])
    if kind == "restriction_reviewed":
        details = [("Decision", b["decision"]), ("Note", b["note"])]
        if b.get("expires_on"):
            details.append(("New expiry", b["expires_on"]))
        return (f"Restriction {b['restriction_id']} reviewed: {b['decision']}", b["decision"], details)
    if kind == "restriction_lifted":
        return (f"Restriction {b['restriction_id']} lifted", "lifted", [("Reason", b["reason"])])
    if kind == "pathway_closed":
        v = b.get("verification", {})
        if proposal:
            return (f"Closure of pathway {b['pathway_id']} proposed, with verification", "proposed", [
                ("Verified", v.get("what", "")), ("Verified by", v.get("by", "")), ("Result", v.get("result", "")),
            ])
        return (f"Pathway {b['pathway_id']} closed with verification", "closed", [
            ("Verified", v.get("what", "")), ("Verified by", v.get("by", "")), ("Result", v.get("result", "")),
        ])
    if kind == "amendment":
        return ("Amendment", "", [("Amends record", b.get("amends", "")), ("Reason", b.get("reason", ""))])
    if kind == "closure_decision":
        verb = "approved" if b.get("decision") == "approve" else "returned"
        return (f"Closure of pathway {b.get('pathway_id')} {verb} by its owner", verb, [
            ("Proposal", b.get("proposal", "")), ("Reason", b.get("reason", ""))])
    return (kind, "", [])
