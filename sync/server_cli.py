"""The ``governance-store`` command: serve the API and administer the central store.

Every command takes ``--db URL`` (``sqlite:///PATH`` or ``postgresql://...``; default
``$GOVERNANCE_STORE_DB`` or a SQLite file in the user data dir). Invalid input prints one line on
stderr and exits 2; a failed ``verify`` exits 1.
"""

from __future__ import annotations

import argparse
import gc
import json
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from storage.roster import RosterError, parse_roster
from supervisor_tui.model.checks import warm_verifiers
from supervisor_tui.model.signing import KeyFileError
from sync.central import CentralError, CentralStore, default_url, open_central
from sync.central import DatabaseURLError as _URLError

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        raise SystemExit(EXIT_INVALID)


class AdminError(Exception):
    def __init__(self, message: str, code: int = EXIT_INVALID):
        super().__init__(message)
        self.code = code


def _db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL", default=None,
                   help="sqlite:///PATH or postgresql://USER@HOST:PORT/DB (default: $GOVERNANCE_STORE_DB"
                        " or a SQLite file in the user data dir)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="governance-store",
                     description="The central governance store: serve the API and the web view, and administer"
                     " the store (enrolment, roster, verify, exports, reports, web accounts).")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser, required=True)
    p = sub.add_parser("serve", help="run the HTTP API (bind to 127.0.0.1 behind a TLS proxy)")
    _db(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (keep 127.0.0.1 behind a TLS proxy)")
    p.add_argument("--port", type=int, default=8765, help="port to listen on")
    p.add_argument("--key", metavar="PATH", default=None,
                   help="receipt signing key (default: $GOVERNANCE_STORE_KEY or beside the SQLite file)")
    p.add_argument("--checklists", metavar="DIR", default=None, help="extra checklist files to serve")
    p.add_argument("--concurrent-syncs", type=int, default=None, metavar="N",
                   help="pushes and pulls worked on at once in this process (default 8); more wait their turn,"
                        " and one that waits over 15 s is answered 503 with Retry-After (the laptop retries)")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"],
                   help="uvicorn's log level")
    p.add_argument("--trusted-proxy", metavar="ADDR", default="127.0.0.1",
                   help="address(es) of the TLS proxy, comma-separated: only its X-Forwarded-Proto and"
                        " X-Forwarded-For are believed (web view: Secure cookies, client address in the"
                        " access log); default 127.0.0.1")
    p.set_defaults(handler=cmd_serve)
    p = sub.add_parser("enrol-token", help="issue a one-time enrolment token for a supervisor")
    _db(p)
    p.add_argument("--supervisor", required=True, metavar="ID", help="the supervisor the token enrols a device for")
    p.add_argument("--valid-hours", type=int, default=72, metavar="N", help="hours until the token expires")
    p.set_defaults(handler=cmd_enrol_token)
    p = sub.add_parser("roster", help="import the staff roster")
    rsub = p.add_subparsers(dest="roster_command", required=True, metavar="{import}", parser_class=_Parser)
    i = rsub.add_parser("import", help="import FILE.csv with columns staff_id,name,role,cohort")
    _db(i)
    i.add_argument("file", metavar="FILE.csv", help="UTF-8 CSV with the columns staff_id,name,role,cohort")
    i.set_defaults(handler=cmd_roster_import)
    p = sub.add_parser("revoke", help="revoke a device's key (a lost laptop) from now on")
    _db(p)
    p.add_argument("--device", required=True, metavar="ID", help="the device id (see devices)")
    p.add_argument("--reason", default="revoked by an administrator", help="why (recorded)")
    p.set_defaults(handler=cmd_revoke)
    p = sub.add_parser("records", help="every held record (full signed envelope)")
    _db(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--staff", metavar="ID", help="only records touching this staff member")
    p.set_defaults(handler=cmd_records)
    p = sub.add_parser("verify", help="re-check every held record's hash, signature and chain"
                       " (and stamp the records that pass, with the server key)")
    _db(p)
    p.add_argument("--key", metavar="PATH", default=None,
                   help="server key whose verification stamps to check and fill in (default: as for serve;"
                        " without the key file nothing is stamped)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_verify)
    p = sub.add_parser("devices", help="enrolled devices and their revocation state")
    _db(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_devices)
    p = sub.add_parser("quarantine", help="forked records kept for governance review")
    _db(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_quarantine)
    p = sub.add_parser("quarantine-invalid",
                       help="set aside held records that today's acceptance rules refuse (an append-only"
                            " decision per record; pulls, exports, the report and verify then leave them out)")
    _db(p)
    p.add_argument("--checklists", metavar="DIR", default=None, help="the extra checklists `serve` uses")
    p.add_argument("--by", metavar="NAME", default="an administrator", help="who decided (recorded)")
    p.add_argument("--dry-run", action="store_true", help="only list them")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_quarantine_invalid)
    from sync import export_cmd as central_cmd  # export, report, incidents import

    central_cmd.register(sub, _db, _open)
    from sync.web import user_cmd  # user add, list, disable, reset

    user_cmd.register(sub, _db, _open)
    return parser


def _open(args: argparse.Namespace) -> CentralStore:
    return open_central(args.db or default_url())


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from checklists.loader import load_library
    from sync.server.app import CONCURRENT_SYNCS, create_app
    from sync.server.keys import default_key_path, load_or_create

    if not 0 < args.port < 65536:
        raise AdminError("--port must be 1-65535")
    concurrent = CONCURRENT_SYNCS if args.concurrent_syncs is None else args.concurrent_syncs
    if not 1 <= concurrent <= 1000:
        raise AdminError("--concurrent-syncs must be 1-1000")
    url = args.db or default_url()
    central = open_central(url)
    key_path = Path(args.key) if args.key else default_key_path(url)
    key = load_or_create(key_path)
    library = load_library(Path(args.checklists)) if args.checklists else None
    app = create_app(central, key, library, concurrent)
    warm_verifiers()  # the signature-checking workers start now, not in the first sync
    sys.stderr.write(f"governance-store: serving {url} on http://{args.host}:{args.port}/v1 and /web"
                     f" (receipt key {key_path})\n")
    from sync.web.app import hide_setup_tokens

    hide_setup_tokens()
    # What is built by now (the app, checklists, models) lives as long as the process: kept out
    # of the collector's way, and collections made rarer (a push batch parses ~50,000 objects;
    # measured: ~190 ms of collections for 30,000 pushed records -> ~12 ms)
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    # Threads waiting for the interpreter lock (a push's answer from the signature helpers, the
    # event loop with the next request) get it within 0.5 ms instead of 5 ms while another
    # thread checks a batch: measured 7% less wall time per end-of-shift sync (5 of 6 pairs)
    sys.setswitchinterval(0.0005)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level,
                    limit_concurrency=200, timeout_keep_alive=30, proxy_headers=True,
                    forwarded_allow_ips=args.trusted_proxy)
    finally:
        central.close()
    return EXIT_OK


def cmd_enrol_token(args: argparse.Namespace) -> int:
    import re

    if not re.fullmatch(_ID, args.supervisor):
        raise AdminError(f"--supervisor {args.supervisor!r}: use 1-64 letters, digits or _.:-")
    if not 1 <= args.valid_hours <= 24 * 30:
        raise AdminError("--valid-hours must be 1-720")
    token = _open(args).create_token(args.supervisor, args.valid_hours)
    print(f"One-time enrolment token for {args.supervisor} (valid {args.valid_hours} h). On the laptop run:")
    print(f"  supervisor-tui enrol --server URL --token {token}")
    print(token)
    return EXIT_OK


def cmd_roster_import(args: argparse.Namespace) -> int:
    rows = parse_roster(Path(args.file))
    count = _open(args).import_roster(rows)
    print(f"Imported {count} staff")
    return EXIT_OK


def cmd_revoke(args: argparse.Namespace) -> int:
    info = _open(args).revoke(args.device, args.reason)
    print(f"Device {info.device} ({info.supervisor}) revoked at {info.revoked_at}; its key is refused from now on")
    return EXIT_OK


def cmd_records(args: argparse.Namespace) -> int:
    central = _open(args)
    records = central.records(args.staff)
    if args.json:
        _print_json(records)
    else:
        for r in records:
            subject = r["body"].get("staff_id") or r["body"].get("cohort_id") or ""
            print(f"{r['created_at']}  {r['author']:8} {r['device']:20} {r['seq']:>6}  {r['kind']:20} {subject}")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from supervisor_tui.model.signing import DeviceKey
    from sync.central.stamps import stamper_for_key
    from sync.server.keys import default_key_path

    central = _open(args)
    key_path = Path(args.key) if args.key else default_key_path(args.db or default_url())
    if key_path.exists():
        central.stamper = stamper_for_key(DeviceKey.load(key_path))
    report = central.verify(key_path=str(key_path) if key_path.exists() else None)
    if args.json:
        _print_json({"ok": report.ok, "count": report.count, "devices": report.devices,
                     "stamped": report.stamped, "problems": report.problems})
    elif report.ok:
        print(f"OK: {report.count} record{'' if report.count == 1 else 's'} from {report.devices} device"
              f"{'' if report.devices == 1 else 's'} verified (hash, signature, key, chain)")
    if report.stamped and not args.json:
        print(f"Stamped {report.stamped} record(s) that had no verification stamp")
    if not report.ok:
        for problem in report.problems[:50]:
            sys.stderr.write(f"governance-store: {problem}\n")
        sys.stderr.write(f"governance-store: {len(report.problems)} problem(s) in {report.count} records\n")
        return EXIT_FAILED
    return EXIT_OK


def cmd_devices(args: argparse.Namespace) -> int:
    devices = _open(args).devices()
    if args.json:
        _print_json([d.__dict__ for d in devices])
    for d in [] if args.json else devices:
        state = f"REVOKED {d.revoked_at}" if d.revoked_at else "active"
        print(f"{d.device:22} {d.supervisor:10} enrolled {d.enrolled_at}  {state}")
    return EXIT_OK


def cmd_quarantine(args: argparse.Namespace) -> int:
    rows = _open(args).quarantined()
    if args.json:
        _print_json(rows)
    else:
        for q in rows:
            print(f"{q['received_at']}  {q['device']} seq {q['seq']}  {q['reason']}")
        print(f"{len(rows)} quarantined record(s)")
    return EXIT_OK


def cmd_quarantine_invalid(args: argparse.Namespace) -> int:
    from checklists.loader import load_library
    from supervisor_tui.model.checks import library_body_check
    from sync.central.exclusions import describe, exclude, invalid_records

    central = _open(args)
    if args.checklists:
        central.body_check = library_body_check(load_library(Path(args.checklists)))
    found = invalid_records(central)
    added = 0 if args.dry_run else exclude(central, found, args.by)
    if args.json:
        _print_json({"found": len(found), "set_aside": added, "dry_run": args.dry_run,
                     "records": [{"id": r["id"], "device": r["device"], "seq": r["seq"], "hash": r["hash"],
                                  "kind": r["kind"], "reason": reason} for r, reason in found]})
        return EXIT_OK
    for record, reason in found:
        print(describe(record, reason))
    if args.dry_run:
        print(f"{len(found)} record(s) would be set aside (dry run: nothing written)")
    else:
        print(f"{added} record(s) set aside: recorded in record_exclusions and copied to quarantine;"
              " pulls, exports, the report and verify leave them out from now on")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (AdminError, CentralError) as exc:
        sys.stderr.write(f"governance-store: {exc}\n")
        return getattr(exc, "code", EXIT_INVALID)
    except (_URLError, RosterError, KeyFileError) as exc:
        sys.stderr.write(f"governance-store: {exc}\n")
        return EXIT_INVALID
    except sqlite3.Error as exc:
        sys.stderr.write(f"governance-store: database error: {exc}\n")
        return EXIT_FAILED
    except OSError as exc:
        sys.stderr.write(f"governance-store: {exc.strerror or exc}: {exc.filename or ''}\n")
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # psycopg errors without importing psycopg for SQLite users
        if type(exc).__module__.startswith("psycopg"):
            sys.stderr.write(f"governance-store: database error: {str(exc).strip().splitlines()[0]}\n")
            return EXIT_FAILED
        raise


if __name__ == "__main__":
    raise SystemExit(main())
