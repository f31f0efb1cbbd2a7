"""The store's answers to what ``supervisor_tui.model.rules`` needs to know (roster, pathways,
restrictions, records by hash), for validating a record inside the save transaction."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from supervisor_tui.model.records import DECISION_KINDS
from supervisor_tui.model.rules import PathwayInfo, RestrictionInfo
from supervisor_tui.reports import decisions, projections

if TYPE_CHECKING:
    from storage.store import Store


class StoreContext:
    """What ``supervisor_tui.model.rules`` needs to know, answered from the store."""

    def __init__(self, store: Store, today: dt.date):
        self.store = store
        self.library = store.library
        self.today = today
        profile = store.profile
        self.author = profile.supervisor if profile is not None else ""
        self._staff: set[str] | None = None  # the roster does not change inside one transaction

    def staff_exists(self, staff_id: str) -> bool:
        if self._staff is None:
            self._staff = {s for (s,) in self.store.conn.execute("SELECT staff_id FROM staff")}
        return staff_id in self._staff

    def cohort_exists(self, cohort_id: str) -> bool:
        return self.store.conn.execute(
            "SELECT 1 FROM cohorts WHERE cohort_id = ?", (cohort_id,)).fetchone() is not None

    def restriction(self, restriction_id: str) -> RestrictionInfo | None:
        effective = projections.effective_records(self.store.records_by_ref(restriction_id))
        state = projections.restriction_states(effective).get(restriction_id)
        if state is None:
            return None
        return RestrictionInfo(restriction_id, state.lifted_on is not None, state.expires_on, state.started_on)

    def pathway(self, pathway_id: str) -> PathwayInfo | None:
        refs = projections.effective_records(self.store.records_by_ref(pathway_id))
        assigned = next((e for e in refs if e.kind == "pathway_assigned"), None)
        if assigned is None:
            return None
        closure = projections.closures(refs).get(pathway_id)
        if "staff_id" in assigned.body:
            ids = [assigned.body["staff_id"]]
        else:
            ids = [p["staff_id"] for p in self.store.roster(assigned.body["cohort_id"])]
        members = self.store.member_records(ids, since=assigned.record["created_at"])
        view = projections.pathway_view(assigned, closure, members, self.today)
        return PathwayInfo(pathway_id, closure is not None and closure.closed, view["unmet"],
                           owner_id=view["owner_id"], deputy_id=view["deputy_id"], approval=view["approval"],
                           proposal=view["proposal"], proposed_by=view["proposed_by"])

    def record_by_hash(self, record_hash: str) -> dict[str, Any] | None:
        return self.store.record_by_hash(record_hash)

    def decision_heads(self, subject: str) -> list[str]:
        """The latest decisions on a restriction or pathway held here (a new one's ``after``)."""
        refs = projections.effective_records(self.store.records_by_ref(subject))
        return decisions.head_hashes([e for e in refs if e.kind in DECISION_KINDS])

    # -- rules that need the record history ----------------------------------------------
    def history_problems(self, kind: str, body: dict[str, Any]) -> list[str]:
        """What the record log itself forbids for an already prepared body (see
        ``storage.history``): a correction not based on the latest one, a duplicate note
        attempt, evidence dated absurdly far back."""
        from storage.history import history_problems

        return history_problems(self, kind, body)
