"""HTML rendering of a history: a printable, self-contained evidence pack for an auditor.

Order: summary (with a chart), how to check the document, restrictions, one section per
pathway (its requirements, closure and verification, then its records in time order with
amendments right after what they amend), other records, and an appendix of keys and hashes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from html import escape as _html_escape
from typing import Any

from checklists.names import restrictions_in_words, shipped_names
from supervisor_tui.reports.html_base import kv_table, page, table
from supervisor_tui.reports.svg import bar_chart, progress_bar

STATE_TEXT = {
    "none": "No re-validation pathway on record",
    "in_progress": "Re-validation in progress",
    "restricted": "Working under restriction until re-validated",
    "validated": "Re-validated (all pathways closed)",
}


_SPECIAL = re.compile(r"[&<>\"']")


def escape(text: str) -> str:
    """``html.escape`` (quotes too), skipping the replaces for text with nothing to escape (most
    of it; a 2,000-record history escapes about 50,000 strings)."""
    return _html_escape(text) if _SPECIAL.search(text) else text


def _who(entry: dict[str, Any]) -> str:
    name = entry["author_name"]
    return f"{name} ({entry['author']})" if name else entry["author"]


def _central(entry: dict[str, Any]) -> str:
    c = entry["central"]
    if not c:
        return "not yet held by the central store (not synced)"
    where = f" {c['server']}" if c.get("server") else ""
    if not c.get("accepted_at"):
        return f"held by the central store{where} (received from it)"
    return f"held by the central store{where} since {c['accepted_at']}"


def _entry(entry: dict[str, Any]) -> str:
    cls = "amendment" if entry["kind"] == "amendment" else escape(entry["outcome"] or "")
    sig = ('<span class="ok">signature verified</span>' if entry["signature_ok"]
           else f'<span class="bad">{escape(entry["signature"])}</span>')
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in entry["details"])
    short = escape(str(entry["hash"])[:12])
    html = [f'<div class="entry {cls}" id="r{short}">',
            f'<div><b>{escape(entry["created_at"][:16].replace("T", " "))} UTC</b> · {escape(entry["kind_label"])}'
            f' · record {short}</div>',
            f'<h3>{escape(entry["title"])}</h3><dl>{rows}</dl>']
    if entry["current"] is not None:
        html.append('<p class="muted">This record was later amended; the amendment below gives the '
                    "corrected reading. The original stays on file unchanged.</p>")
    html.append(f'<div class="muted">Assessor: {escape(_who(entry))} · device {escape(entry["device"])} '
                f'seq {entry["seq"]} · {sig} · {escape(_central(entry))}</div>')
    html.append(f'<div class="hash">SHA-256 {escape(str(entry["hash"]))}</div></div>')
    for amendment in entry["amendments"]:
        html.append(_entry(amendment))
    return "".join(html)


def _summary(h: dict[str, Any]) -> str:
    s, staff = h["summary"], h["staff"]
    failed = s["signatures_failed"]
    check = (f'<span class="ok">All {s["records"]} records: hash and signature verified.</span>' if not failed
             else f'<span class="bad">{len(failed)} of {s["records"]} records FAILED verification: '
                  + escape(", ".join(x[:12] for x in failed)) + "</span>")
    kinds = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in s["by_kind"].items())
    rows = [
        ["Person", f"{staff.get('name', '')} ({staff['staff_id']}), {staff.get('role', '')}"],
        ["Cohort", f"{staff.get('cohort_name') or staff.get('cohort', '')} ({staff.get('cohort', '')})"],
        ["Current state", STATE_TEXT.get(s["state"], s["state"])],
        ["Pathways", f"{s['pathways_open']} open, {s['pathways_closed']} closed with verification"],
        ["Restrictions in force", str(s["restrictions_active"])],
        ["Records", f"{s['records']} ({kinds}), from {(s['first'] or '')[:10]} to {(s['last'] or '')[:10]}"],
        ["Amendments", str(s["amendments"])],
        ["Integrity", check],
        ["Central store", f"{s['central_held']} of {s['records']} records held by the central governance store"],
        ["Exported", f"{h['generated_at']} from the {h['source']} store"],
    ]
    return ('<div class="box"><h2 style="margin-top:0">Summary</h2>'
            + kv_table([(a, b if a == "Integrity" else escape(b)) for a, b in rows]) + _activity_chart(h) + "</div>")


def _activity_chart(h: dict[str, Any]) -> str:
    weeks: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for e in h["entries"]:
        if e["kind"] not in ("scenario_check", "note_assessment", "shadow_escalation"):
            continue
        day = dt.date.fromisoformat(e["created_at"][:10])
        week = (day - dt.timedelta(days=day.weekday())).isoformat()
        weeks[week][0] += 1
        weeks[week][1] += e["outcome"] in ("pass", "compliant", "agreed")
    if not weeks:
        return ""
    labels = sorted(weeks)
    return bar_chart([w[5:] for w in labels], [weeks[w][0] for w in labels],
                     "Checks, notes, shadow shifts per week (bars); % passed, compliant or agreed (line)",
                     line=[100 * weeks[w][1] / weeks[w][0] for w in labels], line_label="% passed")


def _restrictions(h: dict[str, Any]) -> str:
    if not h["restrictions"]:
        return "<h2>Restrictions</h2><p>No deployment restriction has applied to this person.</p>"
    rows = []
    for r in h["restrictions"]:
        reviews = "; ".join(f"{x['on']} {x['decision']}" for x in r["reviews"]) or "none"
        lift = f"{r['lifted_on']}: {r['lift_reason']}" if r["lifted_on"] else "not lifted"
        rows.append([r["restriction_id"], f"{r['scope']} {r['subject']}", restrictions_in_words(r["codes"]), r["reason"],
                     r["started_on"], reviews, r["expires_on"], lift, r["status"]])
    return ("<h2>Restrictions</h2>" + table(
        ["Restriction", "Applies to", "Restrictions (codes)", "Reason", "Started", "Reviews", "Expires", "Lifted", "Status"], rows))


def _pathway(p: dict[str, Any]) -> str:
    rows = [["Incident", p["incident_ref"]], ["Gap type", p["gap"]], ["Owner", p["owner"]],
            ["Assigned", p["assigned_on"]], ["Due", p["due_on"] + (" (OVERDUE)" if p["overdue"] else "")],
            ["Applies to", f"{p['scope']} {p['subject']}"],
            ["Status", p["status"] + (f" ({p['approval_text']})" if p.get("approval_text") and p["status"] == "open" else "")]]
    if p.get("owner_id"):
        rows.insert(3, ["Signing owner", p["owner_id"] + (f", deputy {p['deputy_id']}" if p.get("deputy_id") else "")])
    if p.get("decided_by"):
        rows.append(["Owner's decision", f"{p['approval']} by {p['decided_by']}"
                     + (f": {p['decision_reason']}" if p.get("decision_reason") else "")])
    if p["verification"]:
        v = p["verification"]
        what = f"{v.get('what', '')}; verified by {v.get('by', '')}; result: {v.get('result', '')}"
        if p["closed_on"]:
            rows.append(["Closed", f"{p['closed_on']}: {what}"])
        else:
            rows.append(["Closure proposed", f"by {p.get('proposed_by', '')}: {what}"])
    req = []
    progress = p.get("progress") or {}
    for s in progress.get("scenarios", []):
        title = shipped_names().scenario(s["scenario_id"])
        req.append([f"Scenario: {title}" + (f" ({s['scenario_id']})" if title != str(s["scenario_id"]) else ""),
                    progress_bar(int(s["passed"]), 1),
                    "passed" if s["passed"] else f"not passed (latest: {s['latest'] or 'none'})"])
    for key, label in (("shadow_shifts", "Shadow shifts"), ("compliant_samples", "Compliant sample notes"),
                       ("first_five", "Compliant first-five notes")):
        item = progress.get(key) or {}
        if item.get("required"):
            req.append([label, progress_bar(item["done"], item["required"]), f"{item['done']} of {item['required']}"])
    entries = "".join(_entry(e) for e in p["entries"]) or "<p>No records for this pathway yet.</p>"
    return (f'<section class="pathway"><h2>Pathway {escape(p["pathway_id"])}</h2>'
            + kv_table([(a, escape(b)) for a, b in rows])
            + "<h3>Requirements for this person</h3>"
            + table(["Requirement", "Progress", "Status"], [[escape(a), b, escape(c)] for a, b, c in req], raw=True)
            + f"<h3>Records ({len(p['entries'])})</h3>{entries}</section>")


def _appendix(h: dict[str, Any]) -> str:
    keys = [[d, h["device_authors"].get(d, ""), k] for d, k in h["public_keys"].items()]
    rows = [[escape(e["created_at"][:19].replace("T", " ")), escape(e["kind"]),
             f'<span class="hash">{escape(str(e["hash"]))}</span>',
             '<span class="ok">verified</span>' if e["signature_ok"] else f'<span class="bad">{escape(e["signature"])}</span>',
             "yes" if e["central"] else "no"] for e in h["entries"]]
    return ('<section class="pathway"><h2>Appendix: keys and record hashes</h2>'
            "<p>Device public keys (Ed25519, hex) used to check the signatures:</p>"
            + table(["Device", "Supervisor", "Public key"], [[escape(a), escape(b), f'<span class="hash">{escape(c)}</span>']
                                                              for a, b, c in keys], raw=True)
            + table(["Time (UTC)", "Kind", "SHA-256", "Signature", "Central"], rows, raw=True) + "</section>")


HOW_TO = ("<h2>How to read and check this document</h2><p>Each entry below is one signed record made by "
          "the named assessor on their own laptop. Records are never edited: a correction is a separate "
          "amendment shown right after the record it corrects. Each record's SHA-256 fingerprint and "
          "Ed25519 signature were checked when this document was made (result shown on every entry). "
          "To re-check independently, ask for the JSON evidence pack of the same export and run "
          "<code>supervisor-tui verify-export FILE.json</code> or the auditor's short script in the documentation (docs/evidence-packs.md).</p>")


def render_html(history: dict[str, Any]) -> str:
    staff = history["staff"]
    title = f"Re-validation history: {staff.get('name', '')} ({staff['staff_id']})"
    parts = [f"<h1>{escape(title)}</h1>",
             f'<p class="muted">Evidence pack generated {escape(history["generated_at"])} · state as of '
             f'{escape(history["today"])}</p>', _summary(history), HOW_TO, _restrictions(history)]
    parts += [_pathway(p) for p in history["pathways"]]
    if history["other"]:
        parts.append('<section class="pathway"><h2>Other records (not part of a pathway)</h2>'
                     + "".join(_entry(e) for e in history["other"]) + "</section>")
    parts.append(_appendix(history))
    return page(title, "\n".join(parts))
