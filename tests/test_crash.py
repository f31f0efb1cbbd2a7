"""A process appending records is SIGKILLed at random moments: the log still verifies and every
save that had returned is there."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from storage.store import Store

ROOT = Path(__file__).resolve().parent.parent


def test_sigkill_during_appends_loses_nothing_that_returned(store, home):
    store.close()
    rng = random.Random(20261122)
    acknowledged: dict[int, str] = {}
    for _round in range(8):
        child = subprocess.Popen([sys.executable, "-m", "tests.crash_writer", str(home)], cwd=ROOT,
                                 stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        wanted = rng.randint(1, 40)
        lines = []
        deadline = time.monotonic() + 60
        while len(lines) < wanted and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            lines.append(line)
        time.sleep(rng.random() * 0.02)  # land the kill at a random point of the next save
        child.send_signal(signal.SIGKILL)
        rest = child.communicate()[0]
        for line in lines + rest.splitlines(keepends=True):
            if line.endswith("\n"):
                seq, digest = line.split()
                acknowledged[int(seq)] = digest
        assert lines, "writer produced nothing"
        reopened = Store(home)
        report = reopened.verify()
        assert report.ok, report.problems
        held = {r["seq"]: r["hash"] for r in reopened.records()}
        missing = {s: h for s, h in acknowledged.items() if held.get(s) != h}
        assert not missing, f"saves that had returned are gone: {sorted(missing)[:5]}"
        reopened.close()
    assert len(acknowledged) >= 8
