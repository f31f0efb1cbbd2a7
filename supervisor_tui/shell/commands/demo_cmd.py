"""demo: a realistic roster and records, or many more records for testing at scale."""

from __future__ import annotations

import argparse
import datetime as dt
import time

from supervisor_tui.shell.commands.common import (
    EXIT_FAILED,
    CliError,
    add_home,
    add_json,
    open_store,
    print_json,
)
from supervisor_tui.shell.commands.passphrase import add_passphrase_file, unlock


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="load a realistic demo roster and records")
    add_home(p)
    add_json(p)
    p.add_argument("--staff", type=int, default=None, metavar="N", help="roster size (default 24)")
    p.add_argument("--records", type=int, default=None, metavar="N",
                   help="add N more realistic signed records (creates the demo roster if none)")
    add_passphrase_file(p)
    p.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from storage.bulk import ChainMoved
    from storage.demo import ensure_demo_roster, load_story  # the body models: only when used
    from storage.demo_bulk import add_bulk_records

    if args.staff is not None and not 1 <= args.staff <= 100_000:
        raise CliError("--staff must be between 1 and 100000")
    if args.records is not None and not 0 <= args.records <= 10_000_000:
        raise CliError("--records must be between 0 and 10000000")
    store = open_store(args)
    unlock(store, args)
    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    staff_added = ensure_demo_roster(store, args.staff)
    if args.records is None:
        if store.records(kind="pathway_assigned"):
            raise CliError("this store already has pathways; use --records N to add more records")
        added = load_story(store, now)
    else:
        try:
            added = add_bulk_records(store, args.records, now)
        except ChainMoved as exc:  # not invalid input: another process saved meanwhile
            raise CliError(str(exc), code=EXIT_FAILED) from None
    elapsed = time.perf_counter() - started
    result = {"staff_added": staff_added, "records_added": added, "seconds": round(elapsed, 2)}
    if args.json:
        print_json(result)
    else:
        print(f"Demo: {staff_added} staff added, {added} signed records added in {elapsed:.1f} s")
    return 0
