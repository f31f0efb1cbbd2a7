"""``governance-store verify``: re-check every record the central store holds, in full.

Every record's hash, Ed25519 signature (with its device's enrolled key), author binding, chain
(``seq``/``prev`` per device) and lookup columns are re-checked — stamps are never trusted here.
The store is read in pages of ``PAGE`` records in (device, seq) order, each page in its own short
read transaction, so memory does not follow the store and pushes are not held off. With a
``Stamper`` (the server key is at hand) records that pass and have no verification stamp get
one (a store made before stamps, or bulk-loaded records), and a stamp that does not match a
record that passes is reported: the stamp table was written by someone without the key, or the
server key was replaced. The report's fact table is checked against the records too
(``sync.central.fact_check``), after catching them up (``sync.central.catchup``).
"""

from __future__ import annotations

from typing import Any

from supervisor_tui.model.signing import check_record
from sync.central.stamps import STAMP_SQL, Stamper, insert_stamps

PAGE = 5000
_COLUMNS = ("r.id, r.kind, r.schema, r.author, r.device, r.seq, r.prev, r.created_at, r.body, r.hash, r.sig,"
            f" r.staff_id, r.cohort_id, r.ref_id, r.amends, {STAMP_SQL}")
_FROM = " FROM records r"


def _page(central: Any, after: tuple[str, int] | None) -> list[Any]:
    """The next page in (device, seq) order (the UNIQUE (device, seq) index, keyset paging)."""
    where = " WHERE (r.device, r.seq) > (?, ?)" if after else ""
    with central.reading() as tx:
        return tx.all(f"SELECT {_COLUMNS}{_FROM}{where} ORDER BY r.device, r.seq LIMIT {PAGE}", after or ())


def _acceptance(central: Any) -> Any:
    """record -> why today's acceptance rules refuse it ("" when they accept it)."""
    from supervisor_tui.model.checks import envelope_problem, shipped_body_check
    from sync.central.exclusions import _held_lookup

    check = central.body_check or shipped_body_check()
    held = _held_lookup(central)

    def unfit(record: dict[str, Any]) -> str:
        try:
            problem = envelope_problem(record)
            return problem or "; ".join(check(record, held)[:3])
        except (RecursionError, ValueError, TypeError) as exc:
            return f"cannot be read ({type(exc).__name__})"

    return unfit


def _signature_problems(record: dict[str, Any], public_key: str | None) -> list[str]:
    """Hash and signature problems; a record an older server accepted signed over its own
    non-canonical encoding (a string field ending in a newline) is unusual, not tampered."""
    from supervisor_tui.model.checks import computed_hash
    from supervisor_tui.model.signing import verify_signature

    problems = check_record(record, public_key)
    if problems and public_key:
        data, digest, _ = computed_hash(record, strict_json=True)
        if data is not None and digest == record["hash"] and verify_signature(public_key, data, record["sig"]):
            return []  # intact as signed; the envelope check names what is unusual about it
    return problems


def verify_store(central: Any, stamper: Stamper | None = None, key_path: str | None = None) -> Any:
    """A ``CentralVerifyReport`` over every held record; stamps missing ones when ``stamper``.

    When the stamps were made with other receipt keys than ``stamper``'s (a key from another
    machine or an old one), that is said once and stamps are neither checked nor filled."""
    from sync.central import fact_check
    from sync.central.catchup import catch_up
    from sync.central.exclusions import excluded
    from sync.central.rows import CentralVerifyReport, _index, row_to_record

    report = CentralVerifyReport()
    from sync.central.stamps import note_stamp_key, stamp_keys

    used = stamp_keys(central)
    if stamper is not None and used and stamper.public_key not in used:
        report.problems.append(
            f"verification stamps were made by receipt key {', '.join(k[:16] + '…' for k in used)}; the key at"
            f" {key_path or 'hand'} is {(stamper.public_key or '?')[:16]}… (pass --key with the server's receipt"
            " key): stamps were not checked")
        stamper = None
    elif stamper is not None:
        note_stamp_key(central, stamper.public_key)
    skip = excluded(central)
    acceptance = _acceptance(central)
    facts = bool(central.summary_ready)  # the fact table exists (a store made before it: skipped)
    if facts:
        catch_up(central)  # the facts of every record committed by now, as every reader does
        amended = fact_check.amendments(central)
    with central.reading() as tx:
        devices = {d: (s, k) for d, s, k in tx.all("SELECT device, supervisor, public_key FROM devices")}
    report.devices = len(devices)
    last: dict[str, tuple[int, str]] = {}
    after: tuple[str, int] | None = None
    while True:
        rows = _page(central, after)
        if not rows:
            if facts:
                report.problems += [f"report fact row {h} has no record" for h in fact_check.orphans(central)]
            return report
        new_stamps: list[tuple[str, str]] = []
        page = [row_to_record(row[:11]) for row in rows]
        fact_problems = fact_check.check_page(central, page, amended) if facts else {}
        for row, record in zip(rows, page, strict=True):
            report.count += 1
            label = f"device {record['device']} seq {record['seq']} (id {record['id']})"
            owner = devices.get(record["device"])
            problems = _signature_problems(record, owner[1] if owner else None)
            if owner and owner[0] != record["author"]:
                problems.append(f"author {record['author']} is not the device's supervisor {owner[0]}")
            prev_seq, prev_hash = last.get(record["device"], (0, ""))
            if record["seq"] != prev_seq + 1:
                problems.append(f"chain gap: seq {prev_seq + 1} expected")
            if record["prev"] != prev_hash:
                problems.append("chain broken: prev does not match the previous record's hash")
            if tuple(row[11:15]) != _index(record):
                problems.append("lookup columns do not match the signed body")
            stamp = row[15]
            if stamper is not None and owner and not problems:
                if stamp is None:
                    new_stamps.append((record["hash"], stamper.stamp(record["hash"], record["sig"], owner[1])))
                elif not stamper.matches(stamp, record["hash"], record["sig"], owner[1]):
                    problems.append("verification stamp does not match (the stamp table was changed or the"
                                    " server key was replaced); exports fully re-verify this record")
            if record["hash"] in skip:
                report.excluded += 1
            else:
                if record["hash"] in fact_problems:
                    problems.append(fact_problems[record["hash"]])
                unfit = acceptance(record)
                if unfit:
                    problems.append(f"does not fit its kind: {unfit}; set it aside"
                                    " with `governance-store quarantine-invalid`")
            last[record["device"]] = (record["seq"], record["hash"])
            report.problems += [f"{label}: {p}" for p in problems]
        if new_stamps:
            with central.transaction() as tx:
                insert_stamps(tx, new_stamps)
            report.stamped += len(new_stamps)
        after = (rows[-1][4], rows[-1][5])
