"""Real parts for the web view tests: a central store holding the fixed data set plus a hostile
roster name and record text, a uvicorn server on 127.0.0.1 with a clock the test moves, accounts
of each role, and a signed-in httpx client."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from dataclasses import dataclass, field

import httpx
import uvicorn

from storage.demo_roster import COHORT_NAMES, demo_roster
from storage.store import Store
from supervisor_tui.model.signing import DeviceKey
from supervisor_tui.reports.incidents import parse_incidents_text
from sync.central import CentralStore
from sync.central.export import import_incidents
from sync.server.app import create_app
from sync.web.accounts import add_user, complete_setup
from tests.export.dataset import INCIDENTS_CSV, TODAY, at, shadow, write_dataset
from tests.pg import free_port

NOW = dt.datetime.combine(TODAY, dt.time(12, 0), tzinfo=dt.UTC)
HOSTILE_ID = "S099"
HOSTILE_NAME = '<script>window.__pwned=1</script>Eve "><img src=x onerror="window.__pwned=2"> \u202eevil'
HOSTILE_TEXT = 'Tea time <script>window.__pwned=3</script> "><img src=x onerror="window.__pwned=4"> \u202etxt.exe'
PASSWORD = "correct horse battery staple"
ROLES = ("viewer", "auditor", "admin")


class Clock:
    """The web view's clock: fixed, moved on by the test (sessions, access log, report date)."""

    def __init__(self, now: dt.datetime = NOW):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def seed(central: CentralStore, laptop: Store) -> None:
    """The fixed data set (tests/export/dataset.py) and a hostile person, pushed to ``central``."""
    write_dataset(laptop)
    hostile = {"staff_id": HOSTILE_ID, "name": HOSTILE_NAME, "role": "Support worker", "cohort": "overnight-float"}
    laptop.upsert_roster([*demo_roster(24), hostile], COHORT_NAMES)
    laptop.append("shadow_escalation", {**shadow(HOSTILE_ID, "2026-10-01", False), "situation": HOSTILE_TEXT,
                                        "learning_note": HOSTILE_TEXT}, now=at(10, 2, 7))
    central.import_roster([*demo_roster(24), hostile], COHORT_NAMES)
    import_incidents(central, parse_incidents_text(INCIDENTS_CSV))
    profile = laptop.require_profile()
    info = central.enrol(central.create_token(profile.supervisor), profile.device, profile.supervisor,
                         laptop.key.public_key_hex)
    mine = sorted((r for r in laptop.records() if r["device"] == profile.device), key=lambda r: r["seq"])
    assert not central.push(info, mine).quarantine


def make_accounts(central: CentralStore) -> dict[str, str]:
    """One account per role, named after it, each with :data:`PASSWORD`."""
    for role in ROLES:
        complete_setup(central, add_user(central, role, role), PASSWORD)
    return {role: role for role in ROLES}


@dataclass
class WebServer:
    """``create_app`` (API + web view) on a real uvicorn server on 127.0.0.1 in a thread."""

    central: CentralStore
    clock: Clock = field(default_factory=Clock)
    trusted: str = "127.0.0.1"
    key: DeviceKey = field(default_factory=DeviceKey.generate)

    def __post_init__(self) -> None:
        self.app = create_app(self.central, self.key)
        self.app.state.web.clock = self.clock
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="error", lifespan="off",
                                proxy_headers=True, forwarded_allow_ips=self.trusted)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> WebServer:
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

    def client(self, **kw) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30, **kw)


def form_csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field in the form"
    return match.group(1)


def login(client: httpx.Client, name: str, password: str = PASSWORD, headers: dict | None = None) -> httpx.Response:
    page = client.get("/web/login", headers=headers)
    token = form_csrf(page.text)
    if headers and headers.get("X-Forwarded-Proto") == "https":
        # the form cookie is Secure: a browser sends it back over HTTPS; this client talks plain
        # HTTP to the server (as the proxy does), so it is sent by hand
        headers = {**headers, "Cookie": f"gs_form={token}"}
    return client.post("/web/login", data={"csrf": token, "name": name, "password": password,
                                           "next": "/web/"}, headers=headers)
