"""`make bench`: issue 15's figures, SQLite and PostgreSQL side by side, in one table.

    python -m benchmarks.bench [--quick] [--postgres-url URL] [--skip-postgres]

Every figure is a ratio or a rate measured in this run, so it holds on a loaded machine
better than a time would: a submission is divided by the Argon2id derivation measured
between the submissions, throughput by the CPU limit that Argon2's own CPU time sets. The
reporter figures come from outside, over HTTP, against `aktsom serve` (gunicorn) on
127.0.0.1, started and stopped here; the case list, supplier dashboard and annual figures run
the services in-process on databases filled with bulk inserts of synthetic rows (sealed
columns hold random bytes of the real size: nothing is decrypted in those paths).

It asserts nothing about time and never fails on a slow machine; it fails only if something
does not work (a report not stored, a server that does not start). `--quick` runs every path
with tiny sizes (tests/foundation/test_bench.py runs it so the bench cannot rot).
docs/performance.md records the figures and how to read them.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session, sessionmaker

import admin
from benchmarks import case_list_bench, large_file_bench, server_bench, suppliers_bench
from config import load_settings
from crypto import PRODUCTION_ARGON2, Argon2Params, derive_key, new_salt
from crypto.kdf import _derive_argon2_cffi, _derive_libsodium
from portal.cases.listing import CaseFilters, PageCursor, list_cases, page_query
from portal.db import make_engine, new_id, utcnow
from portal.models import CaseStat, OrgUnit
from portal.schema import upgrade
from portal.states import Channel, Outcome

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CODE = b"K7QM2XPD9RTFH4BN8WJC"
_PYNACL = metadata.version("pynacl")
# Cheap costs to check that the paths run (tests): one pass over 64 KiB, four lanes possible.
CHEAP_ARGON2 = Argon2Params(time_cost=1, memory_cost_kib=64, parallelism=1)


@dataclass(frozen=True)
class Sizes:
    runs: int = 15  # sequential submissions and follow-ups (each after one warm-up)
    photo_runs: int = 8
    photo_bytes: int = 1024 * 1024
    concurrency: int = 16
    concurrent_reports: int = 96  # per throughput run, bounded by concurrent_seconds too
    concurrent_seconds: float = 60.0
    companies: int = 50
    cases: int = 100_000
    list_runs: int = 5
    suppliers: int = 10_000
    statistics_rows: int = 1_000_000
    large_file_bytes: int = 256 * 1024 * 1024  # one upload over HTTP, issue 15 §6
    large_file_runs: int = 3


QUICK = Sizes(runs=2, photo_runs=1, photo_bytes=64 * 1024, concurrency=2,
              concurrent_reports=4, concurrent_seconds=30.0, companies=3, cases=300,
              list_runs=1, suppliers=40, statistics_rows=2_000,
              large_file_bytes=4 * 1024 * 1024, large_file_runs=1)


@dataclass
class Figures:
    """One backend's column of the table: name -> (shown value, detail)."""

    backend: str
    cells: dict[str, tuple[str, str]] = field(default_factory=dict)

    def put(self, name: str, value: str, detail: str = "") -> None:
        self.cells[name] = (value, detail)


def _p50(values: list[float]) -> float:
    return sorted(values)[len(values) // 2] if len(values) % 2 else \
        sum(sorted(values)[len(values) // 2 - 1:len(values) // 2 + 1]) / 2


def _cpu_and_wall(action: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of `action`; CPU of the whole process, so that Argon2's lane
    threads count (nothing else runs in this process meanwhile)."""
    cpu, wall = time.process_time(), time.perf_counter()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


# --- Argon2id: the floor -----------------------------------------------------------------


def argon2_implementations(params: Argon2Params, runs: int) -> list[tuple[str, float, float]]:
    """(implementation, wall p50 ms, CPU p50 ms) side by side; each checked to give the same
    bytes as the others at p=1 (the known-answer test in tests/crypto proves it too)."""
    salt = new_salt()
    one_lane = Argon2Params(params.time_cost, params.memory_cost_kib, 1)
    four_lanes = Argon2Params(params.time_cost, params.memory_cost_kib, 4)
    if _derive_libsodium(CODE, salt, one_lane, 32) != _derive_argon2_cffi(CODE, salt, one_lane,
                                                                          32):
        raise RuntimeError("libsodium and argon2-cffi disagree")
    rows = []
    for label, run in (
            (f"libsodium (PyNaCl {_PYNACL}), p=1",
             lambda: _derive_libsodium(CODE, salt, one_lane, 32)),
            ("argon2-cffi, p=1", lambda: _derive_argon2_cffi(CODE, salt, one_lane, 32)),
            ("argon2-cffi, p=4 (the default before issue 15)",
             lambda: _derive_argon2_cffi(CODE, salt, four_lanes, 32))):
        run()
        timings = [_cpu_and_wall(run) for _ in range(runs)]
        rows.append((label, _p50([wall for wall, _cpu in timings]) * 1000,
                     _p50([cpu for _wall, cpu in timings]) * 1000))
    return rows


# --- SQLite's synchronous=FULL (issue 15 §9) ----------------------------------------------


def sqlite_commit_cost(directory: Path, runs: int) -> list[tuple[str, float]]:
    """p50 wall time of one commit of a report-sized row (4 KiB) in WAL mode, with
    `synchronous=FULL` (what Aktsom runs: the log is synced at every commit, so a code shown
    is a case kept through a power cut) and with NORMAL (the default it replaced), on the
    disk the bench's databases use."""
    rows = []
    for mode in ("FULL", "NORMAL"):
        path = directory / f"sync-{mode.lower()}.sqlite"
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(f"PRAGMA synchronous={mode}")
            connection.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, body BLOB)")
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                connection.execute("BEGIN")
                connection.execute("INSERT INTO item (body) VALUES (?)", (os.urandom(4096),))
                connection.execute("COMMIT")
                timings.append(time.perf_counter() - started)
        finally:
            connection.close()
        rows.append((mode, _p50(timings) * 1000))
    return rows


# --- the reporter side over HTTP -----------------------------------------------------------


def reporter_figures(figures: Figures, database_url: str, sizes: Sizes,
                     params: Argon2Params, work: Path) -> None:
    instance = work / f"instance-{figures.backend}"
    environment = server_bench.server_environment(
        database_url, instance,
        argon2=(params.time_cost, params.memory_cost_kib, params.parallelism))
    settings = server_bench.prepare(database_url, environment)
    server_bench.grow_organisation(settings, 1)
    photo = server_bench.photo_of(sizes.photo_bytes)
    with server_bench.running_server(environment, work / f"serve-{figures.backend}.log"
                                     ) as server:
        base = server.base_url
        # Interleaved: each submission next to one derivation in this process, so a change
        # of load on the machine moves both sides of the ratio.
        server_bench.submit(base)  # warm-up: first request, templates, connections
        server.settle()
        argon2_wall: list[float] = []
        argon2_cpu: list[float] = []
        submit_wall: list[float] = []
        codes: list[str] = []

        def derivation() -> None:
            wall, cpu = _cpu_and_wall(lambda: derive_key(CODE, new_salt(), params))
            argon2_wall.append(wall)
            argon2_cpu.append(cpu)

        server_cpu_before = server.cpu_seconds()
        for _ in range(sizes.runs):
            derivation()
            started = time.perf_counter()
            codes.append(server_bench.submit(base))
            submit_wall.append(time.perf_counter() - started)
        server_cpu = (server.cpu_seconds() - server_cpu_before) / sizes.runs
        photo_wall = []
        for _ in range(sizes.photo_runs):
            derivation()
            started = time.perf_counter()
            server_bench.submit(base, photo=photo)
            photo_wall.append(time.perf_counter() - started)
        followup_wall = []
        for code in codes:
            derivation()
            started = time.perf_counter()
            server_bench.follow_up(base, code)
            followup_wall.append(time.perf_counter() - started)
        floor, floor_cpu = _p50(argon2_wall), _p50(argon2_cpu)
        figures.put("argon2", f"{floor * 1000:.0f} ms",
                    f"CPU {floor_cpu * 1000:.0f} ms, {len(argon2_wall)} runs")
        figures.put("submit", f"{_p50(submit_wall) / floor:.2f}x",
                    f"p50 {_p50(submit_wall) * 1000:.0f} ms")
        figures.put("photo", f"{_p50(photo_wall) / floor:.2f}x",
                    f"p50 {_p50(photo_wall) * 1000:.0f} ms, {len(photo) / 1048576:.2f} MiB")
        figures.put("followup", f"{_p50(followup_wall) / floor:.2f}x",
                    f"p50 {_p50(followup_wall) * 1000:.0f} ms")
        figures.put("server_work", f"{(server_cpu - floor_cpu) * 1000:.0f} ms",
                    f"server CPU {server_cpu * 1000:.0f} ms per report")
        cores = os.cpu_count() or 1
        limit = cores / floor_cpu
        for key, companies in (("throughput", 1), ("throughput_50", sizes.companies)):
            if companies > 1:
                server_bench.grow_organisation(settings, companies)
            form = server_bench.timed(lambda: server_bench.Reporter(base).get("/report"),
                                      sizes.runs)
            cpu_before = server.cpu_seconds()
            stored, elapsed = server_bench.throughput(
                base, sizes.concurrency, sizes.concurrent_reports, sizes.concurrent_seconds)
            used = max(server.cpu_seconds() - cpu_before, 1e-9)
            rate = stored / elapsed
            figures.put(key, f"{rate / limit:.0%}",
                        f"{rate:.1f}/s of {limit:.1f}/s = {cores} cores / Argon2 CPU; form "
                        f"GET p50 {_p50(form) * 1000:.0f} ms at {companies} companies")
            # What the server spends its CPU on: on a machine whose cores are taken by other
            # work the rate cannot reach the limit, but this share says whether it would.
            figures.put(f"{key}_share", f"{min(1.0, stored * floor_cpu / used):.0%}",
                        f"{stored} reports, server CPU {used:.1f} s")


# --- the case list -------------------------------------------------------------------------


def case_list_figures(figures: Figures, database_url: str, sizes: Sizes) -> None:
    upgrade(database_url)
    settings = load_settings(environ={}, database_url=database_url)
    engine = make_engine(database_url)
    try:
        factory = sessionmaker(engine, expire_on_commit=False)
        started = time.perf_counter()
        population = case_list_bench.populate(factory, settings, sizes.cases, seed=1937,
                                              quiet=True)
        case_list_bench.settle(engine)
        filled = time.perf_counter() - started
        user = population.big_handler
        now = utcnow()
        with factory() as db:
            first = list_cases(db, user, CaseFilters(), now=now)
            pages = first.pages
            middle = max(1, pages // 2)
            # The cursor a reader following "next" would hold on reaching the middle page.
            row = db.execute(page_query(user, CaseFilters(), now=now,
                                        offset=(middle - 1) * first.per_page - 1, per_page=1,
                                        walk_index=True)).one() if middle > 1 else None
        cursor = PageCursor(row[-1], row.created_at, row.id) if row is not None else None

        def timed(filters: CaseFilters | None = None, **kwargs: Any) -> float:
            def one() -> None:
                with factory() as db:
                    list_cases(db, user, filters or CaseFilters(), now=utcnow(), **kwargs)
            one()
            return _p50([_cpu_and_wall(one)[0] for _ in range(sizes.list_runs)]) * 1000

        page_1 = timed()
        by_cursor = timed(page=middle, after=cursor) if cursor else page_1
        by_number = timed(page=middle)
        last = timed(page=pages)
        figures.put("list", f"{page_1:.0f} / {by_cursor:.0f} / {last:.0f} ms",
                    f"{sizes.cases:,} cases, {pages:,} pages; middle by number alone "
                    f"(OFFSET) {by_number:.0f} ms; filled in {filled:.0f} s")
        overdue = timed(CaseFilters(overdue=True))
        status = timed(CaseFilters(status="new"))
        figures.put("list_filters", f"{overdue:.0f} / {status:.0f} ms", "overdue / status new")
    finally:
        engine.dispose()


# --- the supplier dashboard and the annual figures ----------------------------------------


def supplier_figures(figures: Figures, database_url: str, sizes: Sizes, work: Path) -> None:
    instance = work / f"suppliers-{figures.backend}"
    upgrade(database_url)
    settings = load_settings(environ={}, env="test", database_url=database_url,
                             instance_dir=instance)
    from portal.serverkeys import create_server_keys
    create_server_keys(settings.server_keys_file)
    app = admin.create_app(settings)
    from portal.db import engine_of
    engine = engine_of(app)
    try:
        today = date.today()
        suppliers_bench.populate(sessionmaker(engine), settings, sizes.suppliers, 2022, today)
        suppliers_bench.settle(engine)
        view = app.view_functions["suppliers.dashboard"].__wrapped__
        times = []
        for run in range(sizes.list_runs + 1):
            with app.test_request_context("/admin/suppliers/dashboard"):
                wall, _cpu = _cpu_and_wall(view)
            if run:
                times.append(wall * 1000)
        figures.put("suppliers", f"{_p50(times):.0f} ms", f"{sizes.suppliers:,} suppliers")
        statistics_figures(figures, app, engine, sizes)
    finally:
        engine.dispose()


def statistics_figures(figures: Figures, app: Any, engine: Any, sizes: Sizes) -> None:
    """`aktsom`'s annual figures (admin.annual.figures.account_figures, both years and the
    small-count protection over the group's and 24 companies' accounts) over
    `statistics_rows` purged-case rows, all in the counted year: the heaviest reading of
    "1 000 000 statistics rows"."""
    from admin.annual.figures import account_figures

    year = utcnow().year
    rng = __import__("random").Random(5)
    channels, outcomes = list(Channel), list(Outcome)
    categories = ["forced_labour", "fraud", "harassment", "code_of_conduct", "other"]
    units = [new_id() for _ in range(24)] + [None]
    batch = 50_000
    started = time.perf_counter()
    # The 24 companies exist, so each gets its own account in the year's joint decision.
    with Session(engine) as db, db.begin():
        db.execute(insert(OrgUnit), [{"id": unit, "code": f"C{number:02d}",
                                      "name": f"Company {number:02d}"}
                                     for number, unit in enumerate(units[:-1])])
    for offset in range(0, sizes.statistics_rows, batch):
        rows = []
        for _ in range(min(batch, sizes.statistics_rows - offset)):
            month = f"{year}-{rng.randint(1, 12):02d}"
            rows.append({
                "year": year, "unit_id": rng.choice(units), "category": rng.choice(categories),
                "human_rights": rng.random() < 0.3, "channel": rng.choice(channels),
                "outcome": rng.choice(outcomes), "human_rights_breach": rng.random() < 0.1,
                "acknowledged_on_time": rng.random() < 0.9,
                "feedback_on_time": rng.random() < 0.85,
                "closed_without_acknowledgement": False, "closed_without_feedback": False,
                "supplier_id": None, "received_month": month, "closed_month": month,
                "purged_month": month, "reporter_named": rng.random() < 0.2})
        with Session(engine) as db, db.begin():
            db.execute(insert(CaseStat), rows)
    filled = time.perf_counter() - started
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE case_stats"))
    with app.app_context():
        from portal.extensions import settings_of
        settings = settings_of(app)

        def one() -> None:
            with Session(engine) as db:
                account_figures(db, settings, year=year, unit_id=None, now=utcnow())

        one()
        times = [_cpu_and_wall(one)[0] for _ in range(max(1, sizes.list_runs // 2))]
    figures.put("annual", f"{_p50(times):.2f} s",
                f"{sizes.statistics_rows:,} rows, filled in {filled:.0f} s")


# --- the table -----------------------------------------------------------------------------


ROWS = (
    ("argon2", "Argon2id derivation at the server's costs, wall p50", "(the floor)"),
    ("submit", "report submission (GET+POST, 1 KB) / Argon2id, p50", "<= 1.10x"),
    ("photo", "same with a 1 MiB photo", "<= 1.25x"),
    ("followup", "follow-up with a code / Argon2id, p50", "<= 1.05x"),
    ("throughput", "submissions/s at 16 concurrent / CPU limit", ">= 90%"),
    ("throughput_share", "Argon2's share of the server's CPU in that run", ">= 90%"),
    ("throughput_50", "same with 50 companies on the form", ">= 90% (flat)"),
    ("throughput_50_share", "Argon2's share of the server's CPU, 50 companies", ">= 90%"),
    ("server_work", "server CPU per report beyond the key derivation", "<= 0.25x GL (35 ms)"),
    ("large_upload", "256 MiB upload over HTTP / bare disk-to-disk AES-GCM loop", ">= 0.5x"),
    ("first_byte", "download: time to first byte", "< 50 ms, streamed"),
    ("list", "case list at 100k cases: page 1 / middle / last", "< 100 ms each"),
    ("list_filters", "case list filters: overdue / status", "< 100 ms"),
    ("suppliers", "supplier dashboard at 10 000 suppliers, p50", "< 100 ms"),
    ("annual", "annual figures over 1 000 000 statistics rows", "< 2 s"),
)


def print_table(columns: list[Figures], out: Any = sys.stdout) -> None:
    header = ["measure", *[column.backend for column in columns], "goal"]
    lines = [header]
    for key, label, goal in ROWS:
        lines.append([label, *[column.cells.get(key, ("—", ""))[0] for column in columns],
                      goal])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    print("| " + " | ".join(cell.ljust(width) for cell, width in zip(header, widths,
                                                                       strict=True)) + " |",
          file=out)
    print("|" + "|".join("-" * (width + 2) for width in widths) + "|", file=out)
    for line in lines[1:]:
        print("| " + " | ".join(cell.ljust(width) for cell, width in zip(line, widths,
                                                                           strict=True))
              + " |", file=out)
    print("", file=out)
    for column in columns:
        for key, label, _goal in ROWS:
            value, detail = column.cells.get(key, ("—", ""))
            if detail:
                print(f"  {column.backend}: {label}: {value} ({detail})", file=out)


def describe_machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (f"{model}, {os.cpu_count()} CPUs, load average {load}; Python "
            f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, PyNaCl {_PYNACL}, "
            f"argon2-cffi {metadata.version('argon2-cffi')}")


def _postgres_reachable(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.scalar(text("SHOW server_version")))
    except Exception:  # noqa: BLE001 - any failure means: no PostgreSQL column
        return None
    finally:
        engine.dispose()


STEPS = ("reporter", "large-file", "case-list", "suppliers")


def run(sizes: Sizes, params: Argon2Params, postgres_url: str | None,
        out: Any = sys.stdout, only: frozenset[str] = frozenset(STEPS)) -> list[Figures]:
    """Every figure (or the `only` steps') for SQLite and (when reachable) PostgreSQL;
    prints the table."""
    print(f"Aktsom benchmark (issue 15): {describe_machine()}", file=out, flush=True)
    print(f"Argon2id t={params.time_cost} m={params.memory_cost_kib} KiB "
          f"p={params.parallelism}, implementations side by side (p50 of "
          f"{max(3, sizes.runs)}):", file=out)
    for label, wall, cpu in argon2_implementations(params, max(3, sizes.runs)):
        print(f"  {label:<48} wall {wall:6.1f} ms  CPU {cpu:6.1f} ms", file=out)
    with tempfile.TemporaryDirectory(prefix="aktsom-bench-sync-") as tmp:
        costs = sqlite_commit_cost(Path(tmp), max(10, sizes.runs * 4))
    print("SQLite commit of a 4 KiB row in WAL mode, p50: "
          + ", ".join(f"synchronous={mode} {ms:.2f} ms" for mode, ms in costs)
          + " (a report commits three times)", file=out)
    backends: list[tuple[str, str | None]] = [("SQLite", None)]
    if postgres_url:
        version = _postgres_reachable(postgres_url)
        if version is None:
            print(f"PostgreSQL at {postgres_url} is not reachable: its column is left out",
                  file=out)
        else:
            backends.append((f"PostgreSQL {version.split()[0]}", postgres_url))
    columns = []
    with tempfile.TemporaryDirectory(prefix="aktsom-bench-") as tmp:
        work = Path(tmp)
        for name, server_url in backends:
            figures = Figures(name)
            columns.append(figures)
            steps = (("reporter", "reporter side over HTTP",
                      lambda url, f=figures: reporter_figures(f, url, sizes, params, work)),
                     ("large-file", "large file over HTTP", lambda url, f=figures: (
                         large_file_bench.large_file_figures(
                             f, url, sizes.large_file_bytes, sizes.large_file_runs,
                             (params.time_cost, params.memory_cost_kib, params.parallelism),
                             work))),
                     ("case-list", "case list",
                      lambda url, f=figures: case_list_figures(f, url, sizes)),
                     ("suppliers", "suppliers and annual figures",
                      lambda url, f=figures: supplier_figures(f, url, sizes, work)))
            for key, label, step in steps:
                if key not in only:
                    continue
                print(f"{name}: {label} ...", file=out, flush=True)
                started = time.perf_counter()
                with case_list_bench.fresh_database(server_url) as url:
                    step(url)
                print(f"{name}: {label} done in {time.perf_counter() - started:.0f} s",
                      file=out, flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nFinished; machine now: {describe_machine()}; bench peak RSS {peak:.0f} MiB\n",
          file=out)
    print_table(columns, out)
    return columns


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="every path with tiny sizes (seconds, not minutes)")
    parser.add_argument("--postgres-url", default=os.environ.get("AKTSOM_BENCH_POSTGRES_URL",
                                                                 DEFAULT_POSTGRES),
                        help="a PostgreSQL server; a fresh database is made and dropped")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--only", action="append", choices=STEPS,
                        help="run only this part (may be repeated); the rest of the table "
                             "shows a dash")
    parser.add_argument("--cheap-argon2", action="store_true",
                        help="the tests' Argon2 costs (only to check the paths run)")
    args = parser.parse_args()
    params = CHEAP_ARGON2 if args.cheap_argon2 else PRODUCTION_ARGON2
    run(QUICK if args.quick else Sizes(), params,
        None if args.skip_postgres else args.postgres_url,
        only=frozenset(args.only or STEPS))


if __name__ == "__main__":
    main()
