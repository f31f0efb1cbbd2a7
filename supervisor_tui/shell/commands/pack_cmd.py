"""pack: the weekly control pack of one pathway owner (text or print-ready HTML), and ``--sign``
to record that the owner reviewed it (a signed ``pack_reviewed`` naming the pack's SHA-256)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from supervisor_tui.shell.commands.common import CliError, add_home, open_store, print_json
from supervisor_tui.shell.commands.passphrase import add_passphrase_file, unlock


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pack", help="the weekly control pack of a pathway owner (and --sign: the review happened)")
    add_home(p)
    p.add_argument("--owner", required=True, metavar="ID", help="the owner's supervisor id (owner_id)")
    p.add_argument("--week", metavar="YYYY-Www", help="ISO week, e.g. 2026-W49 (default: this week)")
    p.add_argument("--format", default="text", choices=("text", "html", "json"), help="output format")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    p.add_argument("--sign", action="store_true", help="sign that you (the owner) reviewed this pack")
    p.add_argument("--note", metavar="TEXT", help="with --sign: what the review concluded")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="evaluate as of this date")
    add_passphrase_file(p)
    p.set_defaults(handler=cmd_pack)


def cmd_pack(args: argparse.Namespace) -> int:
    from storage.control_pack import build_pack
    from supervisor_tui.reports.control_pack import PackError, parse_week
    from supervisor_tui.reports.control_pack_render import Names, render_html, render_text
    from supervisor_tui.shell.commands.core import parse_today

    store = open_store(args)
    if args.sign:  # the review is signed: the passphrase first, before anything is printed
        unlock(store, args)
    try:
        monday = parse_week(args.week, parse_today(args.today))
    except PackError as exc:
        raise CliError(str(exc)) from exc
    pack = build_pack(store, args.owner, monday)
    if args.format == "json":
        import json

        text = json.dumps(pack, indent=2, ensure_ascii=False) + "\n"
    else:
        names = Names.of(store.roster(), {c["cohort_id"]: c["name"] for c in store.cohorts()})
        text = render_html(pack, names) if args.format == "html" else render_text(pack, names)
    if args.out:
        from storage.export import write_output

        path = write_output(text, Path(args.out))
        sys.stderr.write(f"Wrote the {args.format} control pack for {args.owner} {pack['week']} to {path}\n")
    else:
        sys.stdout.write(text)
    if args.sign:
        body = {"owner_id": args.owner, "week": pack["week"], "pack_sha256": pack["pack_sha256"]}
        if args.note:
            body["note"] = args.note
        record = store.append("pack_reviewed", body)
        line = (f"Signed: {args.owner} reviewed the {pack['week']} pack (sha256 {pack['pack_sha256'][:12]}…,"
                f" record seq {record['seq']})")
        if args.format == "json" and not args.out:
            print_json({"signed": record["hash"]})
        else:
            sys.stderr.write(line + "\n")
    return 0
