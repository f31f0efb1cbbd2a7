"""Benchmark: 10,000 records pushed end to end over loopback, SQLite and PostgreSQL backends.

    .venv/bin/python bench/sync.py [--records N] [--pg-url URL] [--skip-pg]

For each backend: a fresh central database, a real ``governance-store serve`` process on
127.0.0.1, and a laptop store holding N signed records; the timed part is a real client process,
``supervisor-tui sync --server URL --json``, from its start to its exit (unlocking the key, the
push in batches with receipts, then the pull).

The floor, measured in the same run on the same records, is what the hardware must do: Ed25519
verify + canonical encode (the server's fast path) + SHA-256 of every record and one transaction
inserting them into a *bare* table (no index, no trigger) of the same backend, with the same
durability. The old floor (the same work inserting into the real ``records`` table, its indexes
and triggers included, which hides their cost) is printed too for comparison. Without
``--pg-url`` a throwaway PostgreSQL 15 cluster is started as in the tests, but with fsync on
(durable commits, like SQLite's ``synchronous=FULL``). Each figure is the best of ``--repeat``
runs (default 3) because the machine is shared. The last line of output is JSON.

The report facts of pushed records are derived after the push (``sync.central.catchup``: the
server catches up ~0.5 s after the last push; every reader first), so right after each sync the
bench reads the governance report and prints how long that took (``report_after_push_seconds``,
the catch-up of whatever was still queued, ``queued_at_report``, included) and the server
process's CPU seconds during the sync, its signature-checking helper processes included
(``server_cpu_seconds``, Linux), and the client process's (``client_cpu_seconds``): on a shared
machine CPU seconds are steadier than wall time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Bench stores seal their keys under a throwaway passphrase (never a real one).
os.environ.setdefault("SUPERVISOR_TUI_PASSPHRASE", "bench passphrase, not a secret")

from storage.demo import bulk_items  # noqa: E402
from storage.demo_roster import COHORT_NAMES, demo_roster  # noqa: E402
from storage.store import Store, index_columns  # noqa: E402
from supervisor_tui.model.checks import Verifier, computed_hash  # noqa: E402
from sync.central import open_central  # noqa: E402


def make_laptop(home: Path, count: int) -> Store:
    store = Store(home)
    store.init_profile("SUP01", "Bench Supervisor")
    store.upsert_roster(demo_roster(24), COHORT_NAMES)
    now = dt.datetime.now(dt.UTC)
    items = list(bulk_items(store, count, now))
    for start in range(0, count, 5000):
        store.append_many(items[start:start + 5000])
    return store


def _verified_rows(records: list[dict[str, Any]], key: str) -> list[tuple]:
    verifier = Verifier()
    rows = []
    for r in records:
        data, digest, body = computed_hash(r, strict_json=True)  # the leanest canonical encode
        assert digest == r["hash"] and verifier.verify(key, data, r["sig"])
        rows.append((r["id"], r["kind"], r["schema"], r["author"], r["device"], r["seq"], r["prev"],
                     r["created_at"], body, r["hash"], r["sig"],
                     *index_columns(r["kind"], r["body"]), "2026-01-01T00:00:00Z"))
    return rows


_COLUMNS = ("id, kind, schema, author, device, seq, prev, created_at, body, hash, sig, staff_id, cohort_id,"
            " ref_id, amends, received_at")


def floor(url: str, store: Store, bare: bool = True) -> float:
    """Seconds for verify + canonical encode + hash + one-transaction insert of the records:
    into a bare table (``bare``: what the hardware must do) or into the real ``records`` table
    (the old floor, its indexes and fact triggers included)."""
    central = open_central(url)
    p = store.require_profile()
    central.enrol(central.create_token(p.supervisor), p.device, p.supervisor, store.key.public_key_hex)
    records = store.records()
    table = "records"
    if bare:
        table = "bare_records"
        with central.transaction() as tx:
            tx.execute(f"CREATE TABLE {table} (id TEXT, kind TEXT, schema INTEGER, author TEXT, device TEXT,"
                       " seq BIGINT, prev TEXT, created_at TEXT, body TEXT, hash TEXT, sig TEXT, staff_id TEXT,"
                       " cohort_id TEXT, ref_id TEXT, amends TEXT, received_at TEXT)")
    started = time.perf_counter()
    rows = _verified_rows(records, store.key.public_key_hex)
    with central.transaction() as tx:
        tx.executemany(f"INSERT INTO {table} ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    elapsed = time.perf_counter() - started
    central.close()
    return elapsed


def _stat(pid: int | str) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process and its children alive now (the server's
    signature-checking helpers) have used so far (Linux ``/proc``; 0.0 elsewhere)."""
    total = 0
    for entry in Path("/proc").iterdir():
        fields = _stat(entry.name) if entry.name.isdigit() else []
        if fields and (entry.name == str(pid) or fields[1] == str(pid)):
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def end_to_end(url: str, store: Store, tmp: Path, count: int) -> tuple[float, int, float, int, float, float]:
    """(seconds, records held, seconds to read the report right after the sync, queue entries
    it found waiting, server CPU seconds during the sync, the client process's CPU seconds)."""
    from sync.central.catchup import pending
    from sync.central.export import central_report
    from tests.sync.helpers import ProcessServer

    with store.write() as conn:  # the laptop forgets earlier runs' receipts: everything unsynced
        conn.execute("DELETE FROM sync_receipts")
    tmp.mkdir(parents=True, exist_ok=True)
    server = ProcessServer(url, tmp).start()
    central = open_central(url)
    p = store.require_profile()
    central.enrol(central.create_token(p.supervisor), p.device, p.supervisor, store.key.public_key_hex)
    store.close()  # the client process opens it
    env = dict(os.environ, SUPERVISOR_TUI_HOME=str(store.home), SUPERVISOR_TUI_SYNC_RETRY_SECONDS="5")
    cmd = [sys.executable, "-m", "supervisor_tui.shell.launch", "sync", "--home", str(store.home),
           "--server", server.url, "--json"]
    try:
        cpu = cpu_seconds(server.proc.pid)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(server.proc.pid) - cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the client process, now waited for
        client_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
        # the governance report read at once (the roster given to the store first, which does
        # not touch the facts): it catches up whatever facts are still queued
        central.import_roster(demo_roster(24), COHORT_NAMES)
        queued = pending(central)
        read = time.perf_counter()
        central_report(central, dt.date.today(), incidents=[])
        report_s = time.perf_counter() - read
        assert out.returncode == 0, out.stderr[-2000:]
        answer = json.loads(out.stdout)
        assert answer["ok"] and answer["accepted"] == count, answer
        held = central.count()
    finally:
        server.stop()
        central.close()
    return elapsed, held, report_s, queued, cpu, client_cpu


def run_backend(name: str, url_factory, count: int, work: Path, repeat: int) -> dict:
    """Best of ``repeat`` runs of each (the machine is shared: the minimum is the least noisy)."""
    template = make_laptop(work / f"{name}-laptop", count)
    floor_s = min(floor(url_factory(), template) for _ in range(repeat))
    old_floor_s = min(floor(url_factory(), template, bare=False) for _ in range(repeat))
    home = template.home
    template.close()
    runs = []
    for i in range(repeat):
        runs.append(end_to_end(url_factory(), Store(home), work / f"{name}-run{i}", count))
    e2e_s, held, report_s, queued, cpu, client_cpu = min(runs)
    result = {"backend": name, "records": count, "seconds": round(e2e_s, 3),
              "records_per_s": round(count / e2e_s), "floor_seconds": round(floor_s, 3),
              "floor_records_per_s": round(count / floor_s), "ratio_to_floor": round(e2e_s / floor_s, 2),
              "old_floor_seconds": round(old_floor_s, 3), "ratio_to_old_floor": round(e2e_s / old_floor_s, 2),
              "held": held, "report_after_push_seconds": round(report_s, 3), "queued_at_report": queued,
              "server_cpu_seconds": round(cpu, 2), "client_cpu_seconds": round(client_cpu, 2)}
    print(f"{name:10} end to end (client process start to exit) {count} records in {e2e_s:.2f} s ="
          f" {count / e2e_s:,.0f} rec/s; bare floor {floor_s:.2f} s = {count / floor_s:,.0f} rec/s;"
          f" ratio {e2e_s / floor_s:.2f}x floor (old floor, real records table: {old_floor_s:.2f} s,"
          f" ratio {e2e_s / old_floor_s:.2f}x)")
    print(f"{'':10} CPU: server {cpu:.2f} s (helpers included), client {client_cpu:.2f} s; the report read right after it: {report_s:.2f} s"
          f" ({queued} facts still queued, caught up by that read)")
    return result


def verify_per_second(count: int = 5000) -> float:
    """Bare PyNaCl verifies per second (context: the machine is shared, figures vary)."""
    import nacl.signing

    key = nacl.signing.SigningKey.generate()
    signed = [key.sign(b"x" * 900) for _ in range(count)]
    verify = key.verify_key.verify
    started = time.perf_counter()
    for message in signed:
        verify(message)
    return count / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--pg-url", default=None, help="an empty PostgreSQL database to use")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the working directory (stores, server logs)")
    args = parser.parse_args()
    from bench.warm import compile_sources

    compile_sources()  # the client's start is timed: as a user's second start, from bytecode
    work = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    try:
        return _run(args, work)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _run(args: argparse.Namespace, work: Path) -> int:
    results = []
    counter = iter(range(1000))
    if not args.skip_sqlite:
        results.append(run_backend("sqlite", lambda: f"sqlite:///{work}/central{next(counter)}.db",
                                   args.records, work, args.repeat))
    cluster = None
    if not args.skip_pg:
        if args.pg_url:
            import psycopg

            def pg_url() -> str:  # a fresh schema per run in the given database
                name = f"bench_{next(counter)}_{int(time.time())}"
                with psycopg.connect(args.pg_url, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}"')
                return args.pg_url.rsplit("/", 1)[0] + "/" + name
        else:
            from tests.pg import PostgresCluster, pg_unavailable

            reason = pg_unavailable()
            if reason:
                print(f"postgresql skipped: {reason}")
            else:
                cluster = PostgresCluster.start(durable=True)
                pg_url = cluster.create_database
        try:
            if args.pg_url or cluster:
                results.append(run_backend("postgresql", pg_url, args.records, work, args.repeat))
        finally:
            if cluster:
                cluster.stop()
    verify_rate = verify_per_second()
    print(f"Ed25519 verify alone on this machine now: {verify_rate:,.0f}/s (one core)")
    goals = {"sqlite": 1.5, "postgresql": 2.0}  # issue 16: ratio to the bare floor
    summary = {
        "benchmark": "sync_push_end_to_end",
        "results": results,
        "ed25519_verify_per_s": round(verify_rate),
        "goal_ratio": goals,
        "goals_met": all(r["ratio_to_floor"] <= goals[r["backend"]] for r in results),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
