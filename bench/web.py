"""Benchmark the governance web view's dashboard and staff page (server time) on a central store
of ``--records`` records, on SQLite and PostgreSQL, against the floor of the same queries run bare.

The central store is built as ``bench/export.py --central ... --bulk`` builds it (a laptop store
with ``--staff`` people and ``--records`` signed bulk records, inserted straight into the central
tables; the fact triggers fire, records are stamped and folded as on a push); ``--cache DIR``
keeps the signed laptop store (``DIR/home-N``, shared with bench/export.py) for the next run.

Server time is one request through the whole ASGI app (session check, the page's reads, Jinja2
rendering, security headers), in process via httpx's ASGI transport, so no socket or client
time is counted. Figures (best of ``--repeat``):

* dashboard, cold: the first view after a record arrived (the governance report is computed);
* dashboard, warm: the report is unchanged since the last view (the store version is checked);
* staff page of S001 (gathering, checking and rendering their whole history, and the access-log row);
* floors: the dashboard's SQL run bare (every statement the governance report runs: summary
  aggregates, first attempts, the latest rows of the people pathways cover, control records; and
  for warm views the version check), and the staff page's (the person's rows, unparsed).

    python bench/web.py [--records 1000000] [--staff 500] [--backend sqlite|postgresql|both] [--cache DIR]

The last line is JSON. Goals (issue 14): dashboard under 500 ms, staff page under 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # bench/sync.py must not shadow sync/

from bench.export import build, bulk_load, grow  # noqa: E402
from storage.store import Store  # noqa: E402

STAFF_ID = "S001"


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(url: str, repeat: int, key) -> dict:
    import httpx

    from sync.central import open_central
    from sync.central.export import CONTROL_SQL, FIELDS, touching_rows
    from sync.central.report_facts import (
        MISSING_SQL,
        WEEKLY_SQL,
        _first_sql,
        _has_null_keys,
        _latest_null_sql,
        _latest_sql,
        _shifts_sql,
        pathway_staff,
    )
    from sync.server.app import create_app
    from sync.web import sessions
    from sync.web.accounts import add_user, complete_setup

    central = open_central(url)
    app = create_app(central, key)  # the key that stamped the records, as on the real server
    web = app.state.web
    try:
        complete_setup(central, add_user(central, "bench-admin", "admin"), "bench password 123")
    except Exception:  # a reused store already has the account
        pass
    cookie, _ = sessions.create(central, "bench-admin", "127.0.0.1", dt.datetime.now(dt.UTC))
    loop = asyncio.new_event_loop()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 9)),
                               base_url="http://bench", cookies={"gs_session": cookie})

    def get(path: str) -> None:
        response = loop.run_until_complete(client.get(path))
        assert response.status_code == 200, (path, response.status_code, response.text[:300])

    def cold() -> None:
        web.reports._cache.clear()
        get("/web/")

    cohort = next(p["cohort"] for p in central.roster()[0] if p["staff_id"] == STAFF_ID)

    def dashboard_floor() -> None:
        """Every statement the report runs (``central_facts.fill_accumulator`` and the control
        records), rows fetched, nothing aggregated or rendered."""
        roster = central.roster()[0]
        with central.reading() as tx:
            pg = bool(tx.rewrite)
            tx.all(f"SELECT {FIELDS} FROM records WHERE kind = 'amendment'")
            control = tx.all(f"SELECT {FIELDS} FROM records WHERE kind IN {CONTROL_SQL}")
            tx.all(WEEKLY_SQL)
            tx.all(MISSING_SQL)
            for null_scenario in (False, True):
                tx.all(_first_sql(pg, null_scenario))
            people = pathway_staff([({"kind": r[1]}, json.loads(r[8])) for r in control], roster)
            for start in range(0, len(people), 500):
                chunk = people[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for kind in ("scenario_check", "note_assessment"):
                    tx.all(_latest_sql(pg, kind, marks), chunk)
                    if _has_null_keys(tx, kind, marks, chunk):
                        tx.all(_latest_null_sql(pg, kind, marks), chunk)
                tx.all(_shifts_sql(pg, marks), chunk)

    def warm_floor() -> None:
        web.reports.version([])

    def staff_floor() -> None:
        with central.reading() as tx:
            touching_rows(tx, STAFF_ID, cohort)

    with central.reading() as tx:
        history = len(touching_rows(tx, STAFF_ID, cohort))
    get("/web/")  # warm the caches of the database
    result = {
        "dashboard_cold_ms": _best(cold, repeat) * 1e3,
        "dashboard_warm_ms": _best(lambda: get("/web/"), repeat) * 1e3,
        "staff_ms": _best(lambda: get(f"/web/staff/{STAFF_ID}"), repeat) * 1e3,
        "dashboard_floor_ms": _best(dashboard_floor, repeat) * 1e3,
        "warm_floor_ms": _best(warm_floor, repeat) * 1e3,
        "staff_floor_ms": _best(staff_floor, repeat) * 1e3,
        "history_records": history,
        "records": central.count(),
    }
    loop.run_until_complete(client.aclose())
    loop.close()
    central.close()
    return result


def report(backend: str, r: dict) -> None:
    print(f"{backend}: {r['records']:,} records; {STAFF_ID} has {r['history_records']:,} records in their history")
    print(f"  dashboard cold {r['dashboard_cold_ms']:.0f} ms (floor {r['dashboard_floor_ms']:.0f} ms, "
          f"{r['dashboard_cold_ms'] / r['dashboard_floor_ms']:.1f}x); warm {r['dashboard_warm_ms']:.1f} ms "
          f"(floor {r['warm_floor_ms']:.1f} ms, {r['dashboard_warm_ms'] / r['warm_floor_ms']:.1f}x); goal under 500 ms")
    print(f"  staff page {r['staff_ms']:.0f} ms (floor {r['staff_floor_ms']:.0f} ms, "
          f"{r['staff_ms'] / r['staff_floor_ms']:.1f}x); goal under 300 ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="bulk records in the central store")
    parser.add_argument("--staff", type=int, default=500, help="roster size")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cache", help="keep the signed laptop store here and reuse it")
    parser.add_argument("--central-url", metavar="URL", help="measure this existing central store instead")
    parser.add_argument("--server-key", metavar="PATH", help="with --central-url: the key that stamped its records")
    args = parser.parse_args()
    if args.central_url:
        from supervisor_tui.model.signing import DeviceKey

        key = DeviceKey.load(Path(args.server_key)) if args.server_key else DeviceKey.generate()
        result = measure(args.central_url, args.repeat, key)
        report("central", result)
        print(json.dumps({"central": result}))
        return 0
    results: dict = {"records": args.records, "staff": args.staff}
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        home = Path(args.cache) / f"home-{args.records}" if args.cache else Path(tmp) / "home"
        reuse = (home / "store.db").exists()
        store = Store(home) if reuse else build(home, args.staff)
        if not reuse:
            started = time.perf_counter()
            grow(store, args.records, seed=7)
            print(f"(signed and stored {args.records:,} records in {time.perf_counter() - started:.1f} s)")
        total = store.conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
        for backend in backends:
            cluster = None
            if backend == "postgresql":
                from tests.pg import PostgresCluster, pg_unavailable

                reason = pg_unavailable()
                if reason:
                    print(f"cannot start PostgreSQL: {reason}")
                    return 1
                cluster = PostgresCluster.start()
                url = cluster.create_database()
            else:
                url = f"sqlite:///{Path(tmp) / 'central.db'}"
            try:
                from supervisor_tui.model.signing import DeviceKey
                from sync.central import open_central
                from sync.central.stamps import stamper_for_key

                central = open_central(url)
                key = DeviceKey.generate()  # the bench server's receipt key: stamps records as they arrive
                central.stamper = stamper_for_key(key)
                started = time.perf_counter()
                bulk_load(central, store, total, {})
                print(f"({backend}: bulk-inserted {central.count():,} records in {time.perf_counter() - started:.1f} s)")
                central.close()
                results[backend] = measure(url, args.repeat, key)
                report(backend, results[backend])
            finally:
                if cluster is not None:
                    cluster.stop()
        store.close()
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
