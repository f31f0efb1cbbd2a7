"""Demo data: a realistic roster and a six-week story covering every record kind, plus a fast
generator of many more realistic records for testing at scale (``demo --records N``)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from storage.demo_roster import COHORT_NAMES, demo_roster
from storage.store import Store

Item = tuple[str, dict[str, Any], dt.datetime]

SITUATIONS = [
    ("Client breathless walking to the bathroom, sats 93 on air, usually 97", "on_call_clinician"),
    ("Client ate half their usual lunch and seems quieter than usual", "supervisor"),
    ("Client with chest tightness and sweating during morning visit", "emergency_services"),
    ("Client slightly hoarse, observations at baseline, eating and drinking well", "no_escalation"),
    ("New confusion at tea time, calling the worker by a relative's name", "on_call_clinician"),
    ("Client needed two people to stand this morning, usually independent with a frame", "supervisor"),
    ("Found on the floor, bump to the head, on apixaban", "emergency_services"),
    ("Mild cough since yesterday, NEWS2 0, at day centre as normal", "no_escalation"),
]
FEEDBACK = {
    "start-end-time": "Record start and end times, not just the date.",
    "goals-addressed": "Link the visit to a goal in the plan of care.",
    "client-response": "Say how the client responded, not only what you did.",
    "signature-credentials": "Sign with your credentials and the date signed.",
    "service-type": "Service type must match the authorisation.",
}


def _check(scenario, staff_id: str, passed: bool, rng: random.Random, setting: str,
           pathway_id: str | None = None) -> dict[str, Any]:
    items, endpoint = [], scenario.expected_endpoint
    fail_item = None
    if not passed:
        fail_item = rng.choice([i for i in scenario.items if i.critical]).item_id
        if "endpoint" in fail_item:
            endpoint = rng.choice([e for e in ("supervisor", "on_call_clinician", "no_escalation")
                                   if e != scenario.expected_endpoint])
    for item in scenario.items:
        if item.item_id == fail_item:
            result = "fail"
        elif not item.critical and rng.random() < 0.15:
            result = "fail"
        else:
            result = "pass"
        items.append({"item_id": item.item_id, "result": result})
    body = {
        "staff_id": staff_id, "scenario_id": scenario.id, "scenario_version": scenario.version,
        "setting": setting, "items": items, "chosen_endpoint": endpoint,
        "decision_seconds": max(5, int(rng.gauss(scenario.target_decision_seconds * (0.8 if passed else 1.6), 15))),
    }
    if not passed:
        body["remediation"] = ("Walk through the decision aid together; repeat the scenario within "
                               "7 days, then shadow two shifts.")
    if pathway_id:
        body["pathway_id"] = pathway_id
    return body


def _note(standard, staff_id: str, review: str, sequence: int, attempt: int, missing: list[str],
          timely: bool = True) -> dict[str, Any]:
    body = {
        "staff_id": staff_id, "review": review, "sequence": sequence,
        "standard_id": standard.id, "standard_version": standard.version,
        "elements": [{"element_id": e.element_id, "present": e.element_id not in missing}
                     for e in standard.elements],
        "timely": timely, "attempt": attempt,
    }
    if missing or not timely:
        body["feedback"] = " ".join(FEEDBACK.get(m, f"Add {m}.") for m in missing) or (
            "Enter notes within 48 hours; mark late entries as late.")
    return body


def _shadow(staff_id: str, day: dt.date, shift: str, rng: random.Random, agree: bool) -> dict[str, Any]:
    situation, right = rng.choice(SITUATIONS)
    staff_choice = right if agree else rng.choice(
        [e for e in ("supervisor", "on_call_clinician", "no_escalation") if e != right])
    body = {"staff_id": staff_id, "shift_date": day.isoformat(), "shift": shift, "situation": situation,
            "staff_choice": staff_choice, "supervisor_choice": right}
    body["learning_note"] = ("Agreed: used the decision aid and SBAR." if agree else
                             f"Would have called {staff_choice.replace('_', ' ')}; talked through why "
                             f"{right.replace('_', ' ')} is the threshold here.")
    return body


def story(store: Store, now: dt.datetime) -> Iterator[Item]:
    """Six weeks of re-validation work after two incidents, ending at ``now``."""
    lib = store.library
    rng = random.Random(142)
    scen = {s.id: s for s in lib.scenarios()}
    std = lib.get("progress-note")
    start = now - dt.timedelta(days=42)

    def at(day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
        return start.replace(hour=hour, minute=minute, second=0, microsecond=0) + dt.timedelta(days=day)

    roster = store.roster()
    by_cohort: dict[str, list[str]] = {}
    for p in roster:
        by_cohort.setdefault(p["cohort"], []).append(p["staff_id"])
    night = by_cohort.get("overnight-float", [])[:6]
    new = by_cohort.get("new-starters", [])[:4]
    outreach = by_cohort.get("community-outreach", [])[:3]

    # Incident 1: delayed escalation overnight -> cohort pathway + cohort restriction.
    yield "pathway_assigned", {
        "pathway_id": "PW-OVN-0142", "cohort_id": "overnight-float", "incident_ref": "INC-2026-0142",
        "gap": "knowledge", "owner": "Rosa Alvarez (programme director)", "owner_id": "DIR01",
        "deputy_id": "QL01", "due_on": (start + dt.timedelta(days=49)).date().isoformat(),
        "requirements": {"scenarios": ["new-confusion-news2", "soft-signs-reduced-intake"], "shadow_shifts": 3},
        "note": "Near-miss: hesitation to call the on-call clinician for new confusion overnight.",
    }, at(0, 8)
    yield "restriction_started", {
        "restriction_id": "RS-OVN-0142", "cohort_id": "overnight-float",
        "restrictions": ["paired_working", "no_high_acuity", "no_solo_community"],
        "reason": "Escalation near-miss: paired working until escalation competence is re-validated.",
        "incident_ref": "INC-2026-0142", "review_every_days": 7,
        "expires_on": (start + dt.timedelta(days=56)).date().isoformat(),
    }, at(0, 8, 5)
    for week in (1, 2, 3, 4, 5):
        yield "restriction_reviewed", {
            "restriction_id": "RS-OVN-0142", "decision": "continue",
            "note": f"Week {week}: {min(week, 4)} of {len(night)} staff re-validated; keep paired working.",
        }, at(7 * week, 10)
    for i, sid in enumerate(night):
        day = 2 + i
        first_pass = i % 3 != 0
        check = _check(scen["new-confusion-news2"], sid, first_pass, rng, "simulated_call", "PW-OVN-0142")
        yield "scenario_check", check, at(day, 14)
        if not first_pass:
            yield "scenario_check", _check(scen["new-confusion-news2"], sid, True, rng,
                                           "simulated_call", "PW-OVN-0142"), at(day + 7, 14)
        if i < 4:
            yield "scenario_check", _check(scen["soft-signs-reduced-intake"], sid, True, rng,
                                           "simulated_call", "PW-OVN-0142"), at(day + 8, 15)
        for n in range(3 if i < 4 else 1):
            d = start.date() + dt.timedelta(days=day + 9 + n)
            yield "shadow_escalation", _shadow(sid, d, "night", rng, agree=(n + i) % 4 != 0), at(day + 10 + n, 7)

    # Incident 2: documentation/billing error by new starters -> per-person pathways.
    for i, sid in enumerate(new):
        pid = f"PW-DOC-{i + 1:03d}"
        yield "pathway_assigned", {
            "pathway_id": pid, "staff_id": sid, "incident_ref": "INC-2026-0157", "gap": "knowledge",
            "owner": "Tom Reid (quality lead)", "owner_id": "QL01", "due_on": (start + dt.timedelta(days=38 + 4 * i)).date().isoformat(),
            "requirements": {"compliant_samples": 2, "first_five": i < 2},
        }, at(3, 9, i)
        for seq in (1, 2):
            missing = ["start-end-time", "client-response"] if (seq + i) % 2 == 0 else []
            yield "note_assessment", _note(std, sid, "sample", seq, 1, missing), at(5 + seq + i, 11)
            if missing:
                yield "note_assessment", _note(std, sid, "sample", seq, 2, []), at(9 + seq + i, 11)
        if i < 2:
            for seq in range(1, 6):
                late = seq == 3 and i == 1
                yield "note_assessment", _note(std, sid, "first_five", seq, 1, [], timely=not late), at(14 + seq, 16)
                if late:
                    yield "note_assessment", _note(std, sid, "first_five", seq, 2, []), at(21, 16)
        if i == 0:
            yield "pathway_closed", {"pathway_id": pid, "verification": {
                "what": "Two sample notes and first five notes re-checked against progress-note v1",
                "by": "Tom Reid (quality lead)", "result": "All elements present; entered within 48 hours"}}, at(24, 10)

    # Accountability gap: a person-level restriction, reviewed, then lifted after re-validation.
    if outreach:
        sid = outreach[0]
        yield "pathway_assigned", {
            "pathway_id": "PW-OUT-0163", "staff_id": sid, "incident_ref": "INC-2026-0163",
            "gap": "accountability", "owner": "Rosa Alvarez (programme director)", "owner_id": "DIR01",
            "deputy_id": "QL01", "due_on": (start + dt.timedelta(days=30)).date().isoformat(),
            "requirements": {"scenarios": ["fall-head-injury-anticoagulant"], "shadow_shifts": 2},
        }, at(6, 9)
        yield "restriction_started", {
            "restriction_id": "RS-OUT-0163", "staff_id": sid,
            "restrictions": ["no_solo_community", "no_unsupervised_medication"],
            "reason": "Fall on anticoagulant not escalated; supervision plan was not applied.",
            "incident_ref": "INC-2026-0163", "expires_on": (start + dt.timedelta(days=40)).date().isoformat(),
        }, at(6, 9, 10)
        first = _check(scen["fall-head-injury-anticoagulant"], sid, False, rng, "simulated_call", "PW-OUT-0163")
        yield "scenario_check", first, at(8, 13)
        yield "scenario_check", _check(scen["fall-head-injury-anticoagulant"], sid, True, rng,
                                       "simulated_call", "PW-OUT-0163"), at(12, 13)
        for n in range(2):
            d = start.date() + dt.timedelta(days=13 + n)
            yield "shadow_escalation", _shadow(sid, d, "day", rng, agree=True), at(13 + n, 17)
        yield "restriction_reviewed", {"restriction_id": "RS-OUT-0163", "decision": "continue",
                                       "note": "Failed first scenario; repeat booked."}, at(13, 10)
        yield "pathway_closed", {"pathway_id": "PW-OUT-0163", "verification": {
            "what": "Repeated fall-on-anticoagulant scenario and two shadow shifts",
            "by": "Rosa Alvarez (programme director)", "result": "Passed; escalation choices agreed"}}, at(16, 10)
        yield "restriction_lifted", {"restriction_id": "RS-OUT-0163",
                                     "reason": "Re-validated: pathway PW-OUT-0163 closed with verification."}, at(16, 10, 5)
        for j, other in enumerate(outreach[1:]):
            yield "scenario_check", _check(scen["suicidal-intent-plan"], other, j == 0, rng, "on_shift"), at(20 + j, 12)
    # A second-scenario check with an entry error, corrected by an amendment.
    if night:
        yield "scenario_check", _check(scen["chest-pain-home-visit"], night[0], True, rng, "on_shift"), at(30, 11)


def load_story(store: Store, now: dt.datetime | None = None) -> int:
    """Write the demo story; the amendment needs the hash of an earlier record, so it is last."""
    now = now or dt.datetime.now(dt.UTC)
    items = sorted(story(store, now), key=lambda item: item[2])
    count = store.append_many(items)
    targets = [r for r in store.records(kind="scenario_check") if r["body"]["setting"] == "on_shift"]
    if not targets:
        return count
    target = targets[-1]
    corrected = {**target["body"], "decision_seconds": target["body"]["decision_seconds"] + 60}
    for derived in ("outcome", "expected_endpoint", "failed_critical"):
        corrected.pop(derived, None)
    store.append("amendment", {"amends": target["hash"], "reason": "Timer was stopped late; "
                               "decision time corrected from the trainer's stopwatch.", "body": corrected},
                 now=now - dt.timedelta(days=1))
    _owner_decisions(store)
    return count + 1


def demo_owner_key(owner_id: str) -> Any:
    """The demo owners' keys: derived from a public phrase, so they are for demo data only."""
    import hashlib

    import nacl.signing

    from supervisor_tui.model.signing import DeviceKey

    return DeviceKey(nacl.signing.SigningKey(hashlib.sha256(f"supervisor-tui demo owner {owner_id}".encode()).digest()))


def sign_as_owner(store: Store, owner_id: str, body: dict[str, Any], when: dt.datetime,
                  kind: str = "closure_decision") -> dict[str, Any]:
    """A record (by default a ``closure_decision``) signed on the demo owner's own laptop
    (``demo_owner_key``) and stored here as a pulled record, as after a sync. Not checked by the
    rules here (the owner's laptop did that). For demo data and tests only."""
    from storage import sync_state
    from storage.store import uuid7
    from supervisor_tui.model.records import DECISION_KINDS, current_schema, utc_now_iso
    from supervisor_tui.model.signing import seal

    if kind in DECISION_KINDS and "after" not in body:  # as the owner's laptop works it out
        subject = body.get("pathway_id") or body.get("restriction_id")
        body = {**body, "after": store.context(when.date()).decision_heads(subject)}
    device = f"demo-{owner_id.lower()}"
    row = store.conn.execute("SELECT seq, hash FROM records WHERE device = ? ORDER BY seq DESC LIMIT 1",
                             (device,)).fetchone()
    seq, prev = row if row else (0, "")
    key = demo_owner_key(owner_id)
    record = seal({"id": uuid7(when), "kind": kind, "schema": current_schema(kind), "author": owner_id,
                   "device": device, "seq": seq + 1, "prev": prev, "created_at": utc_now_iso(when),
                   "body": body}, key)
    sync_state.insert_pulled(store, [record], {device: (owner_id, key.public_key_hex)})
    return record


def _owner_decisions(store: Store) -> None:
    """The pathway owners approved the demo's closure proposals on their own laptops."""
    from supervisor_tui.reports import projections

    effective = projections.effective_records(store.records())
    owners = {e.body["pathway_id"]: e.body.get("owner_id") for e in effective if e.kind == "pathway_assigned"}
    for eff in effective:
        owner = owners.get(eff.body.get("pathway_id")) if eff.kind == "pathway_closed" else None
        if owner is None or owner == store.require_profile().supervisor:
            continue
        when = dt.datetime.fromisoformat(eff.record["created_at"][:-1]).replace(tzinfo=dt.UTC) + dt.timedelta(minutes=2)
        sign_as_owner(store, owner, {"pathway_id": eff.body["pathway_id"], "proposal": eff.record["hash"],
                                     "decision": "approve"}, when)


def ensure_demo_roster(store: Store, size: int | None = None) -> int:
    """Add demo staff: the full 24 on an empty roster, or up to ``size`` people; returns how many."""
    present = {p["staff_id"] for p in store.roster()}
    if present and size is None:
        return 0
    rows = [r for r in demo_roster(size or 24) if r["staff_id"] not in present]
    if rows:
        store.upsert_roster(rows, COHORT_NAMES)
    return len(rows)


def bulk_window(store: Store, count: int, now: dt.datetime) -> tuple[dt.datetime, dt.timedelta]:
    """Bulk records are spread from the latest record (at most 30 days back) up to ``now``."""
    row = store.conn.execute("SELECT MAX(created_at) FROM records").fetchone()
    begin = now - dt.timedelta(days=30)
    if row and row[0]:
        latest = dt.datetime.fromisoformat(row[0].replace("Z", "+00:00"))
        begin = max(begin, min(latest, now))
    return begin, (now - begin) / max(count, 1)


def held_attempts(store: Store) -> dict[tuple[str, int], int]:
    """(person, sample note #) -> how many attempts the store holds (bulk notes go on from there)."""
    return {(sid, seq): n for sid, seq, n in store.conn.execute(
        "SELECT staff_id, sequence, COUNT(*) FROM record_activity WHERE kind = 'note_assessment'"
        " AND review = 'sample' GROUP BY staff_id, sequence")}


def bulk_items(store: Store, count: int, now: dt.datetime, seed: int = 7,
               first: int = 0, window: tuple[dt.datetime, dt.timedelta] | None = None,
               attempts: dict[tuple[str, int], int] | None = None) -> Iterator[Item]:
    """``count`` realistic on-shift records (checks, shadow notes, note assessments), oldest
    first; ``first`` and ``window`` let a caller build consecutive slices, passing the same
    ``attempts`` (``held_attempts``, updated here) to each so no attempt number repeats."""
    rng = random.Random(seed * 1_000_003 + first)
    staff = [p["staff_id"] for p in store.roster()]
    scenarios = store.library.scenarios()
    std = store.library.get("progress-note")
    required = [e.element_id for e in std.elements if e.required]
    begin, step = window or bulk_window(store, count, now)
    # attempt numbers go on from the notes already held (the store refuses a repeated attempt)
    attempts = held_attempts(store) if attempts is None else attempts
    for index in range(first, first + count):
        when = begin + step * (index + 1)
        sid = rng.choice(staff)
        roll = rng.random()
        if roll < 0.45:
            body = _check(rng.choice(scenarios), sid, rng.random() < 0.8, rng, "on_shift")
            yield "scenario_check", body, when
        elif roll < 0.75:
            day = when.date() - dt.timedelta(days=rng.randint(0, 2))
            yield "shadow_escalation", _shadow(sid, day, rng.choice(("day", "evening", "night")), rng,
                                              rng.random() < 0.85), when
        else:
            missing = rng.sample(required, k=1) if rng.random() < 0.25 else []
            sequence = rng.randint(1, 2)
            rng.randint(1, 2)  # (was the attempt: keeps the rest of the data as it was)
            attempt = attempts[sid, sequence] = attempts.get((sid, sequence), 0) + 1
            if attempt > 50:  # the most attempts a note can have: a shadow shift instead
                yield "shadow_escalation", _shadow(sid, when.date(), "day", rng, True), when
                continue
            yield "note_assessment", _note(std, sid, "sample", sequence, attempt,
                                           missing, timely=rng.random() < 0.95), when
