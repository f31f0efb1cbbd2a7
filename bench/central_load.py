"""Central store load: many laptops pushing at once to several server instances on one
PostgreSQL (run it), and ``bulk_insert``, a helper of other benchmarks and tests.

    .venv/bin/python bench/central_load.py [--laptops 200] [--records 200] [--instances 2] [--rounds 3]

Run: a throwaway PostgreSQL 15 cluster (fsync on), ``--instances`` real ``governance-store
serve`` processes on it sharing one receipt key, and ``--laptops`` laptop stores (each its own
supervisor and team of five staff, ``--records`` signed records, enrolled) that all start
``sync_store`` at the same moment, spread over the instances and over client processes; then,
``--rounds`` times in all, every laptop signs ``--records`` more and they all sync at once again.
Per round it prints throughput, push batch latency (p50/p99: a batch sent until its answer,
waiting for a busy server included), per-laptop sync latency (push plus pull), errors, the
records held against those sent, and each instance's RSS after the round and its peak: memory
is flat when the RSS after the last round is within 10% of the RSS after round 2 (round 1
builds the working set: pools, threads, allocator arenas). The last line is JSON.

``bulk_insert``: already signed records straight into a central store's ``records`` table, for
benchmarks and tests only: the records are NOT re-checked (a real store accepts records only
through ``CentralStore.push``). Rows are written as ``push`` writes them (body as canonical JSON,
lookup columns from ``index_columns``) with ``executemany`` on SQLite and ``COPY`` on
PostgreSQL, so the database's own triggers (append-only) fire as on a push; their report facts
are queued in the same transaction as a push queues them, and caught up (derived and folded into
the report's summary tables, ``sync.central.catchup``) after each batch, so they are ready when
it returns; when the store has a stamper (the bench's stand-in server key), the rows are
stamped, as a push does.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as `python bench/central_load.py`: bench/sync.py must not shadow sync
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from storage.store import index_columns  # noqa: E402
from sync.central.catchup import catch_up, queue  # noqa: E402
from sync.central.facts import WORK_KINDS  # noqa: E402

COLUMNS = ("id", "kind", "schema", "author", "device", "seq", "prev", "created_at", "body", "hash", "sig",
           "staff_id", "cohort_id", "ref_id", "amends", "received_at", "stamp")
_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode


def record_row(record: dict[str, Any], received_at: str, stamp: str | None = None) -> tuple:
    body = record["body"]
    return (record["id"], record["kind"], record["schema"], record["author"], record["device"], record["seq"],
            record["prev"], record["created_at"], _ENCODE(body), record["hash"], record["sig"],
            *index_columns(record["kind"], body), received_at, stamp)


def bulk_insert(central: Any, records: Iterable[dict[str, Any]], received_at: str, batch: int = 50_000) -> int:
    """Insert ``records`` (full envelopes) in batches of ``batch``; returns how many."""
    count = 0
    rows: list[tuple] = []

    def flush() -> None:
        if not rows:
            return
        stamper = getattr(central, "stamper", None)
        with central.transaction() as tx:
            if stamper is not None:  # as push stamps, in the row (keys by device from the devices table)
                keys = dict(tx.all("SELECT device, public_key FROM devices"))
                rows[:] = [(*row[:-1], stamper.stamp(row[9], row[10], keys[row[4]])) for row in rows]
            if tx.rewrite:
                with tx.conn.cursor() as cur, cur.copy(f"COPY records ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                tx.executemany(f"INSERT INTO records ({', '.join(COLUMNS)}) VALUES ({','.join('?' * len(COLUMNS))})",
                               rows)
            queue(tx, [row[9] if row[1] in WORK_KINDS else row[14] for row in rows  # as push queues them
                       if row[1] in WORK_KINDS or (row[1] == "amendment" and row[14])])
        catch_up(central, chunk=batch)  # as every reader does first
        rows.clear()

    for record in records:
        rows.append(record_row(record, received_at))
        count += 1
        if len(rows) >= batch:
            flush()
    flush()
    return count


# -- the load run -----------------------------------------------------------------------------
def _make_laptops(task: tuple[str, list[int], int]) -> list[tuple[str, str, str, str]]:
    """Build laptops (in a worker process): (home, supervisor, device, public key) each."""
    from tests.sync.helpers import make_laptop

    work, numbers, records = task
    out = []
    for n in numbers:
        store = make_laptop(Path(work) / f"laptop{n}", f"SUP{n:04d}", records, seed=n, team=f"T{n:04d}")
        p = store.require_profile()
        out.append((str(store.home), p.supervisor, p.device, store.key.public_key_hex))
        store.close()
    return out


def _grow_laptops(task: tuple[list[str], int, int]) -> int:
    """Give every laptop (in a worker process) ``records`` more signed records for the next round."""
    import datetime as dt

    from storage.demo import bulk_items
    from storage.store import Store

    homes, records, round_no = task
    now = dt.datetime.now(dt.UTC) + dt.timedelta(days=round_no)  # after the records of earlier rounds
    for n, home in enumerate(homes):
        store = Store(Path(home))
        store.unlock(os.environ["SUPERVISOR_TUI_PASSPHRASE"])
        store.append_many(list(bulk_items(store, records, now, seed=round_no * 100_003 + n)))
        store.close()
    return len(homes)


def _push(task: tuple[list[tuple[str, str]], float]) -> list[dict[str, Any]]:
    """Every laptop of this client process syncs at ``start_at`` on its own thread."""
    from concurrent.futures import ThreadPoolExecutor

    from storage.store import Store
    from sync.client import sync_store

    jobs, start_at = task
    stores = [(Store(Path(home)), url) for home, url in jobs]
    for store, _ in stores:
        store.unlock(os.environ["SUPERVISOR_TUI_PASSPHRASE"])

    def one(item: tuple[Any, str]) -> dict[str, Any]:
        store, url = item
        time.sleep(max(0.0, start_at - time.time()))
        started = time.perf_counter()
        batches: list[float] = []  # seconds from sending each push batch to its answer
        mark = [started]

        def progress(event: Any) -> None:  # "N record(s) to send", then "sent X of Y" per batch
            now = time.perf_counter()
            if event.message.startswith("sent "):
                batches.append(now - mark[0])
            if event.message.startswith("sent ") or event.message.endswith("to send"):
                mark[0] = now

        try:
            result = sync_store(store, url, progress=progress, retry_budget=120)
            ok, accepted, message = result.ok, result.accepted, result.message
        except Exception as exc:  # a crash is counted as an error, not hidden
            ok, accepted, message = False, 0, f"{type(exc).__name__}: {exc}"
        ended = time.perf_counter()
        return {"ok": ok, "accepted": accepted, "message": message, "seconds": ended - started,
                "ended": time.time(), "batches": batches, "after_push": ended - mark[0] if batches else 0.0}

    with ThreadPoolExecutor(len(stores) or 1) as pool:
        results = list(pool.map(one, stores))
    for store, _ in stores:
        store.close()
    return results


def _rss_mb(pid: int) -> dict[str, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {k: int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM")}


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def _round(ctx: Any, args: argparse.Namespace, jobs: list[tuple[str, str]], servers: list[Any],
           central: Any, round_no: int, sent_before: int) -> dict[str, Any]:
    """All laptops sync at once; throughput, latencies, errors and each instance's RSS."""
    start_at = time.time() + 3.0
    with ctx.Pool(args.clients) as pool:
        parts = pool.map(_push, [(jobs[i::args.clients], start_at) for i in range(args.clients)])
    results = [r for part in parts for r in part]
    wall = max(r["ended"] for r in results) - start_at
    rss = [_rss_mb(s.proc.pid) for s in servers]
    errors = [r["message"] for r in results if not r["ok"]]
    sent = args.laptops * args.records
    held = central.count() - sent_before
    latencies = [r["seconds"] for r in results]
    batches = [b for r in results for b in r["batches"]]
    pulls = [r["after_push"] for r in results if r["batches"]]  # the last answer to the end: the pull
    out = {"round": round_no, "records_per_s": round(sent / wall), "seconds": round(wall, 2),
           "sync_p50_s": round(statistics.median(latencies), 3), "sync_p99_s": round(_p(latencies, 0.99), 3),
           "batch_p50_s": round(_p(batches, 0.5), 3), "batch_p99_s": round(_p(batches, 0.99), 3),
           "batches": len(batches), "pull_p50_s": round(_p(pulls, 0.5), 3), "pull_p99_s": round(_p(pulls, 0.99), 3),
           "errors": len(errors), "held": held, "sent": sent,
           "rss_mb": [round(r["VmRSS"], 1) for r in rss], "peak_mb": [round(r["VmHWM"], 1) for r in rss]}
    print(f"round {round_no}: {args.laptops} laptops x {args.records} records at once to {args.instances} instances:"
          f" {out['records_per_s']:,} records/s ({wall:.1f} s); push batch p50 {out['batch_p50_s']:.2f} s,"
          f" p99 {out['batch_p99_s']:.2f} s ({len(batches)} batches); per-laptop sync p50 {out['sync_p50_s']:.2f} s,"
          f" p99 {out['sync_p99_s']:.2f} s (of it after the push, the pull: p50 {out['pull_p50_s']:.2f} s,"
          f" p99 {out['pull_p99_s']:.2f} s); errors {len(errors)}; held {held} of {sent}")
    print("  instance RSS after the round: " + ", ".join(
        f"{r['VmRSS']:.0f} MB (peak {r['VmHWM']:.0f})" for r in rss))
    for message in sorted(set(errors))[:5]:
        print(f"  error: {message}")
    return out


def main() -> int:
    import multiprocessing

    from tests.pg import PostgresCluster, pg_unavailable
    from tests.sync.helpers import ProcessServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laptops", type=int, default=200)
    parser.add_argument("--records", type=int, default=200, help="records each laptop pushes in each round")
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of every laptop syncing at once (new records each round): memory must stay flat")
    parser.add_argument("--clients", type=int, default=4, help="client processes the laptops are spread over")
    parser.add_argument("--keep", action="store_true", help="keep the working directory (laptop stores, server logs)")
    args = parser.parse_args()
    os.environ.setdefault("SUPERVISOR_TUI_PASSPHRASE", "bench passphrase, not a secret")
    os.environ["SUPERVISOR_TUI_INSECURE_TEST_KDF"] = "1"  # 200 bench laptops: the minimum KDF
    reason = pg_unavailable()
    if reason:
        print(f"postgresql unavailable: {reason}")
        return 1
    from sync.central import open_central

    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    cluster = PostgresCluster.start(durable=True)
    servers: list[Any] = []
    rounds: list[dict[str, Any]] = []
    try:
        url = cluster.create_database()
        central = open_central(url)
        ctx = multiprocessing.get_context("spawn")
        started = time.perf_counter()
        numbers = list(range(args.laptops))
        with ctx.Pool(args.clients) as pool:
            built = [x for part in pool.map(_make_laptops, [(str(work), numbers[i::args.clients], args.records)
                                                             for i in range(args.clients)]) for x in part]
        seen: set[str] = set()
        for index, (home, sup, device, key) in enumerate(built):
            while device in seen:  # (ids made before main's 48-random-bit ids collided now and then
                # when 200 laptops were made at once): remake the laptop
                shutil.rmtree(home)
                home, sup, device, key = built[index] = _make_laptops(
                    (str(work), [int(Path(home).name.removeprefix("laptop"))], args.records))[0]
            seen.add(device)
            central.enrol(central.create_token(sup), device, sup, key)
        print(f"built {len(built)} laptops x {args.records} records in {time.perf_counter() - started:.0f} s")
        servers = [ProcessServer(url, work).start() for _ in range(args.instances)]
        before = [_rss_mb(s.proc.pid) for s in servers]
        print("  instance RSS at start: " + ", ".join(f"{b['VmRSS']:.0f} MB (peak {b['VmHWM']:.0f})" for b in before))
        jobs = [(home, servers[i % len(servers)].url) for i, (home, *_rest) in enumerate(built)]
        homes = [home for home, *_rest in built]
        for round_no in range(1, args.rounds + 1):
            if round_no > 1:
                started = time.perf_counter()
                with ctx.Pool(args.clients) as pool:
                    pool.map(_grow_laptops, [(homes[i::args.clients], args.records, round_no)
                                             for i in range(args.clients)])
                print(f"  (signed {args.records} more records on each laptop in {time.perf_counter() - started:.0f} s)")
            rounds.append(_round(ctx, args, jobs, servers, central, round_no,
                                 (round_no - 1) * args.laptops * args.records))
        held = central.count()
        central.close()
    finally:
        for server in servers:
            server.stop()
        cluster.stop()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)  # 200 laptop stores: about 250 MB
    sent = args.laptops * args.records * args.rounds
    errors = sum(r["errors"] for r in rounds)
    last = rounds[-1]["rss_mb"]
    # flat: the first round builds the working set (connection pool, threads, caches, allocator
    # arenas); after it, the RSS after the last round is within 10% of that after round 2
    base_round = rounds[1] if len(rounds) >= 3 else rounds[0]
    base = base_round["rss_mb"]
    flat = all(b <= a * 1.10 for a, b in zip(base, last, strict=True))
    print(f"{args.rounds} rounds: errors {errors}; held {held} of {sent}; instance RSS after each round: "
          + "; ".join(f"instance {i + 1} " + " -> ".join(f"{r['rss_mb'][i]:.0f}" for r in rounds) + " MB"
                      for i in range(len(servers)))
          + f" (flat, last within 10% of round {base_round['round']}: {'yes' if flat else 'NO'})")
    print(json.dumps({"benchmark": "central_load", "laptops": args.laptops, "records": args.records,
                      "instances": args.instances, "rounds": rounds, "errors": errors, "held": held, "sent": sent,
                      "rss_start_mb": [round(b["VmRSS"], 1) for b in before], "memory_flat": flat,
                      "ok": not errors and held == sent}))
    return 0 if not errors and held == sent else 1


if __name__ == "__main__":
    raise SystemExit(main())
