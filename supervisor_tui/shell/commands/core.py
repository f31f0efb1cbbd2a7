"""init, whoami, status and verify."""

from __future__ import annotations

import argparse
import datetime as dt

from supervisor_tui.shell.commands.common import (
    EXIT_FAILED,
    CliError,
    add_home,
    add_json,
    check_cohort,
    open_store,
    print_json,
)
from supervisor_tui.shell.commands.passphrase import add_passphrase_file, new_passphrase


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="create the store, the supervisor profile and the device key")
    add_home(p)
    p.add_argument("--supervisor", required=True, metavar="ID", help="your supervisor id")
    p.add_argument("--name", required=True, help="your name as it appears on records")
    add_json(p)
    add_passphrase_file(p)
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("whoami", help="show the supervisor profile and device key")
    add_home(p)
    add_json(p)
    p.set_defaults(handler=cmd_whoami)

    p = sub.add_parser("status", help="re-validation state per staff member (projections)")
    add_home(p)
    add_json(p)
    p.add_argument("--staff", metavar="ID")
    p.add_argument("--cohort", metavar="ID")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="evaluate as of this date")
    p.set_defaults(handler=cmd_status)

    p = sub.add_parser("verify", help="re-check every record's hash, signature and chain")
    add_home(p)
    add_json(p)
    p.set_defaults(handler=cmd_verify)


def _valid_id(value: str, what: str) -> str:
    import re

    value = value.strip()
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$", value):
        raise CliError(f"{what} {value!r}: use 1-64 letters, digits or _.:- (no spaces)")
    return value


def cmd_init(args: argparse.Namespace) -> int:
    supervisor = _valid_id(args.supervisor, "--supervisor")
    name = args.name.strip()
    if not name:
        raise CliError("--name must not be empty")
    store = open_store(args)
    if store.legacy_key_path.exists():
        raise CliError(f"a device key already exists at {store.legacy_key_path}; refusing to overwrite"
                       " it (protect it with 'supervisor-tui passphrase set')")
    if store.profiles():  # refused before asking for a passphrase
        raise CliError(f"a profile already exists in {store.home} (refusing to overwrite it); add"
                       " another supervisor with 'supervisor-tui profile add'")
    profile = store.init_profile(supervisor, name, new_passphrase(args))
    info = _whoami(store)
    if args.json:
        print_json(info)
    else:
        print(f"Created profile for {profile.name} ({profile.supervisor}) on device {profile.device}")
        print(f"Store: {store.path}")
        print(f"Device key (sealed under your passphrase, never leaves this laptop): {store.key_path}")
    return 0


def _whoami(store) -> dict:
    profile = store.require_profile()
    return {
        "supervisor": profile.supervisor,
        "name": profile.name,
        "device": profile.device,
        "public_key": store.public_keys().get(profile.device),
        "key_path": str(store.key_path if store.key_path.exists() else store.legacy_key_path),
        "key_sealed": store.key_path.exists() and not store.legacy_key_path.exists(),
        "home": str(store.home),
        "profiles": len(store.profiles()),
    }


def cmd_whoami(args: argparse.Namespace) -> int:
    info = _whoami(open_store(args))
    if args.json:
        print_json(info)
    else:
        for key, value in info.items():
            print(f"{key:11} {value}")
    return 0


def parse_today(value: str | None) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CliError(f"--today {value!r}: not a date (YYYY-MM-DD)") from exc


def cmd_status(args: argparse.Namespace) -> int:
    store = open_store(args)
    today = parse_today(args.today)
    check_cohort(store, args.cohort)
    if args.staff:
        result = store.status(args.staff, today)
        rows = [result]
    elif args.json:
        result = store.statuses(today, args.cohort)  # the full projection of every person
    else:
        # The table needs only each person's state and next due date: the roster overview
        # (what the TUI draws) gives those without projecting every record (tests check the
        # two agree).
        from storage.overview import roster_overview

        rows = [{"staff_id": r.staff_id, "name": r.name, "cohort": r.cohort, "state": r.state,
                 "next_due": r.next_due, "overdue": r.overdue}
                for r in roster_overview(store, today, args.cohort)]
    if args.json:
        print_json(result)
        return 0
    if not rows:
        print("No staff on the roster: run 'supervisor-tui roster import FILE.csv' or 'supervisor-tui demo'.")
    for s in rows:
        flag = " OVERDUE" if s["overdue"] else ""
        due = f" next due {s['next_due']}" if s["next_due"] else ""
        print(f"{s['staff_id']:10} {s['name']:24} {s['cohort']:20} {s['state']:12}{due}{flag}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    store = open_store(args)
    report = store.verify()
    if args.json:
        print_json({"ok": report.ok, "count": report.count, "problems": report.problems,
                    "set_aside": report.set_aside})
    elif report.ok:
        print(f"OK: {report.count} records verified (hash, signature, chain)")
    if report.set_aside and not args.json:
        for line in report.set_aside:
            print(line)
        print(f"{len(report.set_aside)} pulled record(s) kept aside: not used here; the central store's"
              " admin can set them aside there with `governance-store quarantine-invalid`")
    if not report.ok:
        raise CliError(report.problems + [f"{len(report.problems)} problem(s) in {report.count} records"],
                       EXIT_FAILED)
    return 0
