"""The sync client: enrol a laptop, push unsynced records in batches, pull reference data.

Public API (used by the CLI and by the TUI's sync screen; no Textual here):

* ``sync_store(store, server=None, progress=None) -> SyncResult``
* ``server_reachable(url, timeout=2.0) -> bool``
* ``enrol_store(store, server, token) -> dict``

A push is idempotent and resumable: a record is only marked synced when the server's signed
receipt covers it, so an interrupted sync just runs again; a lost answer is resent and
acknowledged as a duplicate; a gap makes the client resend from where the server says.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from checklists.shipped_keys import shipped_keys
from storage import sync_state
from storage.pulled_incidents import save_pulled_incidents
from storage.store import Store
from supervisor_tui.model.kinds import utc_now_iso
from supervisor_tui.model.signing import check_record
from sync.http_client import httpx
from sync.transport import ServerRefused, Transport, Unreachable
from sync.wire import receipt_valid

BATCH_SIZE = 1000
PIPELINE = 2  # push batches in flight at once: the next one travels while the server checks one
PULL_PAGE = 1000
CHECKLISTS_FILE = "central-checklists.json"


NOT_ENROLLED = ("sync not available: this laptop is not enrolled with a central store (run"
                " 'supervisor-tui enrol --server URL --token T', or pass --server URL)")


class SyncConfigError(Exception):
    """Sync cannot start (kept for callers; ``sync_store`` reports a missing server in its result)."""


@dataclass
class SyncProgress:
    sent: int
    total: int
    accepted: int
    rejected: int
    message: str


@dataclass
class RejectedRecord:
    seq: int
    id: str
    kind: str
    reason: str


@dataclass
class SyncResult:
    ok: bool = False
    accepted: int = 0
    duplicates: int = 0
    rejected: list[RejectedRecord] = field(default_factory=list)
    unreachable: bool = False
    message: str = ""
    pulled: int = 0
    set_aside: list[str] = field(default_factory=list)  # one line per pulled record kept aside


def server_reachable(url: str, timeout: float = 2.0) -> bool:
    """True when ``url`` answers its health check within ``timeout`` seconds (no retries)."""
    try:
        response = httpx.get(url.rstrip("/") + "/v1/health", timeout=timeout)
        return response.status_code == 200 and response.json().get("status") == "ok"
    except (httpx.HTTPError, ValueError):
        return False


def enrol_store(store: Store, server: str, token: str, clock: Callable[[], float] = time.time,
                retry_budget: float = 30.0) -> dict[str, Any]:
    """Register the active profile's device key with the server using a one-time ``token``."""
    return _enrol(store, server, {"token": token}, clock, retry_budget)


def _enrol(store: Store, server: str, proof: dict[str, str], clock: Callable[[], float],
           retry_budget: float) -> dict[str, Any]:
    profile = store.require_profile()
    key = store.key
    with Transport(server, key, profile.device, clock=clock, retry_budget=retry_budget) as t:
        health = t.health()
        answer = t.call("POST", "/v1/enrol", {
            **proof, "device": profile.device, "supervisor": profile.supervisor,
            "public_key": key.public_key_hex})
    if answer.get("server_key") != health.get("server_key"):
        raise ServerRefused(502, "the server's key changed during enrolment")
    sync_state.save_enrolment(store, profile.device, t.url, answer["server_key"], answer["enrolled_at"])
    return {"server": t.url, "device": answer["device"], "supervisor": answer["supervisor"],
            "enrolled_at": answer["enrolled_at"], "server_key": answer["server_key"]}


def sync_store(store: Store, server: str | None = None,
               progress: Callable[[SyncProgress], None] | None = None,
               *, clock: Callable[[], float] = time.time, retry_budget: float = 30.0,
               batch_size: int = BATCH_SIZE) -> SyncResult:
    """Push every unsynced record of the active profile (the chains of its keys retired by a
    rotation first, then its current device, enrolled by that rotation if need be), then pull
    reference data. Never raises for network trouble: an unreachable server gives
    ``SyncResult(unreachable=True)``; no server configured gives ``SyncResult(ok=False,
    message=NOT_ENROLLED)``."""
    profile = store.require_profile()
    url = server or sync_state.profile_server(store) or store.get_setting(sync_state.SETTING_SERVER)
    if not url:
        return SyncResult(message=NOT_ENROLLED)
    key = store.key
    run = _Run(store, profile.device, url.rstrip("/"), progress, batch_size)
    with Transport(url, key, profile.device, clock=clock, retry_budget=retry_budget) as t:
        t.on_retry = lambda message: run.report(message)
        try:
            run.pinned_key(t.health())
            for device, old_key in _retired_with_unsent(store, profile.supervisor):
                t.key, t.device, run.device = old_key, device, device
                run.push(t)
            t.key, t.device, run.device = key, profile.device, profile.device
            if not run.result.rejected:
                _enrol_rotated(store, profile, clock, retry_budget, url, run)
            run.push(t)
            run.pull(t)
        except Unreachable as exc:
            run.result.unreachable = True
            run.result.message = f"{exc}; nothing was lost, sync again later"
        except ServerRefused as exc:
            run.result.message = str(exc)
        if not run.result.unreachable:
            stamp = utc_now_iso()
            store.set_setting(sync_state.SETTING_LAST_SYNC, stamp)
            store.set_setting(sync_state.last_sync_key(profile.supervisor), stamp)
    result = run.result
    result.ok = not result.unreachable and not result.rejected and not result.message
    if result.rejected and not result.message:
        result.message = (f"{len(result.rejected)} record(s) rejected, {result.accepted} accepted,"
                          f" {result.duplicates} already held")
    if result.ok:
        result.message = (f"synced: {result.accepted} accepted, {result.duplicates} already held,"
                          f" {result.pulled} pulled")
    run.report(result.message)
    return result


def _settle(inflight: deque) -> None:
    """Wait for the batches still on their way (their answers are not used: whatever the server
    did with them is sent again or answered as already held next time) and forget them."""
    while inflight:
        _, sending = inflight.popleft()
        try:
            sending.result()
        except Exception:  # noqa: BLE001, S110 - only waiting for it to end
            pass


def _retired_with_unsent(store: Store, supervisor: str) -> list[tuple[str, Any]]:
    """(device, key) of this profile's rotated-out devices that still have records to push and
    whose key is open (a forgotten passphrase's old key is not: its records wait)."""
    from storage.profiles import own_devices

    found = []
    for dev in own_devices(store, supervisor):
        if dev.retired_at is None or not sync_state.unsynced_records(store, dev.device):
            continue
        key = store._keys.get(dev.device)  # noqa: SLF001 - opened at unlock when it could be
        if key is not None:
            found.append((dev.device, key))
    return found


def _enrol_rotated(store: Store, profile: Any, clock: Callable[[], float], retry_budget: float,
                   url: str, run: _Run) -> None:
    """A device made by ``key rotate`` enrols on the strength of the old device's signed
    ``key_rotated`` record (pushed just before), without a new token."""
    from storage.profiles import own_devices

    if sync_state.enrolled(store, profile.device):
        return
    previous = [d for d in own_devices(store, profile.supervisor) if d.rotated_to == profile.device]
    if not previous or not sync_state.enrolled(store, previous[0].device):
        return
    info = _enrol(store, url, {"rotated_from": previous[0].device}, clock, retry_budget)
    run.report(f"device {info['device']} enrolled by key rotation")


class _Run:
    def __init__(self, store: Store, device: str, url: str,
                 progress: Callable[[SyncProgress], None] | None, batch_size: int):
        self.store, self.device, self.url = store, device, url
        self.progress, self.batch_size = progress, batch_size
        self.result = SyncResult()
        self.sent = self.total = 0
        self.server_key: str | None = None
        self._reporting = threading.Lock()  # a retry is reported from the thread sending a batch

    def report(self, message: str) -> None:
        if self.progress:
            with self._reporting:
                self.progress(SyncProgress(self.sent, self.total, self.result.accepted,
                                           len(self.result.rejected), message))

    def pinned_key(self, health: dict[str, Any]) -> None:
        pinned = self.store.get_setting(sync_state.SETTING_SERVER_KEY)
        same_server = self.store.get_setting(sync_state.SETTING_SERVER) == self.url
        if pinned and same_server and health.get("server_key") != pinned:
            raise ServerRefused(495, f"the server's receipt key {str(health.get('server_key'))[:12]}…"
                                f" is not the one pinned at enrolment ({pinned[:12]}…); not syncing")
        self.server_key = pinned if (pinned and same_server) else health.get("server_key")

    # -- push --------------------------------------------------------------------------------
    def push(self, t: Transport) -> None:
        """Send the pending records in batches, the next batch on its way while the server
        checks the one before (``PIPELINE`` in flight; the server writes them in seq order,
        ``sync.central.turns``); answers are applied in order, each batch's receipt marking
        its records synced."""
        # the first batches are read and sent first; the rest is read while the server checks them
        first = self.batch_size * PIPELINE
        pending = sync_state.pending_wire(self.store, device=self.device, limit=first)
        rest = len(pending) == first
        self.total = len(pending)
        if not rest:
            self.report(f"{self.total} record(s) to send")
        resumes, index = 0, 0
        with ThreadPoolExecutor(PIPELINE, thread_name_prefix="push") as senders:
            inflight: deque[tuple[list[dict[str, Any]], Future]] = deque()
            def refill(start: int) -> None:  # batches from ``start`` on, up to PIPELINE in flight
                ahead = start + sum(len(b) for b, _ in inflight)
                while len(inflight) < PIPELINE and ahead < len(pending):
                    batch = pending[ahead:ahead + self.batch_size]
                    raw = ('{"records":[' + ",".join(r["json"] for r in batch) + "]"
                           + (',"pipelined":true}' if inflight else "}")).encode("utf-8")
                    inflight.append((batch, senders.submit(t.call, "POST", "/v1/push", raw=raw)))
                    ahead += len(batch)

            try:
                while index < len(pending):
                    refill(index)
                    if rest:  # counted only now: the first batches left without waiting for it
                        rest = False
                        pending += sync_state.pending_wire(self.store, device=self.device,
                                                           after_seq=pending[-1]["seq"])
                        self.total = len(pending)
                        self.report(f"{self.total} record(s) to send")
                    batch, sending = inflight.popleft()
                    try:
                        answer = sending.result()
                    except ServerRefused as exc:
                        _settle(inflight)
                        if exc.status == 413 and len(batch) > 1:
                            self.batch_size = max(1, len(batch) // 2)
                            continue
                        if exc.status in (403, 413):
                            self._reject_rest(pending[index:], exc.reason)
                            return
                        raise
                    # the next batch leaves before this answer's receipts are stored, so the
                    # server has it to check meanwhile (should this answer stop the push, it is
                    # waited for and its answer unused, like any batch still on its way)
                    refill(index + len(batch))
                    blocked = self._apply(batch, answer)
                    self.sent = min(self.total, self.sent + len(batch))
                    self.report(f"sent {self.sent} of {self.total}")
                    resume = answer.get("resume_from")
                    if resume is not None:
                        _settle(inflight)
                        resumes += 1
                        if resumes > 5:
                            raise ServerRefused(409, f"the server keeps asking to resume from seq {resume}")
                        pending = sync_state.pending_wire(self.store, int(resume), self.device)
                        self.total = max(self.total, self.sent + len(pending))
                        index = 0
                        self.report(f"server holds up to seq {int(resume) - 1}; resending from {resume}")
                        continue
                    if blocked is not None:
                        _settle(inflight)
                        later = pending[index + len(batch):]
                        self._reject_rest(later, f"not sent: follows rejected record seq {blocked}")
                        return
                    index += len(batch)
            finally:
                _settle(inflight)

    def _apply(self, batch: list[dict[str, Any]], answer: dict[str, Any]) -> int | None:
        """Store receipts and collect rejections; return the first rejected seq, if any."""
        receipt = answer.get("receipt")
        by_hash = {r["hash"]: r for r in batch}
        covered: list[str] = []
        blocked = None
        results = answer.get("results")
        if not isinstance(results, list) or len(results) != len(batch):
            raise ServerRefused(502, "the server's answer does not list every record of the batch")
        if receipt is not None and not receipt_valid(receipt, self.server_key):
            raise ServerRefused(502, "the server's receipt does not verify with its key; not marking"
                                " anything synced")
        for fate in results:
            record = by_hash.get(fate.get("hash"), {})
            status = fate.get("status")
            if status in ("accepted", "duplicate") and receipt and fate.get("seq", 0) <= receipt["seq"]:
                covered.append(fate["hash"])
                if status == "accepted":
                    self.result.accepted += 1
                else:
                    self.result.duplicates += 1
            elif status in ("rejected", "fork"):
                self.result.rejected.append(RejectedRecord(
                    fate.get("seq", 0), fate.get("id", ""), record.get("kind", "?"),
                    fate.get("reason", status)))
                blocked = fate.get("seq") if blocked is None else blocked
        if covered:
            sync_state.save_receipts(self.store, covered, self.url, receipt)
        return blocked

    def _reject_rest(self, records: list[dict[str, Any]], reason: str) -> None:
        for r in records:
            self.result.rejected.append(RejectedRecord(r["seq"], r["id"], r["kind"], reason))

    def _set_aside(self, record: dict[str, Any], problems: list[str]) -> None:
        reason = "; ".join(problems[:3])
        line = (f"record {str(record.get('id'))[:13]}… (seq {record.get('seq')}) of device"
                f" {record.get('device')} does not fit its kind: {reason}; kept aside, not used")
        if sync_state.set_aside(self.store, record, reason, utc_now_iso()):
            self.result.set_aside.append(line)
            self.report(line)

    # -- pull --------------------------------------------------------------------------------
    def pull(self, t: Transport) -> None:
        after, known = 0, sync_state.known_hashes(self.store)
        while True:
            page = t.call("GET", f"/v1/pull?after={after}&limit={PULL_PAGE}")
            if after == 0:
                self._reference(page)
            self._records(page, known)
            if not page.get("more"):
                return
            after = int(page["next_after"])

    def _reference(self, page: dict[str, Any]) -> None:
        roster = page.get("roster") or []
        if roster and self._roster_changed(roster, page.get("cohorts") or {}):
            self.store.upsert_roster(roster, page.get("cohorts") or {})
        if isinstance(page.get("incidents"), list):
            kept = save_pulled_incidents(self.store.home, page["incidents"], utc_now_iso())
            self.report(f"pulled {kept} incident(s) for the governance report")
        checklists = page.get("checklists") or []
        if checklists:
            path = self.store.home / CHECKLISTS_FILE
            text = json.dumps(checklists, indent=1, ensure_ascii=False)
            if path.exists() and path.read_text("utf-8") == text:
                return  # as pulled last time (and the library need not be loaded to compare)
            pulled = {(c["id"], c["version"]) for c in checklists}
            # compared with what this laptop uses now (before the file is replaced); when every
            # pulled one was shipped with it, nothing is new and the library need not be loaded
            missing = [] if pulled <= shipped_keys() else sorted(pulled - set(self.store.library.by_key))
            path.write_text(text, "utf-8")
            if missing:
                names = ", ".join(f"{i} v{v}" for i, v in missing[:5])
                self.report(f"new checklist version(s) from the central store: {names}"
                            " (used from the next start of the app)")

    def _roster_changed(self, roster: list[dict[str, Any]], cohort_names: dict[str, str]) -> bool:
        """Whether the pulled roster or cohort names differ from this laptop's (most syncs: no),
        so an unchanged roster is not rewritten at every sync."""
        held = {(p["staff_id"], p["name"], p["role"], p["cohort"]) for p in self.store.roster()}
        pulled = {(r.get("staff_id"), r.get("name"), r.get("role"), r.get("cohort")) for r in roster}
        names = {c["cohort_id"]: c["name"] for c in self.store.cohorts()}
        return not pulled <= held or any(name and names.get(cohort) != name for cohort, name in cohort_names.items())

    def _records(self, page: dict[str, Any], known: set[str]) -> None:
        devices = page.get("devices") or {}
        good, keys = [], {}
        page_held: dict[str, dict[str, Any]] = {}

        def held(record_hash: str) -> dict[str, Any] | None:
            return page_held.get(record_hash) or self.store.record_by_hash(record_hash)

        for record in page.get("records") or []:
            if not isinstance(record, dict) or record.get("hash") in known:
                continue
            info = devices.get(record.get("device"))
            if not isinstance(info, dict) or not isinstance(info.get("public_key"), str):
                continue
            local = sync_state.device_key(self.store, record["device"])
            if local is not None and local != info["public_key"]:
                self.report(f"skipped a record of device {record['device']}: key differs from the one held")
                continue
            if check_record(record, info["public_key"]) or record["author"] != info.get("supervisor"):
                self.report(f"skipped a pulled record of {record.get('device')} that does not verify")
                continue
            from sync.trust import pulled_record_problems  # the body models: only when records come

            problems = pulled_record_problems(record, self.store.library, held)
            if problems:
                self._set_aside(record, problems)
                continue
            keys[record["device"]] = (info["supervisor"], info["public_key"])
            good.append(record)
            page_held[record["hash"]] = record
            known.add(record["hash"])
        if good:
            self.result.pulled += sync_state.insert_pulled(self.store, good, keys)
            self.report(f"pulled {self.result.pulled} record(s) from other devices")
