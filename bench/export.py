"""Benchmark the per-staff export and the governance report on a local SQLite store.

Builds a store (demo roster of ``--staff`` people, the demo story, then ``--records`` bulk
records in two steps: a quarter, then the rest), and after each step measures in a FRESH child
process (so peak RSS belongs to the measured work only):

* one person's history export as JSON (evidence pack) and HTML, against a floor: a bare
  ``SELECT`` of that person's rows (``Store.records_touching``'s plain query, no parsing);
* the full cohort report (all cohorts, streamed), against a floor: a bare streamed
  ``SELECT`` of every record row in time order;
* peak RSS of each child, to show memory does not grow with the store.

The issue's real target is the central store with 1,000,000 records on SQLite and PostgreSQL;
see docs/benchmarks.md for how to run it there. The last line is JSON.

    python -m bench.export [--records 100000] [--staff 500] [--central sqlite|postgresql]

With ``--central`` the same records are pushed (and checked) into a central store, a SQLite
file or a throwaway PostgreSQL 15 cluster, and the figures are for ``governance-store export``
and ``report`` (``sync.central.export``). ``--bulk`` inserts the signed records
straight into the central tables instead (``bench.central_load``: ``executemany`` on SQLite,
``COPY`` on PostgreSQL; the fact-table triggers fire, and each batch is stamped with the bench's
server key and folded into the report's summary tables, as on a push; the checks are skipped), and
``--cache DIR`` keeps the signed laptop store (``DIR/home-N``) to reuse on the next run, so a
1,000,000-record central store takes minutes, not an hour:

    python -m bench.export --central postgresql --bulk --cache /tmp/bench-cache --records 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

# Run as `python bench/x.py`, sys.path[0] is bench/, whose sync.py would shadow the sync
# package: look in the repository instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])
# Bench stores seal their keys under a throwaway passphrase (never a real one).
os.environ.setdefault("SUPERVISOR_TUI_PASSPHRASE", "bench passphrase, not a secret")

from storage.demo import bulk_items, ensure_demo_roster, load_story  # noqa: E402
from storage.store import RECORD_COLUMNS, Store  # noqa: E402


def build(home: Path, staff: int) -> Store:
    store = Store(home)
    store.init_profile("SUP01", "Bench Supervisor")
    ensure_demo_roster(store, staff)
    load_story(store, dt.datetime.now(dt.UTC) - dt.timedelta(days=31))
    return store


def grow(store: Store, count: int, seed: int) -> None:
    items = bulk_items(store, count, dt.datetime.now(dt.UTC), seed=seed)
    while True:
        chunk = [item for _, item in zip(range(20_000), items, strict=False)]
        if not chunk:
            return
        store.append_many(chunk)


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_rss_mb() -> float:
    """Peak RSS of this process since exec (VmHWM; ru_maxrss would include the forked parent's)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(home: Path, staff_id: str, what: str, repeat: int) -> dict:
    """Run in a child process: time one operation and report peak RSS."""
    from storage.export import render_local
    from storage.report_local import local_report

    store = Store(home)
    today = dt.date.today()
    if what == "history_floor":
        cohort = store.staff(staff_id)["cohort_id"]
        sql = (f"SELECT {', '.join(RECORD_COLUMNS)} FROM records"
               " WHERE staff_id = ? OR (cohort_id IS NOT NULL AND cohort_id = ?) ORDER BY rowid")
        seconds = best(lambda: store.conn.execute(sql, (staff_id, cohort)).fetchall(), repeat)
    elif what in ("json", "html"):
        seconds = best(lambda: render_local(store, staff_id, what), repeat)
    elif what == "report_floor":
        def scan():
            cursor = store.conn.execute(f"SELECT {', '.join(RECORD_COLUMNS)} FROM records"
                                        " ORDER BY created_at, device, seq")
            while cursor.fetchmany(2000):
                pass
        seconds = best(scan, repeat)
    else:
        seconds = best(lambda: local_report(store, today), repeat)
    rss = peak_rss_mb()
    records = len(store.records_touching(staff_id)) if what in ("json", "html") else None
    python_peak = None
    if what in ("json", "html", "report"):
        tracemalloc.start()
        if what == "report":
            local_report(store, today)
        else:
            render_local(store, staff_id, what)
        python_peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return {"seconds": seconds, "peak_rss_mb": rss, "python_peak_mb": python_peak, "history_records": records}


def measure_central(url: str, staff_id: str, what: str, repeat: int) -> dict:
    """Run in a child process against the central store at ``url``."""
    from supervisor_tui.reports.evidence import render_history
    from sync.central import open_central
    from sync.central.export import central_report, gather_central

    central = open_central(url)
    if SERVER_KEY:  # as governance-store export does with the server key at hand
        from supervisor_tui.model.signing import DeviceKey
        from sync.central.stamps import stamper_for_key

        central.stamper = stamper_for_key(DeviceKey.load(Path(SERVER_KEY)))
    today = dt.date.today()
    cohort = next(p["cohort"] for p in central.roster()[0] if p["staff_id"] == staff_id)
    cols = "id, kind, schema, author, device, seq, prev, created_at, body, hash, sig"
    if what == "history_floor":
        def floor():
            with central.reading() as tx:
                tx.all(f"SELECT {cols} FROM records WHERE staff_id = ? OR (cohort_id IS NOT NULL AND cohort_id = ?)",
                       (staff_id, cohort))
        seconds = best(floor, repeat)
    elif what in ("json", "html"):
        seconds = best(lambda: render_history(gather_central(central, staff_id), what), repeat)
    elif what == "report_floor":
        def scan():
            with central.reading() as tx:
                if tx.rewrite:
                    with tx.conn.cursor(name="floor") as cursor:
                        cursor.execute(f"SELECT {cols} FROM records ORDER BY created_at, device, seq")
                        while cursor.fetchmany(5000):
                            pass
                else:
                    cursor = tx.execute(f"SELECT {cols} FROM records ORDER BY created_at, device, seq")
                    while cursor.fetchmany(5000):
                        pass
        seconds = best(scan, repeat)
    else:
        seconds = best(lambda: central_report(central, today, incidents=[]), repeat)
    rss = peak_rss_mb()
    python_peak = records = None
    if what in ("json", "html", "report"):
        tracemalloc.start()
        if what == "report":
            central_report(central, today, incidents=[])
        else:
            inputs = gather_central(central, staff_id)
            records = len(inputs.records)
            render_history(inputs, what)
        python_peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    central.close()
    return {"seconds": seconds, "peak_rss_mb": rss, "python_peak_mb": python_peak, "history_records": records}


CENTRAL_URL: str | None = None
SERVER_KEY: str | None = None


def child(home: Path, staff_id: str, what: str, repeat: int) -> dict:
    target = (["--central-url", CENTRAL_URL, "--server-key", SERVER_KEY or ""] if CENTRAL_URL
              else ["--home", str(home)])
    out = subprocess.run([sys.executable, "-m", "bench.export", "--child", what, *target,
                          "--person", staff_id, "--repeat", str(repeat)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def push_to_central(central, store: Store, done: dict) -> None:
    """Push the laptop's records the central store does not hold yet (batches of 5,000)."""
    profile = store.require_profile()
    info = done.get("info")
    if info is None:
        central.import_roster(store.roster(), {c["cohort_id"]: c["name"] for c in store.cohorts()})
        info = done["info"] = central.enrol(central.create_token(profile.supervisor), profile.device,
                                            profile.supervisor, store.key.public_key_hex)
    head = central.head(profile.device)[0]
    while True:
        rows = store._select("WHERE device = ? AND seq > ?", (profile.device, head), "seq")[:5000]
        if not rows:
            return
        central.push(info, rows)
        head = rows[-1]["seq"]


def bulk_load(central, store: Store, upto: int, done: dict) -> None:
    """Insert the laptop's records with ``seq <= upto`` the central store does not hold yet,
    straight into its tables (``bench.central_load``: executemany / COPY, triggers fire, no
    signature checks) — the fast way to a million-record central store."""
    from bench.central_load import bulk_insert

    profile = store.require_profile()
    if "info" not in done:
        central.import_roster(store.roster(), {c["cohort_id"]: c["name"] for c in store.cohorts()})
        done["info"] = central.enrol(central.create_token(profile.supervisor), profile.device,
                                     profile.supervisor, store.key.public_key_hex)
    head = central.head(profile.device)[0]

    def rows():
        after = head
        while after < upto:
            chunk = store._select("WHERE device = ? AND seq > ? AND seq <= ?", (profile.device, after, upto),
                                  "seq LIMIT 20000")
            if not chunk:
                return
            yield from chunk
            after = chunk[-1]["seq"]

    bulk_insert(central, rows(), dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    if central.url.startswith("postgresql"):
        # PostgreSQL plans from statistics its autovacuum refreshes a while after a load this size;
        # measure the store as it is then, not in the minute after a million-row COPY (a first
        # history at 250,000 records took 178 ms on the stale statistics)
        with central.transaction() as tx:
            tx.execute("ANALYZE")


def run_step(home: Path, staff_id: str, total: int) -> dict:
    result = {"records": total}
    for what, repeat in (("history_floor", 5), ("json", 5), ("html", 5), ("report_floor", 2), ("report", 1)):
        result[what] = child(home, staff_id, what, repeat)
    h, j, m = result["history_floor"], result["json"], result["html"]
    r, rf = result["report"], result["report_floor"]
    print(f"store of {total:,} records; person {staff_id} has {j['history_records']} records in their history")
    print(f"  history JSON {j['seconds'] * 1e3:.1f} ms, HTML {m['seconds'] * 1e3:.1f} ms; floor (bare SELECT) "
          f"{h['seconds'] * 1e3:.2f} ms; ratio JSON {j['seconds'] / h['seconds']:.0f}x  (goal: under 100 ms)")
    print(f"  full report {r['seconds']:.2f} s; floor (bare streamed SELECT of every row) {rf['seconds']:.2f} s; "
          f"ratio {r['seconds'] / rf['seconds']:.1f}x  (goal: under 2 s)")
    print(f"  Python heap peak: history JSON {j['python_peak_mb']:.1f} MB, HTML {m['python_peak_mb']:.1f} MB, "
          f"report {r['python_peak_mb']:.1f} MB")
    print(f"  peak RSS (local SQLite: includes its page cache, capped at 64 MiB): history JSON {j['peak_rss_mb']:.0f} MB,"
          f" HTML {m['peak_rss_mb']:.0f} MB, report {r['peak_rss_mb']:.0f} MB (floor process {h['peak_rss_mb']:.0f} MB)")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="bulk records at the last step")
    parser.add_argument("--staff", type=int, default=500, help="roster size")
    parser.add_argument("--central", choices=("sqlite", "postgresql"),
                        help="measure the central store (records pushed from the bench laptop)")
    parser.add_argument("--bulk", action="store_true",
                        help="with --central: insert the signed records straight into the central tables "
                             "(executemany / COPY) instead of pushing them through the checks")
    parser.add_argument("--cache", help="keep the signed laptop store here and reuse it (with --bulk)")
    parser.add_argument("--central-url", help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--server-key", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    parser.add_argument("--person", default="S001", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    global CENTRAL_URL, SERVER_KEY
    if args.child:
        SERVER_KEY = args.server_key or None
        if args.central_url:
            print(json.dumps(measure_central(args.central_url, args.person, args.child, args.repeat)))
        else:
            print(json.dumps(measure(Path(args.home), args.person, args.child, args.repeat)))
        return 0
    cluster = central = None
    pushed: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        home = Path(args.cache) / f"home-{args.records}" if args.cache else Path(tmp) / "home"
        reuse = args.bulk and (home / "store.db").exists()
        store = Store(home) if reuse else build(home, args.staff)
        if args.central == "postgresql":
            from tests.pg import PostgresCluster, pg_unavailable

            reason = pg_unavailable()
            if reason:
                print(f"cannot start PostgreSQL: {reason}")
                return 1
            cluster = PostgresCluster.start()
            CENTRAL_URL = cluster.create_database()
        elif args.central == "sqlite":
            CENTRAL_URL = f"sqlite:///{Path(tmp) / 'central.db'}"
        if CENTRAL_URL:
            from supervisor_tui.model.signing import DeviceKey
            from sync.central import open_central
            from sync.central.stamps import stamper_for_key

            central = open_central(CENTRAL_URL)
            key = DeviceKey.generate()  # the bench server's key: stamps records as they arrive
            SERVER_KEY = str(Path(tmp) / "server.key")
            key.save(Path(SERVER_KEY))
            central.stamper = stamper_for_key(key)
        steps = []
        done = 0
        base = 0
        if args.bulk and central is not None:
            if not reuse:
                started = time.perf_counter()
                grow(store, args.records, seed=7)
                print(f"(signed and stored {args.records:,} records in {time.perf_counter() - started:.1f} s)")
            base = store.conn.execute("SELECT COUNT(*) FROM records").fetchone()[0] - args.records
            if base < 0:
                print(f"{home} holds fewer than {args.records:,} bulk records; delete it")
                return 1
        for index, target in enumerate((args.records // 4, args.records)):
            if args.bulk and central is not None:
                started = time.perf_counter()
                bulk_load(central, store, base + target, pushed)
                print(f"(bulk-inserted into the central store up to {base + target:,} records in "
                      f"{time.perf_counter() - started:.1f} s)")
                done = target
                steps.append(run_step(home, "S001", central.count()))
                continue
            started = time.perf_counter()
            grow(store, target - done, seed=7 + index)
            print(f"(signed and stored {target - done:,} more records in {time.perf_counter() - started:.1f} s)")
            if central is not None:
                started = time.perf_counter()
                push_to_central(central, store, pushed)
                print(f"(pushed to the central store in {time.perf_counter() - started:.1f} s)")
            done = target
            total = store.conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]
            steps.append(run_step(home, "S001", total))
        store.close()
        if central is not None:
            central.close()
        if cluster is not None:
            cluster.stop()
    small, large = steps
    growth = large["records"] / small["records"]
    rss_growth = large["report"]["peak_rss_mb"] / small["report"]["peak_rss_mb"]
    heap_growth = large["report"]["python_peak_mb"] / small["report"]["python_peak_mb"]
    print(f"store grew {growth:.1f}x; report Python heap peak grew {heap_growth:.2f}x, RSS {rss_growth:.2f}x "
          f"(report memory independent of store size: {'yes' if heap_growth < 1.5 else 'NO'})")
    print(json.dumps({
        "benchmark": "export", "backend": f"central-{args.central}" if args.central else "sqlite-local",
        "staff": args.staff,
        "steps": [{
            "records": s["records"], "history_records": s["json"]["history_records"],
            "history_json_ms": round(s["json"]["seconds"] * 1e3, 2),
            "history_html_ms": round(s["html"]["seconds"] * 1e3, 2),
            "history_floor_ms": round(s["history_floor"]["seconds"] * 1e3, 3),
            "history_ratio": round(s["json"]["seconds"] / s["history_floor"]["seconds"], 1),
            "report_s": round(s["report"]["seconds"], 3), "report_floor_s": round(s["report_floor"]["seconds"], 3),
            "report_ratio": round(s["report"]["seconds"] / s["report_floor"]["seconds"], 2),
            "rss_mb": {k: round(s[k]["peak_rss_mb"], 1) for k in ("history_floor", "json", "html", "report")},
            "python_heap_mb": {k: round(s[k]["python_peak_mb"], 2) for k in ("json", "html", "report")},
        } for s in steps],
        "report_rss_growth": round(rss_growth, 2), "report_heap_growth": round(heap_growth, 2),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
