"""The pages: dashboard, cohort, governance report, a person's history and its downloads, and
the admin pages (devices, quarantine, access log). Read-only: the only writes are the access
log's rows. Figures come from the central report and histories from the central export code
(``sync.central.export``), so the pages show what ``governance-store report`` and
``export`` print.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from supervisor_tui.reports.history import build_history
from supervisor_tui.reports.inputs import ExportError
from supervisor_tui.reports.render_html import STATE_TEXT
from supervisor_tui.reports.report import UNKNOWN
from supervisor_tui.reports.report_render import cohort_html
from supervisor_tui.reports.svg import bar_chart
from sync.central.export import central_export, gather_central
from sync.web import access
from sync.web.context import Web, client_address, page, visible_bidi
from sync.web.figures import cohort_figures, rates, reviews
from sync.web.sessions import Session

ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
TIMELINE_PAGE = 200
DOWNLOADS = {"json": "application/json", "html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8"}


def _chart(weeks: list[dict[str, Any]], title: str, width: int = 640) -> str:
    return bar_chart([w["week"][5:] for w in weeks], [w["checks"] for w in weeks], title, width=width,
                     line=[w["pass_rate"] for w in weeks], line_label="% passed")


def _members(roster: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for person in roster:
        out[person["cohort"]].append(person)
    return out


def _date(value: str | None, label: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ExportError(f"{label}: {value!r} is not a date (YYYY-MM-DD)") from exc


def routes(web: Web) -> list[Route]:
    central = web.central

    def dashboard_data() -> dict[str, Any]:
        today = web.today()
        report, incidents = web.reports.get(today)
        roster, cohort_names = central.roster()
        members = _members(roster)
        cohorts = []
        for c in report["cohorts"]:
            f = cohort_figures(c, members.get(c["cohort_id"], []), incidents, today)
            f["chart"] = _chart(f["rates"]["weeks"], "Checks per week (bars), % passed (line)", 380)
            cohorts.append(f)
        return {"cohorts": cohorts, "today": today.isoformat(), "generated_at": report["generated_at"],
                "roster_empty": not roster, "unknown": UNKNOWN, "listed": set(cohort_names)}

    @page(web, "viewer")
    async def dashboard(request: Request, session: Session) -> Response:
        data = await run_in_threadpool(dashboard_data)
        return web.render(request, "dashboard.html", title="Dashboard", **data)

    def cohort_data(cid: str) -> dict[str, Any]:
        today = web.today()
        report, incidents = web.reports.get(today, cid)
        c = report["cohorts"][0]
        people = _members(central.roster()[0]).get(cid, [])
        f = cohort_figures(c, people, incidents, today)
        due, overdue = reviews(c, today)
        names = {p["staff_id"]: p["name"] for p in people}
        return {"c": c, "f": f, "people": people, "names": names, "due": due, "overdue": overdue,
                "today": today.isoformat(), "week_end": (today + dt.timedelta(days=7)).isoformat(),
                "rates": rates(c, today),
                "chart": _chart(c["weekly"][-26:], "Scenario checks per week (bars) and pass rate (line)"),
                "completion": {s["staff_id"]: s for s in c["completion"]}}

    @page(web, "viewer")
    async def cohort(request: Request, session: Session) -> Response:
        cid = request.path_params["cohort"]
        try:
            if not ID.match(cid):
                raise ExportError(f"cohort {cid!r} is not on the central roster")
            data = await run_in_threadpool(cohort_data, cid)
        except ExportError as exc:
            return web.error(request, 404, "No such cohort", str(exc))
        return web.render(request, "cohort.html", title=f"Cohort {data['c']['name']}", **data)

    def report_data(cohort_id: str | None, start: dt.date | None, end: dt.date) -> dict[str, Any]:
        report, _ = web.reports.get(end, cohort_id)
        sections = []
        for c in report["cohorts"]:
            if start is not None:
                c = {**c, "weekly": [w for w in c["weekly"] if w["week"] >= (start - dt.timedelta(days=start.weekday())).isoformat()]}
            sections.append(visible_bidi(cohort_html(c)))  # the report's own HTML, escaped there
        return {"report": report, "sections": sections, "cohort_ids": central.roster()[1]}

    @page(web, "viewer")
    async def report(request: Request, session: Session) -> Response:
        q = request.query_params
        cohort_id = q.get("cohort") or None
        values = {"cohort": cohort_id or "", "start": q.get("from", ""), "end": q.get("to", "")}
        try:
            start, end = _date(q.get("from"), "From"), _date(q.get("to"), "As of") or web.today()
            if start and start > end:
                raise ExportError("From: the first week must be on or before the 'as of' date")
            if cohort_id and not ID.match(cohort_id):
                raise ExportError(f"cohort {cohort_id!r} is not on the central roster")
            data = await run_in_threadpool(report_data, cohort_id, start, end)
        except ExportError as exc:
            cohorts = (await run_in_threadpool(central.roster))[1]
            return web.render(request, "report.html", 400, title="Governance report", message=str(exc),
                              sections=[], report=None, cohort_ids=cohorts, values=values)
        return web.render(request, "report.html", title="Governance report", message="", values=values, **data)

    def staff_data(sid: str) -> tuple[Any, dict[str, Any]]:
        inputs = gather_central(central, sid, now=web.clock())
        return inputs, build_history(inputs)

    @page(web, "auditor")
    async def staff(request: Request, session: Session) -> Response:
        sid = request.path_params["staff"]
        try:
            if not ID.match(sid):
                raise ExportError(f"staff id {sid!r} is not on the central roster")
            _, history = await run_in_threadpool(staff_data, sid)
        except ExportError as exc:
            return web.error(request, 404, "No history to show", str(exc))
        await run_in_threadpool(access.write, central, web.clock(), session.name, session.role,
                                client_address(request), "view_staff", sid, "history page")
        nested = {a["hash"] for e in history["entries"] for a in e["amendments"]}
        timeline = [e for e in reversed(history["entries"]) if e["hash"] not in nested]
        try:
            number = max(1, int(request.query_params.get("page", "1")))
        except ValueError:
            number = 1
        pages = max(1, -(-len(timeline) // TIMELINE_PAGE))
        number = min(number, pages)
        shown = timeline[(number - 1) * TIMELINE_PAGE:number * TIMELINE_PAGE]
        where = {e["hash"]: 1 + i // TIMELINE_PAGE for i, e in enumerate(timeline)}  # timeline page of a record
        return web.render(request, "staff.html", title=f"{history['staff'].get('name', sid)} ({sid})",
                          h=history, sid=sid, timeline=shown, page=number, pages=pages, state_text=STATE_TEXT,
                          where=where)

    @page(web, "auditor")
    async def download(request: Request, session: Session) -> Response:
        sid, fmt = request.path_params["staff"], request.path_params["fmt"]
        if fmt not in DOWNLOADS:
            return web.error(request, 404, "No such download", "Downloads are JSON, HTML or CSV.")
        try:
            if not ID.match(sid):
                raise ExportError(f"staff id {sid!r} is not on the central roster")
            text = await run_in_threadpool(central_export, central, sid, fmt, web.key)
        except ExportError as exc:
            return web.error(request, 404, "Nothing to download", str(exc))
        await run_in_threadpool(access.write, central, web.clock(), session.name, session.role,
                                client_address(request), "download", sid, f"{fmt} export")
        return Response(text, media_type=DOWNLOADS[fmt],
                        headers={"content-disposition": f'attachment; filename="{sid}.{fmt}"'})

    @page(web, "admin")
    async def devices(request: Request, session: Session) -> Response:
        rows = await run_in_threadpool(central.devices)
        return web.render(request, "devices.html", title="Devices", devices=rows)

    @page(web, "admin")
    async def quarantine(request: Request, session: Session) -> Response:
        rows = await run_in_threadpool(central.quarantined)
        return web.render(request, "quarantine.html", title="Quarantine", rows=rows[-500:], total=len(rows))

    @page(web, "admin")
    async def access_log(request: Request, session: Session) -> Response:
        q = request.query_params
        staff_id, user = q.get("staff", "").strip()[:64], q.get("user", "").strip()[:64]
        try:
            before = int(q["before"]) if q.get("before") else None
        except ValueError:
            before = None
        rows = await run_in_threadpool(access.entries, central, staff_id or None, user or None, before)
        return web.render(request, "access_log.html", title="Access log", rows=rows, staff=staff_id, user=user,
                          more=len(rows) == access.PAGE)

    return [
        Route("/", dashboard, methods=["GET"]),
        Route("/cohorts/{cohort}", cohort, methods=["GET"]),
        Route("/report", report, methods=["GET"]),
        Route("/staff/{staff}", staff, methods=["GET"]),
        Route("/staff/{staff}/export.{fmt}", download, methods=["GET"]),
        Route("/devices", devices, methods=["GET"]),
        Route("/quarantine", quarantine, methods=["GET"]),
        Route("/access-log", access_log, methods=["GET"]),
    ]
