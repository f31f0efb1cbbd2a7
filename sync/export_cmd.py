"""``governance-store export``, ``report`` and ``incidents import`` (registered by sync/server_cli.py).

Same contract as the local commands: stdout when there is no ``--out``; a bad staff id, cohort,
path or incidents file is one line per problem on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

from storage.export import write_output
from supervisor_tui.reports.evidence import FORMATS
from supervisor_tui.reports.incidents import IncidentsError, parse_incidents
from supervisor_tui.reports.inputs import ExportError
from supervisor_tui.reports.report_render import REPORT_FORMATS, render_report
from sync.central.export import central_export, central_report, import_incidents

EXIT_OK, EXIT_INVALID = 0, 2


def register(sub: argparse._SubParsersAction, add_db: Callable[[argparse.ArgumentParser], None],
             open_store: Callable[[argparse.Namespace], object]) -> None:
    """Add the three commands to the ``governance-store`` parser."""
    p = sub.add_parser("export", help="one person's re-validation history from every supervisor's records")
    add_db(p)
    p.add_argument("--staff", required=True, metavar="ID", help="the staff member whose history to export")
    p.add_argument("--format", required=True, choices=FORMATS, help="output format")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    p.add_argument("--key", metavar="PATH", default=None,
                   help="server receipt key that signs JSON pack manifests (default: as for serve;"
                        " the pack is unsigned when there is no key file)")
    p.set_defaults(handler=lambda args: cmd_export(args, open_store))

    p = sub.add_parser("pack", help="a pathway owner's weekly control pack from every supervisor's records")
    add_db(p)
    p.add_argument("--owner", required=True, metavar="ID", help="the pathway owner's supervisor id")
    p.add_argument("--week", metavar="YYYY-Www", help="ISO week (default: this week)")
    p.add_argument("--format", default="text", choices=("text", "html", "json"), help="output format")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    p.set_defaults(handler=lambda args: cmd_pack(args, open_store))

    p = sub.add_parser("report", help="governance report over every held record")
    add_db(p)
    p.add_argument("--cohort", metavar="ID", help="only this cohort (default: all)")
    p.add_argument("--format", default="text", choices=REPORT_FORMATS, help="output format")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="evaluate as of this date")
    p.set_defaults(handler=lambda args: cmd_report(args, open_store))

    p = sub.add_parser("incidents", help="incidents for the recurrence figures of the report")
    isub = p.add_subparsers(dest="incidents_command", required=True, metavar="{import}", parser_class=type(p))
    i = isub.add_parser("import", help="import FILE.csv: date,category,cohort[,staff_id][,incident_ref]")
    add_db(i)
    i.add_argument("file", metavar="FILE.csv", help="UTF-8 CSV with the columns date,category,cohort[,staff_id,incident_ref]")
    i.set_defaults(handler=lambda args: cmd_incidents_import(args, open_store))


def _fail(message: str, code: int = EXIT_INVALID) -> int:
    for line in message.splitlines():
        sys.stderr.write(f"governance-store: {line}\n")
    return code


def _emit(text: str, out: str | None, what: str) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    path = write_output(text, Path(out))
    sys.stderr.write(f"Wrote {what} to {path}\n")


def _server_key(args: argparse.Namespace):
    """The server's receipt key when its file exists (never created here)."""
    from supervisor_tui.model.signing import DeviceKey
    from sync.central import default_url
    from sync.server.keys import default_key_path

    path = Path(args.key) if args.key else default_key_path(args.db or default_url())
    return DeviceKey.load(path) if path.exists() else None


def cmd_export(args: argparse.Namespace, open_store: Callable) -> int:
    try:
        central = open_store(args)
        text = central_export(central, args.staff, args.format, _server_key(args))
        _emit(text, args.out, f"{args.format} export for {args.staff}")
    except ExportError as exc:
        return _fail(str(exc), exc.code)
    return EXIT_OK


def cmd_report(args: argparse.Namespace, open_store: Callable) -> int:
    try:
        today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    except ValueError:
        return _fail(f"--today {args.today!r}: not a date (YYYY-MM-DD)")
    try:
        report = central_report(open_store(args), today, args.cohort)
        _emit(render_report(report, args.format), args.out, f"{args.format} report")
    except ExportError as exc:
        return _fail(str(exc), exc.code)
    return EXIT_OK


def cmd_incidents_import(args: argparse.Namespace, open_store: Callable) -> int:
    central = open_store(args)
    roster, cohorts = central.roster()
    try:
        rows = parse_incidents(Path(args.file), set(cohorts) or None, {p["staff_id"] for p in roster} or None)
    except IncidentsError as exc:
        return _fail(str(exc))
    added = import_incidents(central, rows)
    print(f"Imported {added} incident(s) ({len(rows) - added} already held)")
    return EXIT_OK


def cmd_pack(args: argparse.Namespace, open_store: Callable[[argparse.Namespace], object]) -> int:
    import json

    from supervisor_tui.reports.control_pack import PackError, parse_week
    from supervisor_tui.reports.control_pack_render import Names, render_html, render_text
    from sync.central.export import central_pack

    try:
        monday = parse_week(args.week, dt.datetime.now(dt.UTC).date())
    except PackError as exc:
        sys.stderr.write(f"governance-store: {exc}\n")
        return EXIT_INVALID
    central = open_store(args)
    pack = central_pack(central, args.owner, monday)
    names = Names.of(*central.roster())  # type: ignore[attr-defined]
    text = (json.dumps(pack, indent=2, ensure_ascii=False) + "\n" if args.format == "json"
            else render_html(pack, names) if args.format == "html" else render_text(pack, names))
    if args.out:
        path = write_output(text, Path(args.out))
        sys.stderr.write(f"Wrote the {args.format} control pack for {args.owner} {pack['week']} to {path}\n")
    else:
        sys.stdout.write(text)
    return EXIT_OK
