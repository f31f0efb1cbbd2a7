"""Benchmark the cost of keys sealed under a passphrase.

1. Unlock: ``Store.unlock`` (read the key file, Argon2id with the production INTERACTIVE limits,
   open the SecretBox, check the public key), median of 5, against a bare
   ``crypto_pwhash`` (``nacl.pwhash.argon2id.kdf``) with the same parameters in the same run.
   Goal: under 1 s, and the ratio near 1 (Argon2 is the whole cost, on purpose).
2. Signed save p99 with the key unlocked against today's: the same save loop (one durable
   signed ``append`` per record, demo roster) run in child processes on this code and, with
   ``--baseline PATH``, on another checkout (e.g. the main branch before keys were sealed);
   without it, on this code with a store whose key was loaded from a plaintext ``device.key`` (the
   old way). Runs alternate (ours, baseline, …) so machine noise hits both. Goal: within 1.1x.

The last line is JSON.

    python bench/identity.py [--saves 400] [--rounds 3] [--baseline /work/main]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as `python bench/x.py`, sys.path[0] is bench/, whose sync.py would shadow the sync
# package: look in the repository instead.
sys.path[0] = str(ROOT)
os.environ.pop("SUPERVISOR_TUI_INSECURE_TEST_KDF", None)  # production limits, always
PASSPHRASE = "bench passphrase, not a secret"
os.environ["SUPERVISOR_TUI_PASSPHRASE"] = PASSPHRASE

SAVE_CHILD = r"""
import datetime as dt, json, sys, time
from storage.store import Store
from storage.demo import bulk_items, ensure_demo_roster
home, count, legacy = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "legacy"
store = Store(home)
store.init_profile("SUP01", "Bench")
if legacy:  # this code, but the key held as it was loaded from a plaintext file before
    from supervisor_tui.model.signing import DeviceKey
    store.remember_key(store.profile.device, DeviceKey.generate())
    store.conn.execute("UPDATE devices SET public_key = ? WHERE device = ?",
                       (store._keys[store.profile.device].public_key_hex, store.profile.device))
ensure_demo_roster(store)
items = list(bulk_items(store, count, dt.datetime.now(dt.UTC), seed=5))
_ = store.key  # unlocked (the env passphrase) before timing, as after the unlock screen
lat = []
for kind, body, _now in items:
    t = time.perf_counter()
    store.append(kind, body)
    lat.append(time.perf_counter() - t)
print(json.dumps(lat))
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_unlock(tmp: Path, runs: int = 5) -> dict:
    from nacl.pwhash import argon2id

    from storage.keyfile import read_key_file
    from storage.store import Store

    home = tmp / "unlock"
    store = Store(home)
    store.init_profile("SUP01", "Bench", PASSPHRASE)
    doc = read_key_file(store.key_path)
    store.close()
    ours, bare = [], []
    salt = bytes.fromhex(doc["kdf"]["salt"])
    ops, mem = doc["kdf"]["opslimit"], doc["kdf"]["memlimit"]
    for _ in range(runs):
        again = Store(home)
        start = time.perf_counter()
        again.unlock(PASSPHRASE)
        ours.append(time.perf_counter() - start)
        again.close()
        start = time.perf_counter()
        argon2id.kdf(32, PASSPHRASE.encode(), salt, opslimit=ops, memlimit=mem)
        bare.append(time.perf_counter() - start)
    return {"ours": statistics.median(ours), "bare": statistics.median(bare), "opslimit": ops,
            "memlimit": mem, "interactive": ops >= argon2id.OPSLIMIT_INTERACTIVE
            and mem >= argon2id.MEMLIMIT_INTERACTIVE}


def save_run(repo: Path, home: Path, count: int, legacy: bool) -> list[float]:
    env = {**os.environ, "PYTHONPATH": str(repo)}
    out = subprocess.run([sys.executable, "-c", SAVE_CHILD, str(home), str(count),
                          "legacy" if legacy else "sealed"], cwd=repo, env=env, capture_output=True,
                         text=True)
    if out.returncode:
        raise SystemExit(f"save child failed in {repo}:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=400, help="saves per run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each side")
    parser.add_argument("--baseline", metavar="PATH", help="another checkout to compare saves with")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-identity-"))
    try:
        unlock = bench_unlock(tmp)
        print(f"unlock (median of 5): {unlock['ours'] * 1e3:.1f} ms; bare crypto_pwhash with the same"
              f" parameters (opslimit {unlock['opslimit']}, memlimit {unlock['memlimit'] >> 20} MiB):"
              f" {unlock['bare'] * 1e3:.1f} ms; ratio {unlock['ours'] / unlock['bare']:.2f}x"
              f" (goal: under 1 s)")
        baseline = Path(args.baseline).resolve() if args.baseline else None
        ours, base = [], []
        for i in range(args.rounds):
            runs = [("ours", ROOT, False), ("base", baseline or ROOT, baseline is None)]
            for side, repo, legacy in (runs if i % 2 == 0 else runs[::-1]):  # alternate who goes first
                (ours if side == "ours" else base).extend(save_run(repo, tmp / f"{side}{i}", args.saves, legacy))
        p99, b99 = percentile(ours, 0.99), percentile(base, 0.99)
        p50, b50 = percentile(ours, 0.5), percentile(base, 0.5)
        label = f"baseline {baseline}" if baseline else "plaintext-key store (old way) on this code"
        print(f"signed save, key unlocked: p50 {p50 * 1e3:.3f} ms  p99 {p99 * 1e3:.3f} ms"
              f" ({len(ours)} saves)")
        print(f"  {label}: p50 {b50 * 1e3:.3f} ms  p99 {b99 * 1e3:.3f} ms")
        print(f"  ratio p99 {p99 / b99:.2f}x  p50 {p50 / b50:.2f}x (goal: p99 within 1.1x)")
        print(json.dumps({
            "bench": "identity", "cpus": os.cpu_count(),
            "unlock_median_ms": round(unlock["ours"] * 1e3, 1),
            "bare_pwhash_median_ms": round(unlock["bare"] * 1e3, 1),
            "unlock_ratio": round(unlock["ours"] / unlock["bare"], 2),
            "kdf_opslimit": unlock["opslimit"], "kdf_memlimit": unlock["memlimit"],
            "kdf_at_least_interactive": unlock["interactive"],
            "save_p50_ms": round(p50 * 1e3, 3), "save_p99_ms": round(p99 * 1e3, 3),
            "baseline_p50_ms": round(b50 * 1e3, 3), "baseline_p99_ms": round(b99 * 1e3, 3),
            "save_p99_ratio": round(p99 / b99, 2), "baseline": str(baseline) if baseline else "plaintext-key",
        }))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
