"""Concurrent decisions about one restriction or pathway, found instead of silently merged.

Supervisors decide offline on several laptops. Each decision record (``restriction_reviewed``,
``restriction_lifted``, ``pathway_closed`` at schema 2, ``closure_decision``) carries ``after``:
the decisions on the same subject its signer's store held. A decision *supersedes* the ones it
names (and a schema-1 decision, which names none, every earlier one). The *heads* are the held
decisions nothing supersedes: one head is an ordinary history; several heads were made without
knowing of each other, and when they disagree (lift against continue or extend, two different
expiry dates, approve against return) the subject is in **conflict**. Projections then take the
more restrictive reading (the restriction stays active with the latest expiry; the pathway stays
open) and say so. A new decision whose ``after`` names both heads resolves it; anyone may, and the
record names who did. Pure functions over records (duck-typed ``Effective``), shared by laptops
and the central store, so every store holding the same records finds the same conflicts.
"""

from __future__ import annotations

from typing import Any


def _order(eff: Any) -> tuple:
    return (eff.record["created_at"], eff.record["device"], eff.record["seq"])


def heads(decisions: list[Any]) -> list[Any]:
    """The decisions (of one subject) that no other held decision supersedes, in time order."""
    ordered = sorted(decisions, key=_order)
    superseded: set[str] = set()
    for index, eff in enumerate(ordered):
        after = eff.body.get("after")
        if isinstance(after, list):
            superseded.update(h for h in after if isinstance(h, str))
        else:  # schema 1: it followed every decision made before it
            superseded.update(e.record["hash"] for e in ordered[:index])
    return [eff for eff in ordered if eff.record["hash"] not in superseded]


def head_hashes(decisions: list[Any]) -> list[str]:
    """What a new decision's ``after`` holds: the current heads' hashes, sorted."""
    return sorted(eff.record["hash"] for eff in heads(decisions))


def _restriction_reading(eff: Any) -> tuple[str, str]:
    if eff.kind == "restriction_lifted":
        return ("lift", "")
    return ("keep", eff.body.get("expires_on") or "")


def restriction_conflict(decisions: list[Any]) -> list[dict[str, Any]]:
    """The disagreeing heads of one restriction's reviews and lifts (empty: no conflict)."""
    current = heads(decisions)
    if len({_restriction_reading(e) for e in current}) < 2:
        return []
    return [describe(e) for e in current]


def closure_conflict(decisions: list[Any]) -> list[dict[str, Any]]:
    """The disagreeing heads of the owner's decisions on one proposal (empty: no conflict)."""
    current = heads(decisions)
    if len({e.body.get("decision") for e in current}) < 2:
        return []
    return [describe(e) for e in current]


def describe(eff: Any) -> dict[str, Any]:
    """One side of a conflict, for status, screens and reports."""
    body = eff.body
    if eff.kind == "restriction_lifted":
        what = "lift"
    elif eff.kind == "restriction_reviewed":
        what = f"extend to {body.get('expires_on')}" if body.get("decision") == "extend" else "continue"
    else:
        what = str(body.get("decision"))
    return {"hash": eff.record["hash"], "kind": eff.kind, "author": eff.record["author"],
            "device": eff.record["device"], "created_at": eff.record["created_at"], "decision": what}


def conflict_text(subject: str, sides: list[dict[str, Any]], reading: str) -> str:
    who = " vs ".join(f"{s['author']}: {s['decision']} ({s['created_at'][:10]})" for s in sides)
    return f"{subject}: decisions made without knowing of each other disagree ({who}); {reading} until resolved"
