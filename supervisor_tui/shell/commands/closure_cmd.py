"""closure list / approve / return: a pathway owner's decisions on closure proposals.

On a pathway that names a signing owner (``owner_id``), ``pathway_closed`` proposes closure and
the pathway stays open, "awaiting owner approval", until the owner (or the deputy, when the owner
proposed it) signs a ``closure_decision``. These commands find the latest proposal so the owner
need not copy hashes; the rules refuse what they refuse for the TUI.
"""

from __future__ import annotations

import argparse

from supervisor_tui.shell.commands.common import (
    CliError,
    add_home,
    add_json,
    open_store,
    print_json,
)
from supervisor_tui.shell.commands.core import parse_today
from supervisor_tui.shell.commands.passphrase import add_passphrase_file, unlock


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("closure", help="closure proposals awaiting an owner's decision; approve or return them")
    add_home(p)
    csub = p.add_subparsers(dest="closure_command", required=True, metavar="{list,approve,return}")
    ls = csub.add_parser("list", help="pathways whose closure awaits approval (default: yours to decide)")
    add_home(ls)
    add_json(ls)
    ls.add_argument("--all", action="store_true", help="every proposal awaiting anyone's decision")
    ls.add_argument("--today", metavar="YYYY-MM-DD", help="evaluate as of this date")
    ls.set_defaults(handler=cmd_list)
    for name, text in (("approve", "approve the latest closure proposal (closes the pathway)"),
                       ("return", "return the latest closure proposal to the proposer with a reason")):
        c = csub.add_parser(name, help=text)
        add_home(c)
        add_json(c)
        c.add_argument("--pathway", required=True, metavar="ID")
        c.add_argument("--reason", metavar="TEXT", required=name == "return",
                       help="why (shown to the proposer)" if name == "return" else "optional note")
        add_passphrase_file(c)
        c.set_defaults(handler=cmd_decide, decision=name)


def cmd_list(args: argparse.Namespace) -> int:
    from storage.overview import awaiting_decision, pathway_views

    store = open_store(args)
    me = None if args.all else store.require_profile().supervisor
    rows = awaiting_decision(pathway_views(store, parse_today(args.today)), me)
    if args.json:
        print_json([{k: v[k] for k in ("pathway_id", "scope", "subject", "incident_ref", "owner", "owner_id",
                                       "deputy_id", "decider", "proposal", "proposed_by", "verification",
                                       "unmet", "due_on")} for v in rows])
        return 0
    if not rows:
        print("No closure proposal awaits " + ("anyone's decision." if me is None else f"{me}'s decision."))
    for v in rows:
        verification = v["verification"] or {}
        print(f"{v['pathway_id']}  {v['scope']} {v['subject']}  {v['incident_ref']}  proposed by {v['proposed_by']}"
              f"  decided by {v['decider']}")
        print(f"    verified: {verification.get('what', '')}; by {verification.get('by', '')};"
              f" result: {verification.get('result', '')}")
        if v["unmet"]:
            print(f"    no longer met: {'; '.join(v['unmet'])}")
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    from storage.overview import pathway_views

    store = open_store(args)
    store.require_profile()
    view = next((v for v in pathway_views(store, parse_today(None)) if v["pathway_id"] == args.pathway), None)
    if view is None:
        raise CliError(f"--pathway {args.pathway!r}: no such pathway in this store")
    if not view.get("proposal"):
        raise CliError(f"--pathway {args.pathway}: nobody has proposed closing it")
    body = {"pathway_id": args.pathway, "proposal": view["proposal"], "decision": args.decision}
    if args.reason:
        body["reason"] = args.reason
    unlock(store, args)  # the decision is signed
    record = store.append("closure_decision", body)
    if args.json:
        print_json({"id": record["id"], "hash": record["hash"], "seq": record["seq"], "decision": args.decision})
    else:
        done = "approved: the pathway is closed" if args.decision == "approve" else "returned to the proposer"
        print(f"{args.pathway}: closure {done} (signed as {record['author']}, seq {record['seq']})")
    return 0
