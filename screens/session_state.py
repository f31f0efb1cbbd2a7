"""A trainer's group session: one scenario run person by person. Its state (who is in it, who
is done, absent or skipped) is a draft (``session:<id>``), written at every step, so a session
left half way (a quit, a flat battery) resumes at the next person. Each check it runs is its own
signed ``scenario_check`` record carrying the session's ``session_id``. No Textual here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from statistics import median
from typing import Any

KIND = "session"
PENDING, ABSENT, SKIPPED = "waiting", "absent", "skipped"


def _whole(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def new_session_id() -> str:
    return f"SES-{uuid.uuid4().hex[:10].upper()}"


@dataclass
class Session:
    session_id: str
    scenario_id: str
    people: list[str]  # staff ids in running order
    names: dict[str, str] = field(default_factory=dict)
    # staff id -> {"status": pass|fail|absent|skipped, "decision_seconds", "failed_critical", "hash"}
    done: dict[str, dict[str, Any]] = field(default_factory=dict)
    started_at: str = ""

    @property
    def draft_key(self) -> str:
        return f"{KIND}:{self.session_id}"

    def check_draft_key(self, staff_id: str) -> str:
        """The draft key of this session's check of one person (see ``ScenarioScreen``)."""
        return f"scenario_check:{staff_id}:{self.scenario_id}:{self.session_id}"

    def status(self, staff_id: str) -> str:
        return self.done.get(staff_id, {}).get("status", PENDING)

    def next_person(self, after: str | None = None) -> str | None:
        """The next person still waiting (after ``after`` in running order, wrapping), then
        the skipped ones; None when everyone is done or absent."""
        order = self.people
        if after in order:
            start = order.index(after) + 1
            order = order[start:] + order[:start]
        waiting = [p for p in order if self.status(p) == PENDING]
        skipped = [p for p in order if self.status(p) == SKIPPED]
        return (waiting or skipped or [None])[0]

    @property
    def finished(self) -> bool:
        return self.next_person() is None

    def signed(self, staff_id: str, record: dict[str, Any]) -> None:
        body = record["body"]
        self.done[staff_id] = {"status": body["outcome"], "decision_seconds": body["decision_seconds"],
                               "failed_critical": list(body.get("failed_critical") or []),
                               "chosen_endpoint": body["chosen_endpoint"], "hash": record["hash"]}

    def mark(self, staff_id: str, status: str) -> None:
        self.done[staff_id] = {"status": status}

    def figures(self) -> dict[str, Any]:
        checks = [d for d in self.done.values() if d["status"] in ("pass", "fail")]
        passed = sum(1 for d in checks if d["status"] == "pass")
        seconds = sorted(d["decision_seconds"] for d in checks)
        return {"checked": len(checks), "passed": passed,
                # the governance report's rounding (one decimal), so both say 66.7%
                "pass_rate": round(100 * passed / len(checks), 1) if checks else None,
                # the same median as the governance report's (two checks: halfway between them)
                "median_seconds": _whole(median(seconds)) if seconds else None,
                "absent": sum(1 for d in self.done.values() if d["status"] == ABSENT),
                "skipped": sum(1 for p in self.people if self.status(p) == SKIPPED),
                "waiting": sum(1 for p in self.people if self.status(p) == PENDING)}

    def to_dict(self) -> dict[str, Any]:
        return {"session_id": self.session_id, "scenario_id": self.scenario_id, "people": self.people,
                "names": self.names, "done": self.done, "started_at": self.started_at}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        return cls(str(data["session_id"]), str(data["scenario_id"]), list(data.get("people") or []),
                   dict(data.get("names") or {}), dict(data.get("done") or {}), str(data.get("started_at") or ""))
