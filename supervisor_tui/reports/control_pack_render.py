"""The weekly control pack as text (terminal) and as a print-ready HTML page with inline SVG."""

from __future__ import annotations

from html import escape
from typing import Any

from checklists.names import restrictions_in_words, shipped_names
from supervisor_tui.reports.html_base import kv_table, page, table
from supervisor_tui.reports.svg import bar_chart

TITLES = {
    "open_pathways": "Open pathways (overdue first)",
    "reviews_due": "Restriction reviews due this week",
    "reviews_overdue": "Restriction reviews overdue",
    "expiring": "Restrictions expiring within 14 days",
    "fails": "Scenario fails this week",
    "rework": "Notes needing rework this week",
    "awaiting_approval": "Closures awaiting owner approval",
}


def _change(value: int) -> str:
    return "no change" if value == 0 else f"{value:+d} since last week"


class Names:
    """Staff and cohort names for the views (the pack's JSON, which is hashed and signed,
    keeps the ids); an id without a name shows as itself."""

    def __init__(self, staff: dict[str, str] | None = None, cohorts: dict[str, str] | None = None):
        self.staff, self.cohorts = staff or {}, cohorts or {}

    @classmethod
    def of(cls, roster: list[dict[str, str]], cohorts: dict[str, str]) -> Names:
        """From roster rows (``staff_id``, ``name``) and cohort names by id."""
        return cls({p["staff_id"]: p["name"] for p in roster}, cohorts)

    def person(self, staff_id: str) -> str:
        name = self.staff.get(staff_id)
        return f"{name} ({staff_id})" if name else staff_id

    def subject(self, scope: str, subject: str) -> str:
        if scope == "staff" and subject in self.staff:
            return self.person(subject)
        if scope == "cohort" and subject in self.cohorts:
            return f"cohort {self.cohorts[subject]}"
        return f"{scope} {subject}"

    def requirement(self, line: str) -> str:
        """A cohort pathway's unmet requirement ("S005: shadow shifts 1 of 3") with the person
        named; other lines as they are."""
        staff_id, sep, rest = line.partition(": ")
        return f"{self.person(staff_id)}: {rest}" if sep and staff_id in self.staff else line

    def cohort_list(self, cohorts: list[str]) -> str:
        return ", ".join(self.cohorts.get(c, c) for c in cohorts) or "none"


def _line(section: str, item: dict[str, Any], names: Names) -> str:
    if section == "open_pathways":
        flag = " OVERDUE" if item["overdue"] else ""
        wait = " · awaiting owner approval" if item.get("approval") == "awaiting_approval" else ""
        unmet = (f" · still missing: {'; '.join(names.requirement(u) for u in item['unmet'][:3])}"
                 if item["unmet"] else " · all requirements met")
        return (f"{item['pathway_id']} for {names.subject(item['scope'], item['subject'])}, {item['incident_ref']},"
                f" due {item['due_on']}{flag}{wait}{unmet}")
    if section in ("reviews_due", "reviews_overdue", "expiring"):
        return (f"{item['restriction_id']} on {names.subject(item['scope'], item['subject'])}: "
                f"{restrictions_in_words(item['codes'], with_codes=False)} ·"
                f" next review {item['next_review_on']}, expires {item['expires_on']}")
    if section == "fails":
        critical = f" · critical items failed: {', '.join(item['failed_critical'])}" if item["failed_critical"] else ""
        return f"{names.person(item['staff_id'])} {shipped_names().scenario(item['scenario_id'])} on {item['on']}{critical}"
    if section == "rework":
        missing = f" · missing {', '.join(item['missing'])}" if item["missing"] else ""
        return f"{names.person(item['staff_id'])} {item['review']} note #{item['sequence']} on {item['on']}{missing}"
    return f"{item['pathway_id']} proposed by {item['proposed_by']}"


def render_text(pack: dict[str, Any], names: Names | None = None) -> str:
    names = names or Names()
    out = [f"Weekly control pack · owner {pack['owner_id']} · {pack['week']} ({pack['from']} to {pack['to']})",
           f"Cohorts: {names.cohort_list(pack['cohorts'])}", ""]
    for section, title in TITLES.items():
        items = pack[section]
        out.append(f"{title}: {len(items)} ({_change(pack['change'][section])})")
        out += [f"  {_line(section, item, names)}" for item in items]
    out.append(f"Conflicting decisions: {len(pack['conflicts'])}")
    out += [f"  {c['text']}" for c in pack["conflicts"]]
    weekly = " ".join(f"{w['incidents']}" for w in pack["incidents_by_week"])
    out += ["", f"Incidents per week, last {len(pack['incidents_by_week'])} weeks (oldest first): {weekly}",
            "", f"pack_sha256 {pack['pack_sha256']}"]
    return "\n".join(out) + "\n"


def render_html(pack: dict[str, Any], names: Names | None = None) -> str:
    names = names or Names()
    parts = [f"<h1>Weekly control pack · {escape(pack['week'])}</h1>",
             kv_table([("Owner", escape(pack["owner_id"])), ("Week", f"{escape(pack['from'])} to {escape(pack['to'])}"),
                       ("Cohorts", escape(names.cohort_list(pack["cohorts"]))),
                       ("Pack SHA-256", f'<span class="hash">{escape(pack["pack_sha256"])}</span>')])]
    parts.append(table(["Figure", "This week", "Change since last week"],
                       [[TITLES[k], len(pack[k]), _change(pack["change"][k])] for k in TITLES]))
    for section, title in TITLES.items():
        if pack[section]:
            parts.append(f"<h2>{escape(title)}</h2><ul>"
                         + "".join(f"<li>{escape(_line(section, item, names))}</li>" for item in pack[section]) + "</ul>")
    if pack["conflicts"]:
        parts.append("<h2>Conflicting decisions</h2><ul>"
                     + "".join(f"<li>{escape(c['text'])}</li>" for c in pack["conflicts"]) + "</ul>")
    weeks = pack["incidents_by_week"]
    parts.append("<h2>Incidents per week, last quarter</h2>")
    parts.append(bar_chart([w["week"][-3:] for w in weeks], [w["incidents"] for w in weeks],
                           "Incidents per week in these cohorts"))
    parts.append('<p class="muted">The owner signs that this week\'s review happened with a '
                 "<code>pack_reviewed</code> record naming the SHA-256 above "
                 "(<code>supervisor-tui pack --owner ID --week WEEK --sign</code>).</p>")
    return page(f"Weekly control pack {pack['owner_id']} {pack['week']}", "\n".join(parts))
