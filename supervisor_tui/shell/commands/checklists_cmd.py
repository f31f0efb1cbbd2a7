"""checklists list / show / validate."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from supervisor_tui.shell.commands.common import (
    CliError,
    add_home,
    add_json,
    print_json,
    resolve_home,
)

# The checklist library (pydantic models) is imported by the commands that use it, not when the
# CLI builds its parser: every other command starts faster.
if TYPE_CHECKING:
    from checklists.loader import Library


def _library(args: argparse.Namespace) -> Library:
    """The checklists this laptop uses: shipped, plus those pulled at the last sync."""
    from checklists.loader import shipped_library
    from checklists.pulled import with_pulled

    library, problems = with_pulled(shipped_library(), resolve_home(getattr(args, "home", None)))
    for line in problems:
        print(f"note: {line}", file=sys.stderr)
    return library


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("checklists", help="list, show or validate checklist definitions")
    add_home(p)
    csub = p.add_subparsers(dest="checklists_command", required=True, metavar="{list,show,validate}")
    ls = csub.add_parser("list", help="every checklist (latest version of each)")
    add_home(ls)
    add_json(ls)
    ls.set_defaults(handler=cmd_list)
    sh = csub.add_parser("show", help="one checklist in full")
    add_home(sh)
    add_json(sh)
    sh.add_argument("id")
    sh.add_argument("--version", type=int)
    sh.set_defaults(handler=cmd_show)
    va = csub.add_parser("validate", help="validate a checklist file or a directory of them")
    add_home(va)
    add_json(va)
    va.add_argument("path")
    va.set_defaults(handler=cmd_validate)


def cmd_list(args: argparse.Namespace) -> int:
    from checklists.loader import shipped_library

    shipped = shipped_library().by_key
    rows = [
        {"id": c.id, "version": c.version, "kind": c.kind, "title": c.title,
         "source": "shipped" if (c.id, c.version) in shipped else "central"}
        for c in _library(args).latest()
    ]
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            source = "  (from the central store)" if r["source"] == "central" else ""
            print(f"{r['kind']:13} {r['id']:32} v{r['version']}  {r['title']}{source}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    checklist = _library(args).get(args.id, args.version)
    if checklist is None:
        raise CliError(f"no checklist {args.id!r}" + (f" version {args.version}" if args.version else ""))
    data = checklist.model_dump(mode="json")
    if args.json:
        print_json(data)
        return 0
    print(f"{checklist.title}  ({checklist.id} v{checklist.version}, {checklist.kind})")
    print(f"NOTE: {checklist.example_notice}")
    if checklist.kind == "scenario":
        print(f"\nExpected endpoint: {checklist.expected_endpoint}\n\nScript:\n{checklist.script.strip()}\n")
        for item in checklist.items:
            print(f"  [{'CRITICAL' if item.critical else '        '}] {item.item_id}: {item.text}")
    elif checklist.kind == "standard":
        print(f"Timeliness: {checklist.timeliness.rule}")
        for e in checklist.elements:
            print(f"  [{'required' if e.required else 'optional'}] {e.element_id}: {e.text}")
    elif checklist.kind == "restrictions":
        for c in checklist.codes:
            print(f"  {c.code}: {c.text}")
    else:
        for section in checklist.sections:
            print(f"\n{section.heading}")
            for line in section.lines:
                print(f"  - {line}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from checklists.loader import ChecklistError, load_file

    path = Path(args.path)
    files = sorted(path.rglob("*.toml")) if path.is_dir() else [path]
    if not files:
        raise CliError(f"{path}: no .toml checklist files found")
    problems, valid = [], []
    for f in files:
        try:
            c = load_file(f)
            valid.append({"file": str(f), "id": c.id, "version": c.version, "kind": c.kind})
        except ChecklistError as exc:
            problems.append(str(exc))
    if args.json:
        print_json({"valid": valid, "problems": problems})
    else:
        for v in valid:
            print(f"OK  {v['file']}: {v['kind']} {v['id']} v{v['version']}")
    if problems:
        raise CliError(problems)
    return 0
