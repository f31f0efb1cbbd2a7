"""Exports, the governance report and incidents from the central governance store.

Reads a ``sync.central.CentralStore`` (SQLite or PostgreSQL) through its transaction facade and
feeds the same pure functions the local store uses: :func:`gather_central` fills
:class:`ExportInputs` with every supervisor's records touching a person, the enrolled device
keys and, as the receipt, when the central store accepted each record; :func:`central_report`
aggregates the ``record_facts`` table in the database (``central_facts``; the older
:func:`central_report_streamed` streams facts extracted from JSON at report time); incidents
live in an ``incidents`` table this module creates on first import.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from supervisor_tui.model.records import KINDS
from supervisor_tui.reports.control_pack import pack_from
from supervisor_tui.reports.facts import WORK_KINDS, Fact, fact_from_record
from supervisor_tui.reports.inputs import ExportError, ExportInputs, checklist_titles
from supervisor_tui.reports.report import amended_bodies, build_report_from_facts
from sync.central.exclusions import LIVE, LIVE_R
from sync.central.rows import loads_body
from sync.central.stamps import STAMP_SQL

FIELDS = "id, kind, schema, author, device, seq, prev, created_at, body, hash, sig"
KINDS_SQL = "(" + ",".join(f"'{k}'" for k in WORK_KINDS) + ")"
# pathway and restriction kinds, listed so the kind index is used (NOT IN would scan every row)
CONTROL_SQL = "(" + ",".join(f"'{k}'" for k in KINDS if k not in WORK_KINDS and k != "amendment") + ")"
AMENDED_SQL = f"(SELECT amends FROM records WHERE kind = 'amendment' AND amends IS NOT NULL AND {LIVE})"
INCIDENTS_DDL = """
CREATE TABLE IF NOT EXISTS incidents (
    date TEXT NOT NULL,
    category TEXT NOT NULL,
    cohort TEXT NOT NULL,
    staff_id TEXT NOT NULL,
    incident_ref TEXT NOT NULL,
    occurrence INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (date, category, cohort, staff_id, incident_ref, occurrence)
)
"""


def _record(row: Any) -> dict[str, Any]:
    """A full envelope from a row of the 11 envelope columns (body parsed)."""
    rid, kind, schema, author, device, seq, prev, created_at, body, h, sig = row[:11]
    return {"id": rid, "kind": kind, "schema": schema, "author": author, "device": device, "seq": seq,
            "prev": prev, "created_at": created_at, "body": loads_body(body), "hash": h, "sig": sig}


_TOUCH = ("SELECT r.id, r.kind, r.schema, r.author, r.device, r.seq, r.prev, r.created_at, r.body, r.hash,"
          f" r.sig, r.received_at, r.pos, {STAMP_SQL}, r.ref_id FROM records r")


def _select_in(tx: Any, column: str, values: list[str], where: str = "") -> list[tuple]:
    if not values:
        return []
    if tx.rewrite:  # PostgreSQL: one array parameter (no query text per list length to parse)
        return tx.all(f"{_TOUCH} WHERE {LIVE_R} AND {where}r.{column} = ANY(?)", (list(values),))
    out = []
    for start in range(0, len(values), 500):
        chunk = values[start:start + 500]
        marks = ",".join("?" * len(chunk))
        out += tx.all(f"{_TOUCH} WHERE {LIVE_R} AND {where}r.{column} IN ({marks})", tuple(chunk))
    return out


def _in(tx: Any, column: str, values: list[str]) -> tuple[str, tuple]:
    """``column`` is one of ``values``: one array parameter on PostgreSQL, marks on SQLite."""
    if tx.rewrite:
        return f"{column} = ANY(?)", (list(values),)
    return f"{column} IN ({','.join('?' * len(values))})", tuple(values)


def touching_rows(tx: Any, staff_id: str, cohort: str | None) -> list[tuple]:
    """Rows (the 11 envelope fields with the body as stored text, then received_at, pos and
    the verification stamp and ref_id) of every held record about a person: theirs, their cohort's, those
    referring to their pathways and restrictions, and the amendments of all of those, in time
    order. Lookups go by the indexed staff_id, cohort_id, ref_id and amends columns (index
    range scans, then rows by key), in chunks, so the cost follows the person's history, not
    the store; the ref ids come from the ref_id column, so no body is parsed here."""
    if tx.rewrite:  # PostgreSQL: a few thousand index lookups are quicker without parallel workers
        tx.execute("SET LOCAL max_parallel_workers_per_gather = 0")  # (starting them: 36 -> 21 ms)
    rows = tx.all(f"{_TOUCH} WHERE {LIVE_R} AND r.staff_id = ? UNION ALL {_TOUCH} WHERE {LIVE_R}"
                  " AND r.cohort_id = ? AND (r.staff_id IS NULL OR r.staff_id <> ?)", (staff_id, cohort, staff_id))
    found = {row[9]: row for row in rows}
    refs = sorted({row[14] for row in rows} - {None})
    for row in _select_in(tx, "ref_id", refs):
        found.setdefault(row[9], row)
    # amendments carry the corrected body's staff/cohort/ref columns, so the queries above find
    # them; this catches the rest through the partial index on amends, never a full scan. The
    # amended hashes are named by the same lookups in the database (sending a few thousand
    # hashes as a parameter cost more than the query: 7.8 -> 3-4 ms at 2,000 records).
    if len(refs) <= 500:
        where = [f"SELECT hash FROM records WHERE {LIVE} AND staff_id = ?",
                 f"SELECT hash FROM records WHERE {LIVE} AND cohort_id = ?"]
        params: tuple = (staff_id, cohort)
        if refs:
            ref_in, ref_params = _in(tx, "ref_id", refs)
            where.append(f"SELECT hash FROM records WHERE {LIVE} AND {ref_in}")
            params += ref_params
        amending = tx.all(f"{_TOUCH} WHERE {LIVE_R} AND r.amends IS NOT NULL AND r.amends IN"
                          f" ({' UNION ALL '.join(where)})", params)
    else:
        amending = _select_in(tx, "amends", sorted(found), "r.amends IS NOT NULL AND ")
    for row in amending:
        found.setdefault(row[9], row)
    return sorted(found.values(), key=lambda r: (r[7], r[4], r[5]))


def records_touching(tx: Any, staff_id: str, cohort: str | None) -> list[dict[str, Any]]:
    """Every held record about a person as full envelopes (body parsed), in time order
    (same shape as the local ``Store.records_touching``)."""
    return [_record(row[:11]) for row in touching_rows(tx, staff_id, cohort)]


def stamp_checked(rows: list[tuple], keys: dict[str, str], stamper: Any) -> frozenset[str]:
    """Hashes of the rows whose hash re-computes from the stored canonical bytes and whose
    verification stamp (``sync.central.stamps``) matches their signature and device key: the
    central store verified their signature on arrival, so the export need not again."""
    from sync.central.stamps import canonical_from_row

    if stamper is None:
        return frozenset()
    out = set()
    sha256 = hashlib.sha256
    matches = stamper.matches
    for row in rows:
        if matches(row[13], row[9], row[10], keys.get(row[4])):
            data = canonical_from_row(row)
            if data is not None and sha256(data).hexdigest() == row[9]:
                out.add(row[9])
    return frozenset(out)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def gather_central(central: Any, staff_id: str, now: dt.datetime | None = None,
                   library: Any = None) -> ExportInputs:
    """Inputs for one person's export from the central store; raises ExportError (code 2)."""
    from checklists.loader import shipped_library

    now = _now(now)
    roster, cohort_names = central.roster()
    person = next((p for p in roster if p["staff_id"] == staff_id), None)
    if person is None:
        raise ExportError(f"staff id {staff_id!r} is not on the central roster (see 'governance-store roster import')")
    with central.reading() as tx:
        rows = touching_rows(tx, staff_id, person["cohort"])
    if not rows:
        raise ExportError(f"staff id {staff_id!r} ({person['name']}) has no re-validation records to export")
    devices = {d.device: d for d in central.devices() if d.device in {r[4] for r in rows}}
    keys = {d: info.public_key for d, info in devices.items()}
    verified = stamp_checked(rows, keys, central.stamper)
    records = [_record(row[:11]) for row in rows]
    body_json = {row[9]: row[8] for row in rows if row[9] in verified}
    receipts = {row[9]: {"accepted_at": row[11], "server": "central governance store", "receipt": {"pos": row[12]}}
                for row in rows}
    return ExportInputs(
        staff=person,
        records=records,
        public_keys=keys,
        verified=verified,
        body_json=body_json,
        device_authors={d: info.supervisor for d, info in devices.items()},
        receipts=receipts,
        cohort_names=cohort_names,
        checklist_titles=checklist_titles(library or shipped_library()),
        source="central",
        generated_at=now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        today=now.date(),
    )


SERVER_SIGNER = "governance-store"


def central_export(central: Any, staff_id: str, fmt: str, key: Any = None,
                   inputs: ExportInputs | None = None) -> str:
    """One person's export in ``fmt`` (``json``, ``html``, ``csv``) as ``governance-store export``
    writes it: with the server's key (a ``DeviceKey``) its verification stamps are checked and
    the JSON pack's manifest is signed by it. ``inputs``: already gathered (the web view's)."""
    from supervisor_tui.reports.evidence import render_history
    from sync.central.stamps import stamper_for_key

    if key is not None and central.stamper is None:
        central.stamper = stamper_for_key(key)
    inputs = inputs or gather_central(central, staff_id)
    if key is not None and fmt == "json":
        return render_history(inputs, fmt, key.sign, SERVER_SIGNER, key.public_key_hex)
    return render_history(inputs, fmt)


def _facts_sql(postgres: bool) -> str:
    """One narrow row per non-amended check, note and shadow note, in time order. PostgreSQL
    casts each body once (``body::json`` in a subquery); SQLite uses ``json_extract``."""
    def j(field: str) -> str:
        return f"(b->>'{field}')" if postgres else f"json_extract(body, '$.{field}')"

    missing = "(b->'missing_elements')::text" if postgres else "json_extract(body, '$.missing_elements')"
    source = (f"(SELECT created_at, device, seq, hash, kind, staff_id, body::json AS b FROM records"
              f" WHERE kind IN {KINDS_SQL} AND hash NOT IN {AMENDED_SQL} AND {LIVE}) AS r" if postgres else
              f"records WHERE kind IN {KINDS_SQL} AND hash NOT IN {AMENDED_SQL} AND {LIVE}")
    return f"""
SELECT created_at, device, seq, hash, kind, staff_id,
  CASE kind WHEN 'scenario_check' THEN {j('scenario_id')} WHEN 'note_assessment' THEN {j('review')}
            ELSE {j('shift_date')} END,
  CASE kind WHEN 'shadow_escalation' THEN {j('shift')} ELSE {j('outcome')} END,
  CASE kind WHEN 'note_assessment' THEN {j('sequence')} WHEN 'shadow_escalation' THEN {j('agreed')} END,
  CASE kind WHEN 'note_assessment' THEN {j('standard_id')} END,
  CASE kind WHEN 'note_assessment' THEN {j('standard_version')} END,
  CASE WHEN kind = 'note_assessment' AND {j('outcome')} = 'rework' THEN {missing} END
FROM {source}
ORDER BY created_at, device, seq
"""


def _rows(tx: Any, sql: str, batch: int = 5000) -> Iterator[tuple]:
    """Stream rows: a server-side cursor on PostgreSQL, fetchmany on SQLite."""
    if tx.rewrite:
        with tx.conn.cursor(name="report_facts") as cursor:
            cursor.itersize = batch
            cursor.execute(sql)
            while rows := cursor.fetchmany(batch):
                yield from rows
        return
    cursor = tx.execute(sql)
    while rows := cursor.fetchmany(batch):
        yield from rows


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _facts(tx: Any, library: Any) -> Iterator[Fact]:
    cache: dict[tuple, tuple[str, ...]] = {}
    for created, device, seq, h, kind, staff, a, b, c, std, version, missing in _rows(tx, _facts_sql(tx.rewrite)):
        if kind == "scenario_check":
            yield Fact(created, device, seq, h, kind, staff or "", a, b)
        elif kind == "note_assessment":
            key = (std, _int(version))
            if key not in cache:
                standard = library.get(str(std), key[1])
                cache[key] = tuple(e.element_id for e in getattr(standard, "elements", []))
            yield Fact(created, device, seq, h, kind, staff or "", None, b, a, _int(c), cache[key],
                       tuple(json.loads(missing)) if missing else ())
        else:
            yield Fact(created, device, seq, h, kind, staff or "", shift_date=a, shift=b,
                       agreed=c in (1, True, "1", "true"))


def _control(tx: Any) -> tuple[dict[str, dict[str, Any]], list[tuple[dict[str, Any], dict[str, Any]]]]:
    """Corrected bodies by amended hash, and the (few) pathway and restriction records."""
    amended = amended_bodies(_record(r) for r in tx.all(
        f"SELECT {FIELDS} FROM records WHERE kind = 'amendment' AND {LIVE} ORDER BY created_at, device, seq"))
    control = [(r, amended.get(r["hash"], r["body"])) for r in (_record(row) for row in tx.all(
        f"SELECT {FIELDS} FROM records WHERE kind IN {CONTROL_SQL} AND {LIVE}"))]
    return amended, control


def _report_inputs(central: Any, cohort: str | None, incidents: list[dict[str, Any]] | None,
                   library: Any) -> tuple[Any, list[dict[str, str]], dict[str, str], list[dict[str, Any]]]:
    """Library, roster, cohort names and incidents for a central report; refuses an unknown cohort."""
    from checklists.loader import shipped_library

    roster, cohort_names = central.roster()
    if cohort and cohort not in cohort_names:
        raise ExportError(f"cohort {cohort!r} is not on the central roster")
    incidents = load_incidents(central) if incidents is None else incidents
    return library or shipped_library(), roster, cohort_names, incidents


def central_report(central: Any, today: dt.date, cohort: str | None = None,
                   incidents: list[dict[str, Any]] | None = None, library: Any = None) -> dict[str, Any]:
    """The governance report over every record the central store holds, aggregated in the
    database from the ``record_facts`` table (``central_facts``)."""
    from sync.central.report_facts import report_in_database

    library, roster, cohort_names, incidents = _report_inputs(central, cohort, incidents, library)
    with central.reading() as tx:
        amended, control = _control(tx)
        sessions = _sessions(tx, amended, roster, cohort)
    report = report_in_database(central, control, roster, cohort_names, incidents, today, cohort, library)
    if sessions:  # trainers' group sessions: the same figures as the laptop's report
        report["sessions"] = sessions
    return report


def _sessions(tx: Any, amended: dict[str, dict[str, Any]], roster: list[dict[str, Any]],
              cohort: str | None) -> list[dict[str, Any]]:
    from sync.central.sessions import central_sessions

    members = {p["staff_id"] for p in roster if p["cohort"] == cohort} if cohort else None
    return central_sessions(tx, amended, members)


def central_report_streamed(central: Any, today: dt.date, cohort: str | None = None,
                            incidents: list[dict[str, Any]] | None = None, library: Any = None) -> dict[str, Any]:
    """The same report as one streamed pass over facts extracted from the JSON bodies at report
    time (the previous implementation; kept as a second reference and for the benchmark)."""
    library, roster, cohort_names, incidents = _report_inputs(central, cohort, incidents, library)
    with central.reading() as tx:
        amended, control = _control(tx)
        corrected = sorted((fact_from_record(r, amended[r["hash"]]) for r in (_record(row) for row in tx.all(
            f"SELECT {FIELDS} FROM records WHERE kind IN {KINDS_SQL} AND hash IN {AMENDED_SQL} AND {LIVE}"))),
            key=lambda f: f.order)
        facts = heapq.merge(_facts(tx, library), corrected, key=lambda f: f.order)
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        report = build_report_from_facts(facts, control, roster, incidents, today, cohort, cohort_names, now)
        if sessions := _sessions(tx, amended, roster, cohort):
            report["sessions"] = sessions
        return report


def _ensure_incidents(tx: Any) -> None:
    tx.execute(INCIDENTS_DDL)


def import_incidents(central: Any, rows: list[dict[str, Any]]) -> int:
    """Add parsed incident rows; re-importing the same file adds nothing. Returns rows added."""
    seen: Counter = Counter()
    keyed = []
    for row in rows:
        key = (row["date"].isoformat(), row["category"], row["cohort"], row.get("staff_id", ""),
               row.get("incident_ref", ""))
        seen[key] += 1
        keyed.append((*key, seen[key]))
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    added = 0
    with central.transaction() as tx:
        _ensure_incidents(tx)
        for values in keyed:
            cursor = tx.execute(
                "INSERT INTO incidents (date, category, cohort, staff_id, incident_ref, occurrence, imported_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", (*values, now))
            added += max(cursor.rowcount, 0)
    return added


def load_incidents(central: Any) -> list[dict[str, Any]]:
    with central.transaction() as tx:
        _ensure_incidents(tx)
        rows = tx.all("SELECT date, category, cohort, staff_id, incident_ref FROM incidents"
                      " ORDER BY date, category, cohort")
    return [{"date": dt.date.fromisoformat(d), "category": c, "cohort": k, "staff_id": s, "incident_ref": r}
            for d, c, k, s, r in rows]


def central_pack(central: Any, owner: str, monday: dt.date) -> dict[str, Any]:
    """The same pack from the central store (every supervisor's records, the imported incidents)."""
    roster, _ = central.roster()
    return pack_from(central.records(), roster, owner, monday, load_incidents(central))
