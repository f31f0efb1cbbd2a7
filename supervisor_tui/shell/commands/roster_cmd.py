"""roster import / roster list (as text, JSON or the import CSV)."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from supervisor_tui.shell.commands.common import (
    add_home,
    add_json,
    check_cohort,
    open_store,
    print_json,
)

CSV_COLUMNS = ("staff_id", "name", "role", "cohort")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("roster", help="import or list the staff roster")
    add_home(p)
    rsub = p.add_subparsers(dest="roster_command", required=True, metavar="{import,list}")
    i = rsub.add_parser("import", help="import FILE.csv with columns staff_id,name,role,cohort")
    add_home(i)
    add_json(i)
    i.add_argument("file", metavar="FILE.csv", help="UTF-8 CSV with the columns staff_id,name,role,cohort")
    i.set_defaults(handler=cmd_import)
    ls = rsub.add_parser("list", help="list staff")
    add_home(ls)
    add_json(ls)
    ls.add_argument("--cohort", metavar="ID", help="only this cohort")
    ls.add_argument("--csv", action="store_true",
                    help="print the roster as the CSV that 'roster import' and 'governance-store roster import' read")
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
    elif args.csv:
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(CSV_COLUMNS)
        out.writerows([r[c] for c in CSV_COLUMNS] for r in rows)
    else:
        for r in rows:
            print(f"{r['staff_id']:10} {r['name']:26} {r['role']:24} {r['cohort']}")
    return 0
