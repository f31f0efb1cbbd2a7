"""Text and HTML renderings of the governance report model (``report.build_report``)."""

from __future__ import annotations

from html import escape
from typing import Any

from checklists.names import restrictions_in_words, shipped_names
from supervisor_tui.reports.html_base import page, table
from supervisor_tui.reports.svg import bar_chart, sparkline, text_bar


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}%"


def _per_q(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}/quarter"


def text_lines(c: dict[str, Any]) -> list[str]:
    """The text report of one cohort, as lines (the TUI shows these too)."""
    title = c["name"] if c["name"] == c["cohort_id"] else f"{c['name']} ({c['cohort_id']})"
    out = [f"== {title}, {c['staff']} staff =="]
    out.append("Active restrictions:" if c["restrictions"] else "Active restrictions: none")
    for r in c["restrictions"]:
        out.append(f"  {r['restriction_id']:14} {r['scope']} {r['subject']}: {restrictions_in_words(r['codes'], with_codes=False)}; "
                   f"{r['days_left']} days left (expires {r['expires_on']}); review {r['review_status']}"
                   f" (next {r['next_review_on']})")
    out.append("Re-validation completion per staff:" if c["completion"] else "Re-validation completion: no pathways")
    for s in c["completion"]:
        out.append(f"  {s['staff_id']:8} {s['name'][:22]:22} {text_bar(s['done'], s['required'])} "
                   f"{s['done']}/{s['required']} ({_rate(s['percent'])}); pathways {s['closed']}/{s['pathways']} closed")
    out.append("First-attempt pass rate per scenario:" if c["first_attempt"] else "First-attempt pass rate: no checks")
    for s in c["first_attempt"]:
        share = f"{s['passed']}/{s['people']}"
        out.append(f"  {share:>7} = {_rate(s['rate']):>4}  {_title(s)}")  # titles are long: last, uncut
    sh = c["shadow"]
    out.append(f"Shadow-escalation agreement: {sh['agreed']}/{sh['notes']} = {_rate(sh['rate'])}")
    rw = c["rework"]
    out.append(f"Note rework: {rw['rework']}/{rw['assessments']} = {_rate(rw['rate'])}"
               + ("; per element missing:" if rw["assessments"] else ""))
    for e in rw["elements"]:
        out.append(f"  {e['element_id']:28} {e['missing']:5} ({_rate(e['rate'])})")
    for conflict in c.get("conflicts", []):
        out.append(f"  CONFLICT {conflict['text']}")
    out.append(f"Pathways open: {c['pathways_open']}; overdue: {len(c['pathways_overdue'])}")
    for p in c["pathways_overdue"]:
        out.append(f"  OVERDUE {p['pathway_id']} due {p['due_on']} owner {p['owner']}: {'; '.join(p['unmet'][:3])}")
    for p in c.get("pathways_awaiting_approval", []):
        out.append(f"  AWAITING OWNER APPROVAL {p['pathway_id']} proposed by {p['proposed_by']},"
                   f" owner {p['owner']} ({p['owner_id']})")
    out.append(f"Pathways closed with verification: {len(c['pathways_closed'])}")
    for p in c["pathways_closed"]:
        v = p["verification"] or {}
        out.append(f"  {p['pathway_id']} closed {p['closed_on']} by {v.get('by', '')}: {v.get('result', '')}")
    inc = c["incidents"]
    if inc["quarters"]:
        out.append(f"Incidents per quarter ({inc['quarters'][0]} to {inc['quarters'][-1]}):"
                   + ("" if inc["by_category"] else " none in this cohort"))
        for category, counts in inc["by_category"].items():
            out.append(f"  {category[:30]:30} {sparkline(counts)} {counts}")
        for p in inc["pathways"]:
            if p["category"] is None:
                out.append(f"  {p['pathway_id']}: {p['note']}")
            else:
                out.append(f"  {p['pathway_id']} ({p['category']}): before {_per_q(p['before_rate'])}, "
                           f"after {_per_q(p['after_rate'])}")
    if c["weekly"]:
        weeks = c["weekly"]
        out.append(f"Weekly ({weeks[0]['week']} to {weeks[-1]['week']}):")
        for label, key in (("checks", "checks"), ("check pass %", "pass_rate"), ("notes", "notes"),
                           ("note compliant %", "compliance_rate"), ("shadow shifts", "shadows"),
                           ("agreement %", "agreement_rate"), ("closures", "closures")):
            values = [w[key] for w in weeks]
            if any(values):
                out.append(f"  {label:17} {sparkline(values)}")
    return out


def render_report_text(report: dict[str, Any]) -> str:
    lines = [f"Governance report as of {report['today']}"]
    if report.get("incidents_source"):
        lines.append(f"Incidents from {report['incidents_source']}")
    elif report.get("incidents_none_in"):
        lines.append(f"No incidents in {report['incidents_none_in']}: recurrence rates need them")
    if not report["cohorts"]:
        lines.append("No cohorts on the roster.")
    for c in report["cohorts"]:
        lines += [""] + text_lines(c)
    if report.get("sessions"):
        from supervisor_tui.reports.sessions import session_lines

        lines += [""] + session_lines(report["sessions"])
    reviews = report.get("owner_reviews") or []
    if reviews:
        lines += ["", "Weekly reviews signed by pathway owners (weeks before this one)"]
        for r in reviews:
            missing = r["without_signed_review"]
            lines.append(f"  {r['owner_id']}: {len(r['signed'])} of {r['weeks']} weeks signed; without a signed"
                         f" review: {len(missing)}" + (f" ({', '.join(missing[-6:])})" if missing else ""))
    return "\n".join(lines) + "\n"


def _title(s: dict[str, Any]) -> str:
    """A scenario's title for people (reports made before titles were added hold only the id)."""
    return str(s.get("title") or s["scenario_id"])


def _cohort_html(c: dict[str, Any]) -> str:
    parts = [f'<section class="pathway"><h2>{escape(c["name"])} ({escape(c["cohort_id"])}), {c["staff"]} staff</h2>',
             "<h3>Active restrictions</h3>"]
    parts.append(table(["Restriction", "Applies to", "Restrictions (codes)", "Days left", "Expires", "Next review", "Review"],
                       [[r["restriction_id"], f"{r['scope']} {r['subject']}", restrictions_in_words(r["codes"]), r["days_left"],
                         r["expires_on"], r["next_review_on"], r["review_status"]] for r in c["restrictions"]])
                 if c["restrictions"] else "<p>None.</p>")
    parts.append("<h3>Re-validation completion per staff</h3>")
    parts.append(table(["Staff", "Name", "Requirements met", "Completion", "Pathways closed"],
                       [[s["staff_id"], s["name"], f"{s['done']} of {s['required']}", _rate(s["percent"]),
                         f"{s['closed']} of {s['pathways']}"] for s in c["completion"]])
                 if c["completion"] else "<p>No pathways.</p>")
    parts.append("<h3>First-attempt pass rate per scenario</h3>")
    parts.append(table(["Scenario", "People checked", "Passed first time", "Rate"],
                       [[_title(s), s["people"], s["passed"], _rate(s["rate"])] for s in c["first_attempt"]])
                 if c["first_attempt"] else "<p>No checks.</p>")
    sh, rw = c["shadow"], c["rework"]
    parts.append(f"<h3>Shadow escalation and documentation</h3><p>Shadow-escalation agreement: "
                 f"{sh['agreed']} of {sh['notes']} ({_rate(sh['rate'])}). Notes sent back for rework: "
                 f"{rw['rework']} of {rw['assessments']} ({_rate(rw['rate'])}).</p>")
    if rw["elements"]:
        parts.append(table(["Documentation element", "Missing", "Rework rate"],
                           [[e["element_id"], e["missing"], _rate(e["rate"])] for e in rw["elements"]]))
    if c.get("conflicts"):
        parts.append(table(["Conflict: decisions made without knowing of each other", "Records (author, decision)"],
                           [[x["text"], "; ".join(f"{r['author']}: {r['decision']} ({r['hash'][:12]}…)"
                                                  for r in x["records"])] for x in c["conflicts"]]))
    awaiting = c.get("pathways_awaiting_approval", [])
    parts.append(f"<h3>Pathways</h3><p>{c['pathways_open']} open ({len(awaiting)} awaiting owner approval),"
                 f" {len(c['pathways_overdue'])} overdue, {len(c['pathways_closed'])} closed with verification.</p>")
    if awaiting:
        parts.append(table(["Awaiting owner approval", "Incident", "Proposed by", "Owner"],
                           [[p["pathway_id"], p["incident_ref"], p["proposed_by"], f"{p['owner']} ({p['owner_id']})"]
                            for p in awaiting]))
    if c["pathways_overdue"]:
        parts.append(table(["Overdue pathway", "Incident", "Owner", "Due", "Still missing"],
                           [[p["pathway_id"], p["incident_ref"], p["owner"], p["due_on"], "; ".join(p["unmet"][:4])]
                            for p in c["pathways_overdue"]]))
    if c["pathways_closed"]:
        parts.append(table(["Closed pathway", "Incident", "Closed", "Verified", "By", "Result"],
                           [[p["pathway_id"], p["incident_ref"], p["closed_on"], (p["verification"] or {}).get("what", ""),
                             (p["verification"] or {}).get("by", ""), (p["verification"] or {}).get("result", "")]
                            for p in c["pathways_closed"]]))
    inc = c["incidents"]
    if inc["quarters"]:
        parts.append("<h3>Incidents per quarter: did recurrence fall?</h3>")
        parts.append(table(["Category", *inc["quarters"]], [[k, *v] for k, v in inc["by_category"].items()]))
        rows = [[p["pathway_id"], p["incident_ref"], p["category"] or "(no imported incident with this reference)",
                 _per_q(p["before_rate"]), _per_q(p["after_rate"])] for p in inc["pathways"]]
        if rows:
            parts.append(table(["Pathway", "Incident", "Category", "Rate before", "Rate after closure"], rows))
        for category, counts in inc["by_category"].items():
            parts.append(bar_chart(inc["quarters"], counts, f"Incidents per quarter: {category}"))
    if c["weekly"]:
        w = c["weekly"]
        labels = [x["week"][5:] for x in w]
        parts.append(bar_chart(labels, [x["checks"] for x in w], "Scenario checks per week (bars) and pass rate (line)",
                               line=[x["pass_rate"] for x in w], line_label="% passed"))
        if any(x["notes"] for x in w):
            parts.append(bar_chart(labels, [x["notes"] for x in w], "Note assessments per week (bars) and share compliant (line)",
                                   line=[x["compliance_rate"] for x in w], line_label="% compliant"))
        if any(x["closures"] for x in w):
            parts.append(bar_chart(labels, [x["closures"] for x in w], "Pathways closed with verification per week"))
    parts.append("</section>")
    return "".join(parts)


cohort_html = _cohort_html  # one cohort's section (the web view's report page shows these)


def render_report_html(report: dict[str, Any]) -> str:
    title = f"Governance report as of {report['today']}"
    intro = (f"<h1>{escape(title)}</h1><p class=\"muted\">Generated {escape(report['generated_at'])}. "
             "Figures are derived from signed re-validation records; definitions are in the documentation (docs/report.md)."
             + (f" Incidents from {escape(report['incidents_source'])}." if report.get("incidents_source") else "")
             + "</p>")
    summary = table(["Cohort", "Active restrictions", "Open pathways", "Overdue", "Closed with verification"],
                    [[c["name"], len(c["restrictions"]), c["pathways_open"], len(c["pathways_overdue"]),
                      len(c["pathways_closed"])] for c in report["cohorts"]])
    body = intro + '<div class="box"><h2 style="margin-top:0">Summary</h2>' + summary + "</div>"
    if report.get("sessions"):
        body += ('<div class="box"><h2 style="margin-top:0">Training sessions</h2>' + table(
            ["Date", "Session", "Scenario", "Checked", "Pass rate", "Median decision (s)", "Trainer"],
            [[r["date"], r["session_id"], shipped_names().scenario(r["scenario_id"]), r["checked"], _rate(r["pass_rate"]),
              r["median_decision_seconds"], r["author"]] for r in report["sessions"]]) + "</div>")
    if report.get("owner_reviews"):
        body += "<h2>Weekly reviews signed by pathway owners</h2>" + table(
            ["Owner", "Weeks", "Signed", "Weeks without a signed review"],
            [[r["owner_id"], r["weeks"], len(r["signed"]), ", ".join(r["without_signed_review"]) or "none"]
             for r in report["owner_reviews"]])
    return page(title, body + "".join(_cohort_html(c) for c in report["cohorts"]))


REPORT_FORMATS = ("text", "html", "json")


def render_report(report: dict[str, Any], fmt: str) -> str:
    """``text``, ``html`` or ``json`` (the report model itself, for a script) rendering of a
    report (the central store's and the laptop's entry point)."""
    if fmt not in REPORT_FORMATS:
        raise ValueError(f"format {fmt!r}: use one of {', '.join(REPORT_FORMATS)}")
    if fmt == "json":
        import json

        return json.dumps(report, indent=2, ensure_ascii=False, sort_keys=True, default=str) + "\n"
    return render_report_html(report) if fmt == "html" else render_report_text(report)
