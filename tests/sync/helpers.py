"""Real parts for sync tests: uvicorn servers (thread or process), laptops, a fault-injecting proxy."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from storage.demo import bulk_items
from storage.demo_roster import COHORT_NAMES, demo_roster
from storage.store import Store
from supervisor_tui.model.signing import DeviceKey
from sync.central import CentralStore
from sync.client import enrol_store
from sync.server.app import create_app
from tests.pg import free_port

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


class ThreadServer:
    """``create_app`` on a real uvicorn server on 127.0.0.1 in a background thread."""

    def __init__(self, central: CentralStore, key: DeviceKey | None = None):
        self.key = key or DeviceKey.generate()
        self.app = create_app(central, self.key)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="error",
                                lifespan="off", timeout_keep_alive=30)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def central(self) -> CentralStore:
        return self.app.state.api.central

    @central.setter
    def central(self, value: CentralStore) -> None:
        self.app.state.api.central = value

    def start(self) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.app.state.api.catchup.stop()  # (lifespan is off here)


class ProcessServer:
    """``governance-store serve`` as a real process, so it can be killed with SIGKILL."""

    def __init__(self, db_url: str, tmp: Path, port: int | None = None):
        self.db_url, self.tmp = db_url, tmp
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.key_path = tmp / "server.key"
        self.proc: subprocess.Popen | None = None

    def start(self) -> ProcessServer:
        cmd = [sys.executable, "-m", "sync.server_cli", "serve", "--db", self.db_url, "--host",
               "127.0.0.1", "--port", str(self.port), "--key", str(self.key_path), "--log-level", "warning"]
        self.proc = subprocess.Popen(cmd, cwd=Path(__file__).resolve().parents[2],
                                     stdout=subprocess.DEVNULL, stderr=open(self.tmp / "server.log", "ab"))
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(self.url + "/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {(self.tmp / 'server.log').read_text()[-2000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def make_laptop(home: Path, supervisor: str = "SUP01", records: int = 0, seed: int = 7,
                now: dt.datetime = NOW, team: str | None = None) -> Store:
    """A laptop store with a profile, a roster and ``records`` realistic signed records.

    The roster is the 24-person demo roster, or with ``team`` five staff of that team only
    (ids ``TEAM-1`` ... ``TEAM-5``), so that supervisors of different teams share no staff."""
    store = Store(home)
    store.init_profile(supervisor, f"Supervisor {supervisor}")
    roster = demo_roster(24)
    if team:
        roster = [dict(r, staff_id=f"{team}-{i + 1}") for i, r in enumerate(roster[:5])]
    store.upsert_roster(roster, COHORT_NAMES)
    if records:
        store.append_many(list(bulk_items(store, records, now, seed=seed)))
    return store


def enrol(store: Store, central: CentralStore, url: str) -> dict[str, Any]:
    token = central.create_token(store.require_profile().supervisor)
    return enrol_store(store, url, token)


def own_hashes(store: Store) -> list[str]:
    device = store.require_profile().device
    return [h for (h,) in store.conn.execute("SELECT hash FROM records WHERE device = ? ORDER BY seq", (device,))]


def central_hashes(central: CentralStore, device: str | None = None) -> list[str]:
    return [r["hash"] for r in central.records() if device is None or r["device"] == device]


def assert_converged(central: CentralStore, *stores: Store) -> None:
    """Every laptop record is held exactly once, nothing else, and the central verify passes."""
    held = central_hashes(central)
    assert len(held) == len(set(held)), "a record is held twice"
    expected = [h for s in stores for h in own_hashes(s)]
    assert sorted(held) == sorted(expected)
    report = central.verify()
    assert report.ok, report.problems[:5]
    for s in stores:
        assert s.unsynced_count() == 0


class DropProxy:
    """A TCP proxy in front of a server that can cut the connection after the server has answered
    (the reply is lost; whatever the server committed stays committed)."""

    def __init__(self, upstream_port: int):
        self.upstream = upstream_port
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.drop_replies = 0  # cut this many replies that carry a push answer
        self.dropped = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.upstream))
        request_is_push = threading.Event()

        def pump_up() -> None:
            try:
                while data := client.recv(65536):
                    if b"POST /v1/push" in data:
                        request_is_push.set()
                    upstream.sendall(data)
            except OSError:
                pass
            finally:
                upstream.close()

        threading.Thread(target=pump_up, daemon=True).start()
        try:
            while data := upstream.recv(65536):
                if request_is_push.is_set():
                    request_is_push.clear()
                    with self.lock:
                        cut = self.drop_replies > 0
                        if cut:
                            self.drop_replies -= 1
                            self.dropped += 1
                    if cut:
                        break  # the server answered (and committed); the laptop never hears it
                client.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (client, upstream):  # shutdown wakes the other thread's recv
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    def close(self) -> None:
        self.sock.close()


def own_records(store: Store) -> list[dict[str, Any]]:
    """This laptop's own records in chain order."""
    device = store.require_profile().device
    return sorted((r for r in store.records() if r["device"] == device), key=lambda r: r["seq"])


def enrol_direct(central: CentralStore, store: Store) -> dict[str, Any]:
    """Enrol the laptop's device with the central store itself (no HTTP)."""
    p = store.require_profile()
    return central.enrol(central.create_token(p.supervisor), p.device, p.supervisor,
                         store.key.public_key_hex)
