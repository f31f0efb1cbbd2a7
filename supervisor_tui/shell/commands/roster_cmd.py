"""roster import / roster list."""

from __future__ import annotations

import argparse
from pathlib import Path

from supervisor_tui.shell.commands.common import (
    add_home,
    add_json,
    check_cohort,
    open_store,
    print_json,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("roster", help="import or list the staff roster")
    add_home(p)
    rsub = p.add_subparsers(dest="roster_command", required=True, metavar="{import,list}")
    i = rsub.add_parser("import", help="import FILE.csv with columns staff_id,name,role,cohort")
    add_home(i)
    add_json(i)
    i.add_argument("file", metavar="FILE.csv")
    i.set_defaults(handler=cmd_import)
    ls = rsub.add_parser("list", help="list staff")
    add_home(ls)
    add_json(ls)
    ls.add_argument("--cohort", metavar="ID")
    ls.set_defaults(handler=cmd_list)


def cmd_import(args: argparse.Namespace) -> int:
    store = open_store(args)
    count = store.import_roster(Path(args.file))
    if args.json:
        print_json({"imported": count})
    else:
        print(f"Imported {count} staff into {store.path}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    store = open_store(args)
    check_cohort(store, args.cohort)
    rows = store.roster(args.cohort)
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            print(f"{r['staff_id']:10} {r['name']:26} {r['role']:24} {r['cohort']}")
    return 0
