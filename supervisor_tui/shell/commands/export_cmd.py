"""export, verify-export and report: per-staff evidence packs and the governance report."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from supervisor_tui.reports.inputs import FORMATS, ExportError
from supervisor_tui.shell.commands.common import (
    EXIT_FAILED,
    EXIT_INVALID,
    CliError,
    add_home,
    check_cohort,
    open_store,
)
from supervisor_tui.shell.commands.passphrase import add_passphrase_file, unlock


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export one person's re-validation history (csv, json evidence pack, html)")
    add_home(p)
    p.add_argument("--staff", required=True, metavar="ID", help="staff id on the roster")
    p.add_argument("--format", required=True, choices=FORMATS, help="csv, json (signed evidence pack) or html")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    add_passphrase_file(p)
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("verify-export", help="re-verify a JSON evidence pack offline")
    p.add_argument("file", metavar="FILE.json", help="a JSON evidence pack written by export --format json")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.set_defaults(handler=cmd_verify_export)

    p = sub.add_parser("report", help="governance report over the local store")
    add_home(p)
    p.add_argument("--cohort", metavar="ID", help="only this cohort")
    p.add_argument("--format", default="text", choices=("text", "html", "json"), help="output format")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    p.add_argument("--incidents", metavar="FILE.csv",
                   help="incidents CSV (date,category,cohort[,staff_id][,incident_ref]) for recurrence rates"
                        " (default: those pulled from the central store at the last sync)")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="evaluate as of this date")
    p.set_defaults(handler=cmd_report)


def _emit(text: str, out: str | None) -> Path | None:
    if out is None:
        sys.stdout.write(text)
        return None
    from storage.export import (
        write_output,  # (here: the exports' modules cost every other command ~15 ms)
    )

    return write_output(text, Path(out))


def cmd_export(args: argparse.Namespace) -> int:
    from storage.export import render_local

    store = open_store(args)
    if args.format == "json" and store.profile is not None:  # the manifest is signed
        unlock(store, args)
    elif args.format == "json" and store.profiles():
        ids = ", ".join(f"{p.supervisor} ({p.name})" for p in store.profiles())
        sys.stderr.write("note: this evidence pack's manifest is not signed: several supervisors have profiles"
                         f" on this laptop and none was chosen; add --as ID to sign it (profiles: {ids})\n")
    try:
        text = render_local(store, args.staff, args.format)
        path = _emit(text, args.out)
    except ExportError as exc:
        raise CliError(str(exc), exc.code) from exc
    if path is not None:
        sys.stderr.write(f"Wrote {args.format} export for {args.staff} to {path}\n")
    return 0


def load_pack(file: str) -> object:
    path = Path(file)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError as exc:
        raise CliError(f"{file}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{file}: cannot read as UTF-8 text ({exc.__class__.__name__})") from exc
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CliError(f"{file}: FAILED: not valid JSON ({exc}); the pack was damaged or altered",
                       EXIT_FAILED) from exc


def cmd_verify_export(args: argparse.Namespace) -> int:
    from supervisor_tui.reports.pack import verify_pack

    report = verify_pack(load_pack(args.file))
    if args.json:
        sys.stdout.write(json.dumps({"ok": report.ok, "count": report.count, "failing": report.failing,
                                     "pack_problems": report.pack_problems, "signed_by": report.signed_by},
                                    indent=2) + "\n")
    if not report.ok:
        raise CliError(report.lines() + [f"FAILED: {len(report.failing)} of {report.count} record(s) failed,"
                                         f" {len(report.pack_problems)} pack problem(s)"], EXIT_FAILED)
    if not args.json:
        signed = f"; manifest signed by device {report.signed_by}" if report.signed_by else "; manifest not signed"
        print(f"OK: {report.count} records verified (hash, signature, chain links, manifest{signed})")
        for device, key in sorted(report.devices.items()):
            print(f"  device {device} public key {key}: compare with the central store's key register")
        if report.signed_by and report.signed_by not in report.devices:
            print(f"  exporting device {report.signed_by} public key {report.signer_key}")
        if not report.signed_by:
            print("  note: an unsigned pack cannot prove that no whole record was left out; "
                  "check its receipts against the central store")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from storage.report_local import local_report
    from supervisor_tui.reports.incidents import IncidentsError, parse_incidents
    from supervisor_tui.reports.report_render import render_report
    from supervisor_tui.shell.commands.core import parse_today

    today = parse_today(args.today)
    incidents = None  # the incidents pulled at the last sync, if any
    if args.incidents:
        try:
            incidents = parse_incidents(Path(args.incidents))
        except IncidentsError as exc:
            raise CliError(str(exc).split("\n"), EXIT_INVALID) from exc
    store = open_store(args)
    check_cohort(store, args.cohort)
    report = local_report(store, today, args.cohort, incidents, args.incidents)
    text = render_report(report, args.format)
    try:
        path = _emit(text, args.out)
    except ExportError as exc:
        raise CliError(str(exc), exc.code) from exc
    if path is not None:
        sys.stderr.write(f"Wrote {args.format} report to {path}\n")
    return 0
