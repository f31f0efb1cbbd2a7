"""Benchmark the local store: durable signed saves and bulk signed appends against a floor.

Floor, measured in the same run: a bare Ed25519 sign of the same canonical bytes plus a raw
``sqlite3`` insert of those bytes into a one-table database with the same pragmas (WAL,
synchronous=FULL); one commit per row for durable saves, one transaction for bulk.
Also times ``supervisor-tui demo --records N`` end to end on a ``demo --staff 200`` store, and
``status --json`` on it (three runs). The last line is JSON.

    python -m bench.store [--saves 500] [--bulk 20000] [--demo-records 100000] [--staff 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Run as `python bench/x.py`, sys.path[0] is bench/, whose sync.py would shadow the sync
# package: look in the repository instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])
# Bench stores seal their keys under a throwaway passphrase (never a real one).
os.environ.setdefault("SUPERVISOR_TUI_PASSPHRASE", "bench passphrase, not a secret")

from storage.bulk import append_encoded, encode_prepared  # noqa: E402
from storage.demo import bulk_items, ensure_demo_roster  # noqa: E402
from storage.store import Store  # noqa: E402
from supervisor_tui.model.canonical import canonical_bytes  # noqa: E402
from supervisor_tui.model.signing import DeviceKey  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def floor_db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB NOT NULL, sig BLOB NOT NULL)")
    return conn


def bench_saves(tmp: Path, items: list, key: DeviceKey) -> dict:
    store = Store(tmp / "saves")
    store.init_profile("SUP01", "Bench")
    ensure_demo_roster(store)
    latencies = []
    for kind, body, _ in items:
        start = time.perf_counter()
        store.append(kind, body)
        latencies.append(time.perf_counter() - start)
    payloads = [canonical_bytes(r["body"]) for r in store.records()]
    store.close()
    conn = floor_db(tmp / "floor-saves.db")
    floor = []
    for data in payloads:
        start = time.perf_counter()
        sig = key.signing_key.sign(data).signature
        conn.execute("BEGIN")
        conn.execute("INSERT INTO t (data, sig) VALUES (?, ?)", (data, sig))
        conn.execute("COMMIT")
        floor.append(time.perf_counter() - start)
    conn.close()
    return {"ours": latencies, "floor": floor}


def bench_bulk(tmp: Path, count: int, key: DeviceKey) -> dict:
    store = Store(tmp / "bulk")
    store.init_profile("SUP01", "Bench")
    ensure_demo_roster(store)
    items = list(bulk_items(store, count, dt.datetime.now(dt.UTC)))
    start = time.perf_counter()
    store.append_many(items)
    ours = time.perf_counter() - start
    payloads = [canonical_bytes(r["body"]) for r in store.records()]
    store.close()
    # The sign + insert part alone (what `demo --records` does in this process; its worker process
    # validates the bodies and encodes them, `encode_prepared`): the same records, appended afresh.
    # Like the floor's, the canonical body text is made before the clock starts.
    now = dt.datetime.now(dt.UTC)
    prepared = [(kind, json.loads(body), now) for kind, body in Store(tmp / "bulk").conn.execute(
        "SELECT kind, body FROM records ORDER BY rowid")]
    encoded = [encode_prepared(*item) for item in prepared]
    seconds = {}
    for name, run in (("sign_insert", lambda s: append_encoded(s, encoded)),
                      ("encode_sign_insert", lambda s: s.append_prepared(prepared))):
        signed = Store(tmp / f"bulk-{name}")
        signed.init_profile("SUP01", "Bench")
        ensure_demo_roster(signed)
        start = time.perf_counter()
        run(signed)
        seconds[name] = time.perf_counter() - start
        signed.close()
    conn = floor_db(tmp / "floor-bulk.db")
    start = time.perf_counter()
    conn.execute("BEGIN")
    for data in payloads:
        conn.execute("INSERT INTO t (data, sig) VALUES (?, ?)", (data, key.signing_key.sign(data).signature))
    conn.execute("COMMIT")
    floor = time.perf_counter() - start
    conn.close()
    return {"ours": ours, **seconds, "floor": floor}


def bench_demo(tmp: Path, count: int, staff: int) -> tuple[float, list[float]]:
    """Seconds of ``demo --records N`` (after ``demo --staff STAFF``) and of three runs of
    ``status --json`` on that store, each a whole process from start to exit."""
    home = tmp / "demo"
    exe = Path(sys.executable).parent / "supervisor-tui"
    subprocess.run([str(exe), "--home", str(home), "init", "--supervisor", "SUP01", "--name", "Bench"],
                   check=True, capture_output=True)
    subprocess.run([str(exe), "--home", str(home), "demo", "--staff", str(staff)], check=True, capture_output=True)
    start = time.perf_counter()
    subprocess.run([str(exe), "--home", str(home), "demo", "--records", str(count)], check=True,
                   capture_output=True)
    demo = time.perf_counter() - start
    status = []
    for _ in range(3):
        start = time.perf_counter()
        out = subprocess.run([str(exe), "--home", str(home), "status", "--json"], check=True,
                             capture_output=True, text=True)
        status.append(time.perf_counter() - start)
        json.loads(out.stdout)
    return demo, status


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=500)
    parser.add_argument("--bulk", type=int, default=20_000)
    parser.add_argument("--demo-records", type=int, default=100_000,
                        help="records for the demo and status --json timings (0: skip them)")
    parser.add_argument("--staff", type=int, default=200, help="roster size of the demo store (demo --staff)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-store-"))
    try:
        key = DeviceKey.generate()
        probe = Store(tmp / "probe")
        probe.init_profile("SUP01", "Probe")
        ensure_demo_roster(probe)
        items = list(bulk_items(probe, args.saves, dt.datetime.now(dt.UTC), seed=3))
        probe.close()
        saves = bench_saves(tmp, items, key)
        p50, p99 = percentile(saves["ours"], 0.5), percentile(saves["ours"], 0.99)
        f50, f99 = percentile(saves["floor"], 0.5), percentile(saves["floor"], 0.99)
        save_rate = len(saves["ours"]) / sum(saves["ours"])
        floor_rate = len(saves["floor"]) / sum(saves["floor"])
        print(f"durable signed save: {save_rate:,.0f}/s  p50 {p50 * 1e3:.3f} ms  p99 {p99 * 1e3:.3f} ms")
        print(f"  floor (sign + raw insert, commit per row): {floor_rate:,.0f}/s  p50 {f50 * 1e3:.3f} ms"
              f"  p99 {f99 * 1e3:.3f} ms")
        print(f"  ratio p50 {p50 / f50:.2f}x  p99 {p99 / f99:.2f}x  (goal: p99 within 3x)")
        bulk = bench_bulk(tmp, args.bulk, key)
        bulk_rate, bulk_floor = args.bulk / bulk["ours"], args.bulk / bulk["floor"]
        signed_rate = args.bulk / bulk["sign_insert"]
        encode_rate = args.bulk / bulk["encode_sign_insert"]
        print(f"bulk signed append (sign + insert of validated, encoded bodies, the demo's hot loop):"
              f" {signed_rate:,.0f}/s  floor {bulk_floor:,.0f}/s  ratio {bulk_floor / signed_rate:.2f}x"
              " (goal: within 2x)")
        print(f"  with encoding in this process (append_prepared): {encode_rate:,.0f}/s"
              f"  ratio {bulk_floor / encode_rate:.2f}x")
        print(f"  with validation in this process (append_many): {bulk_rate:,.0f}/s  ratio {bulk_floor / bulk_rate:.2f}x")
        demo_seconds = status_seconds = None
        status_runs: list[float] = []
        if args.demo_records:
            demo_seconds, status_runs = bench_demo(tmp, args.demo_records, args.staff)
            status_seconds = statistics.median(status_runs)
            print(f"demo --records {args.demo_records} ({args.staff} staff): {demo_seconds:.1f} s"
                  " (goal: under 10 s for 100,000)")
            print(f"status --json at {args.demo_records} records: median {status_seconds:.2f} s of"
                  f" {', '.join(f'{x:.2f}' for x in status_runs)} (goal: under 1 s)")
        print(json.dumps({
            "bench": "store", "cpus": os.cpu_count(),
            "save_per_s": round(save_rate), "save_p50_ms": round(p50 * 1e3, 3),
            "save_p99_ms": round(p99 * 1e3, 3), "floor_save_p50_ms": round(f50 * 1e3, 3),
            "floor_save_p99_ms": round(f99 * 1e3, 3), "save_p99_ratio": round(p99 / f99, 2),
            "save_p50_ratio": round(p50 / f50, 2), "save_mean_ratio": round(floor_rate / save_rate, 2),
            "bulk_per_s": round(bulk_rate), "bulk_floor_per_s": round(bulk_floor),
            "bulk_ratio": round(bulk_floor / bulk_rate, 2),
            "bulk_sign_insert_per_s": round(signed_rate), "bulk_sign_insert_ratio": round(bulk_floor / signed_rate, 2),
            "bulk_encode_sign_insert_ratio": round(bulk_floor / encode_rate, 2),
            "demo_records": args.demo_records, "demo_seconds": round(demo_seconds, 2) if demo_seconds else None,
            "status_json_seconds": round(status_seconds, 2) if status_seconds else None,
            "status_json_runs": [round(x, 2) for x in status_runs], "staff": args.staff,
            "stdev_save_ms": round(statistics.pstdev(saves["ours"]) * 1e3, 3),
        }))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
