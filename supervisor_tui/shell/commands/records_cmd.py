"""record add / record list."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from supervisor_tui.model.kinds import KINDS
from supervisor_tui.shell.commands.common import (
    CliError,
    add_home,
    add_json,
    open_store,
    print_json,
)
from supervisor_tui.shell.commands.passphrase import add_passphrase_file, unlock

BY_HAND = tuple(k for k in KINDS if k != "key_rotated")  # 'key rotate' makes those


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("record", help="add or list signed records")
    add_home(p)
    rsub = p.add_subparsers(dest="record_command", required=True, metavar="{add,list}")

    a = rsub.add_parser("add", help="validate, sign and append one record")
    add_home(a)
    a.add_argument("kind", choices=BY_HAND, metavar="KIND", help=f"one of: {', '.join(BY_HAND)}")
    a.add_argument("--json", dest="json_file", required=True, metavar="FILE|-",
                   help="the body as JSON, from a file or - for stdin")
    add_passphrase_file(a)
    a.set_defaults(handler=cmd_add)

    ls = rsub.add_parser("list", help="full signed records, oldest first")
    add_home(ls)
    add_json(ls)
    ls.add_argument("--staff", metavar="ID", help="every record touching this person")
    ls.add_argument("--kind", choices=KINDS, metavar="KIND")
    ls.set_defaults(handler=cmd_list)


def read_json_arg(source: str) -> object:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text("utf-8")
    except FileNotFoundError as exc:
        raise CliError(f"{source}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{source}: cannot read ({exc.__class__.__name__})") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"{source}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:
        raise CliError(f"{source}: JSON nested too deeply") from exc


def cmd_add(args: argparse.Namespace) -> int:
    store = open_store(args)
    store.require_profile()
    body = read_json_arg(args.json_file)
    unlock(store, args)
    record = store.append(args.kind, body)
    print_json({"id": record["id"], "hash": record["hash"], "seq": record["seq"]})
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    store = open_store(args)
    if args.staff and store.staff(args.staff) is None:
        raise CliError(f"--staff {args.staff!r} is not on the roster")
    records = store.records(staff=args.staff, kind=args.kind)
    if args.json:
        print_json(records)
        return 0
    for r in records:
        subject = r["body"].get("staff_id") or r["body"].get("cohort_id") or r["body"].get(
            "restriction_id") or r["body"].get("pathway_id") or ""
        print(f"{r['created_at'][:16]}  {r['kind']:20} {subject:14} {r['author']:10} {r['hash'][:12]}")
    return 0
