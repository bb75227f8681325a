"""Time the staff case list at scale: ``python benchmarks/case_list_bench.py [--cases N]``.

The issue asks for a list "built from clear metadata only, fast at 100 000 cases". This
fills a fresh database with N cases (default 100 000) spread over three years, two handlers
(one holding every case, one holding the ~5 % of one company) and times
``portal.cases.listing.list_cases`` exactly as the case list view calls it: the first, a
middle and the last page, each filter alone and a combination, for both handlers.

Each query is run once to warm up, then ``--runs`` times (default 5); the table shows the
rows on the page, how many cases match, the median and the p95 in milliseconds. It asserts
nothing about time, so it never fails a build on a slow machine.

The database is a temporary SQLite file by default. ``--database-url`` takes a PostgreSQL
server URL (``postgresql+psycopg://postgres@127.0.0.1:5432/test``): a fresh database is
created beside the one named and dropped at the end. Either is removed even on error.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from sqlalchemy import Engine, Table, create_engine, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from config import DEFAULT_CATEGORIES, Settings, load_settings
from portal.cases.clocks import (
    NO_DEADLINE,
    feedback_due_after,
    initial_due_dates,
    overdue_condition,
    pending_deadline,
)
from portal.cases.listing import (
    PAGE_SIZE,
    CaseFilters,
    CasePage,
    PageCursor,
    list_cases,
    page_query,
)
from portal.db import Base, make_engine, new_id, refresh_statistics, utcnow
from portal.models import Case, CaseKeyWrap, Role
from portal.schema import upgrade
from portal.states import CaseStatus, Channel, KeyKind, Outcome, RecipientKind

BATCH = 5_000
PROGRESS_EVERY = 20_000
YEARS = 3
COMPANIES = 24
# The second handler's company gets this share of the cases; 3 % say "don't know" (no unit).
SMALL_HANDLER_SHARE = 0.05
NO_UNIT_SHARE = 0.03

# The list never selects a sealed column, let alone decrypts one: every blob is fixed random
# bytes of the real size (an HPKE ML-KEM-768+X25519 wrap of a case key is 1 170 bytes, the
# reporter's key record 1 244, a public key 1 216), so the rows are as wide as real ones.
_BLOB_RNG = random.Random(0)
WRAP_BLOB = _BLOB_RNG.randbytes(1170)
REPORTER_KEY = _BLOB_RNG.randbytes(1244)
SEALED_ANSWERS = _BLOB_RNG.randbytes(1500)  # a report of a page or so, sealed
PUBLIC_KEY = _BLOB_RNG.randbytes(1216)
SEALED_PRIVATE_KEY = _BLOB_RNG.randbytes(2500)
KEY_CERTIFICATE = _BLOB_RNG.randbytes(32)
SEALED_TOTP = _BLOB_RNG.randbytes(48)

CHANNEL_WEIGHTS = {Channel.WEB: 84, Channel.ORAL: 10, Channel.MEETING: 5, Channel.LEADER: 1}
CATEGORY_WEIGHTS = {
    "child_labour": 2, "forced_labour": 2, "discrimination": 8, "working_conditions": 12,
    "unfair_wages": 5, "environment": 4, "corruption": 7, "fraud": 12, "harassment": 14,
    "privacy": 6, "code_of_conduct": 17, "retaliation": 1, "other": 10,
}  # fmt: skip
# The data speaks the app's codes: fail loudly if they drift apart.
assert set(CHANNEL_WEIGHTS) == set(Channel)
assert set(CATEGORY_WEIGHTS) == {item.code for item in DEFAULT_CATEGORIES}


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    # Turn `kill` into an exception, so the `finally` clauses still drop the database.
    raise SystemExit(143)


# --- the database ------------------------------------------------------------------------


@contextmanager
def fresh_database(server_url: str | None) -> Iterator[str]:
    """A new, empty database URL: a temporary SQLite file, or a new PostgreSQL database on
    the server of `server_url`. Removed on the way out, whatever happened."""
    if server_url is None:
        with tempfile.TemporaryDirectory(prefix="aktsom-case-bench-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        return
    if not server_url.startswith("postgresql"):
        raise SystemExit("--database-url: only postgresql URLs (SQLite is the default)")
    name = f"aktsom_bench_{uuid.uuid4().hex[:10]}"
    admin_engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin_engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin_engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin_engine.dispose()


def describe_backend(engine: Engine) -> str:
    if engine.dialect.name == "sqlite":
        return f"SQLite {sqlite3.sqlite_version} (temporary file, the app's pragmas: WAL)"
    with engine.connect() as connection:
        version = connection.scalar(text("SHOW server_version"))
    return f"PostgreSQL {version} ({engine.url.render_as_string(hide_password=True)})"


def database_size(engine: Engine) -> str:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            pages = connection.scalar(text("PRAGMA page_count")) or 0
            size = int(pages) * int(connection.scalar(text("PRAGMA page_size")) or 0)
        else:
            size = int(connection.scalar(text("SELECT pg_database_size(current_database())"))
                       or 0)
    return f"{size / 1024 / 1024:,.0f} MiB"


# --- the data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Population:
    group_unit: str
    small_unit: str  # the company the second handler handles (~5 % of the cases)
    companies: list[str]
    big_handler: str  # holds every case (a group handler)
    small_handler: str  # holds the cases of `small_unit`


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _people(db: Session) -> Population:
    """The organisation: a group, 24 companies, two handlers with their roles and units."""
    group_unit = new_id()
    companies = [new_id() for _ in range(COMPANIES)]
    now = utcnow()
    units = [{"id": group_unit, "code": "GROUP", "name": "Group head office", "country": "NO",
              "retention_days": None, "is_group": True, "created_at": now}]
    units += [{"id": unit_id, "code": f"CO{number:02d}", "name": f"Company {number:02d}",
               "country": ("NO", "SE", "DK", "PL", "VN")[number % 5], "retention_days": None,
               "is_group": False, "created_at": now}
              for number, unit_id in enumerate(companies, start=1)]
    db.execute(insert(_table("org_units")), units)
    population = Population(group_unit=group_unit, small_unit=companies[3],
                            companies=companies, big_handler=new_id(), small_handler=new_id())
    users = [{"id": user_id, "email": f"{user_id}@example.org", "name": name,
              "password_hash": "!", "public_key": PUBLIC_KEY,
              "sealed_private_key": SEALED_PRIVATE_KEY, "key_certificate": KEY_CERTIFICATE,
              "sealed_totp_secret": SEALED_TOTP, "totp_confirmed": True, "last_totp_step": 0,
              "failed_logins": 0, "locked_until": None, "disabled": False,
              "password_change_required": False, "session_generation": 0, "created_at": now}
             for user_id, name in ((population.big_handler, "Group handler"),
                                   (population.small_handler, "Company handler"))]
    db.execute(insert(_table("users")), users)
    db.execute(insert(_table("user_roles")),
               [{"user_id": user["id"], "role": Role.HANDLER} for user in users])
    db.execute(insert(_table("unit_memberships")),
               [{"user_id": population.big_handler, "unit_id": group_unit},
                {"user_id": population.small_handler, "unit_id": population.small_unit}])
    return population


def _unit_weights(population: Population) -> dict[str | None, float]:
    """Zipf-like company sizes; the small handler's company exactly SMALL_HANDLER_SHARE."""
    others = [unit for unit in population.companies if unit != population.small_unit]
    raw = [1 / rank**0.8 for rank in range(1, len(others) + 1)]
    rest = 1 - SMALL_HANDLER_SHARE - NO_UNIT_SHARE
    weights: dict[str | None, float] = {
        unit: rest * share / sum(raw) for unit, share in zip(others, raw, strict=True)
    }
    weights[population.small_unit] = SMALL_HANDLER_SHARE
    weights[None] = NO_UNIT_SHARE
    return weights


def _days(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(days=rng.uniform(low, high))


def _case_row(rng: random.Random, settings: Settings, now: datetime, created_at: datetime,
              unit_id: str | None) -> dict[str, Any]:
    """One case at some point of its life, as the handling services would have left it."""
    category = _weighted(rng, CATEGORY_WEIGHTS)
    acknowledged_at = feedback_at = closed_at = None
    if rng.random() < 0.03:
        # Never acknowledged: mostly closed straight away (spam, duplicates), a backlog not.
        if rng.random() < 0.8:
            closed_at = created_at + _days(rng, 1, 60)
    else:
        late = rng.random() < 0.08
        acknowledged_at = created_at + (_days(rng, 7, 14) if late else _days(rng, 0.1, 6))
        late = rng.random() < 0.10
        feedback_at = acknowledged_at + (_days(rng, 85, 150) if late else _days(rng, 14, 80))
        if rng.random() < 0.85:
            closed_at = feedback_at + _days(rng, 0, 120)
    # What has not happened yet by `now` has not happened.
    acknowledged_at = acknowledged_at if acknowledged_at and acknowledged_at <= now else None
    feedback_at = feedback_at if acknowledged_at and feedback_at and feedback_at <= now else None
    closed_at = closed_at if closed_at and closed_at <= now else None
    acknowledgement_due, feedback_due = initial_due_dates(created_at, settings)
    if acknowledged_at is not None:
        feedback_due = feedback_due_after(acknowledged_at, settings, latest=feedback_due)
    if closed_at is not None:
        status = CaseStatus.CLOSED
    elif feedback_at is not None or (acknowledged_at is not None and rng.random() < 0.6):
        status = CaseStatus.IN_PROGRESS
    else:
        status = CaseStatus.ACKNOWLEDGED if acknowledged_at is not None else CaseStatus.NEW
    # The real rule for the stored sort key, on a transient (never added) case.
    next_due_at = pending_deadline(Case(
        acknowledgement_due_at=acknowledgement_due, feedback_due_at=feedback_due,
        acknowledged_at=acknowledged_at, feedback_at=feedback_at, closed_at=closed_at,
    ))
    human_rights = next(item.human_rights for item in DEFAULT_CATEGORIES
                        if item.code == category)
    case_id = new_id()
    return {
        "id": case_id, "unit_id": unit_id, "category": category,
        "human_rights": human_rights, "channel": _weighted(rng, CHANNEL_WEIGHTS),
        "status": status,
        "outcome": rng.choice(list(Outcome)) if closed_at else None,
        "human_rights_breach": rng.random() < 0.3 if closed_at and human_rights else None,
        "routed_to_group": unit_id is None,
        "supplier_id": f"SUP-{rng.randrange(10_000):04d}"
        if human_rights and rng.random() < 0.3 else None,
        "legal_hold": rng.random() < 0.005, "created_at": created_at,
        "acknowledged_at": acknowledged_at, "feedback_at": feedback_at, "closed_at": closed_at,
        "acknowledgement_due_at": acknowledgement_due, "feedback_due_at": feedback_due,
        "next_due_at": next_due_at, "acknowledgement_reminded_at": None,
        "feedback_reminded_at": None,
        "lookup_id": rng.randbytes(32), "reporter_key": REPORTER_KEY,
        "reporter_key_certificate": KEY_CERTIFICATE,
        "sealed_answers": SEALED_ANSWERS,
        "last_reporter_activity_at": created_at + _days(rng, 0, 30)
        if rng.random() < 0.4 else None,
    }  # fmt: skip


def _wrap_row(case: dict[str, Any], recipient_id: str) -> dict[str, Any]:
    return {"case_id": case["id"], "key_kind": KeyKind.CASE,
            "recipient_kind": RecipientKind.USER,
            "recipient_id": recipient_id, "blob": WRAP_BLOB, "created_at": case["created_at"]}


def populate(factory: sessionmaker[Session], settings: Settings, count: int,
             seed: int, *, quiet: bool = False) -> Population:
    """Bulk-insert the organisation and `count` cases, oldest first (the order they came in),
    with one case-key wrap per case and holding handler, in batches of BATCH."""
    rng = random.Random(seed)
    now = utcnow()
    span = timedelta(days=365 * YEARS)
    # Skewed towards the recent past: a channel that grows over the years.
    created = sorted(now - span * rng.random() ** 1.3 for _ in range(count))
    with factory.begin() as db:
        population = _people(db)
    weights = _unit_weights(population)
    units, unit_weights = list(weights), list(weights.values())
    cases_table, wraps_table = _table("cases"), _table("case_key_wraps")
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        chosen = rng.choices(units, weights=unit_weights, k=len(created[start:start + BATCH]))
        cases = [_case_row(rng, settings, now, created_at, unit_id)
                 for created_at, unit_id in zip(created[start:start + BATCH], chosen,
                                                strict=True)]
        wraps = [_wrap_row(case, population.big_handler) for case in cases]
        wraps += [_wrap_row(case, population.small_handler) for case in cases
                  if case["unit_id"] == population.small_unit]
        with factory.begin() as db:
            db.execute(insert(cases_table), cases)
            db.execute(insert(wraps_table), wraps)
        done = start + len(cases)
        if not quiet and (done % PROGRESS_EVERY == 0 or done == count):
            elapsed = time.perf_counter() - started
            print(f"  inserted {done:>9,} / {count:,} cases  {elapsed:6.1f} s", flush=True)
    return population


def settle(engine: Engine) -> None:
    """PostgreSQL's autovacuum analyses and vacuums a freshly loaded table on its own within
    a minute; do it now, so the timings do not depend on when it happens to run. SQLite gets
    what `aktsom serve` and `aktsom purge` give it: ANALYZE (portal.db.refresh_statistics)."""
    if engine.dialect.name != "postgresql":
        refresh_statistics(engine)
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


# --- the measurements --------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    name: str
    filters: CaseFilters
    page: int = 1
    # The keyset cursor a reader following "next" holds (issue 15 §5); None: by number.
    after: PageCursor | None = None


@dataclass(frozen=True)
class Timing:
    handler: str
    query: str
    page: CasePage
    median_ms: float
    p95_ms: float


def _list(factory: sessionmaker[Session], user_id: str, query: Query) -> CasePage:
    """One call as the view makes it: a session of its own, `now` taken at the call."""
    with factory() as db:
        return list_cases(db, user_id, query.filters, now=utcnow(), page=query.page,
                          after=query.after)


def measure(factory: sessionmaker[Session], user_id: str, query: Query,
            runs: int) -> tuple[CasePage, float, float]:
    page = _list(factory, user_id, query)  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        _list(factory, user_id, query)
        times.append((time.perf_counter() - started) * 1000)
    p95 = statistics.quantiles(times, n=20, method="inclusive")[18] if runs > 1 else times[0]
    return page, statistics.median(times), p95


def queries(factory: sessionmaker[Session], user_id: str,
            population: Population) -> list[Query]:
    everything = CaseFilters()
    pages = _list(factory, user_id, Query("", everything)).pages
    unit = population.small_unit
    middle = max(1, pages // 2)
    cursor = None
    if middle > 1:
        with factory() as db:
            row = db.execute(page_query(user_id, everything, now=utcnow(),
                                        offset=(middle - 1) * PAGE_SIZE - 1, per_page=1,
                                        walk_index=True)).one()
        cursor = PageCursor(row[-1], row.created_at, row.id)
    return [
        Query("page 1", everything),
        Query(f"page {middle} (middle, by keyset)", everything, middle, cursor),
        Query(f"page {middle} (middle, by number: OFFSET)", everything, middle),
        Query(f"page {pages} (last)", everything, pages),
        Query("unit (the ~5 % company)", CaseFilters(unit_id=unit)),
        Query("status = new", CaseFilters(status=CaseStatus.NEW)),
        Query("category = fraud", CaseFilters(category="fraud")),
        Query("channel = oral", CaseFilters(channel=Channel.ORAL)),
        Query("overdue", CaseFilters(overdue=True)),
        Query("unit + in_progress + web",
              CaseFilters(unit_id=unit, status=CaseStatus.IN_PROGRESS,
                          channel=Channel.WEB)),
    ]


def print_counts(engine: Engine, population: Population) -> None:
    with Session(engine) as db:
        tables = {name: db.scalar(select(func.count()).select_from(_table(name)))
                  for name in ("org_units", "users", "cases", "case_key_wraps")}
        held = {label: db.scalar(select(func.count()).select_from(CaseKeyWrap)
                                 .where(CaseKeyWrap.recipient_id == user_id,
                                        CaseKeyWrap.key_kind == KeyKind.CASE))
                for label, user_id in (("group handler", population.big_handler),
                                       ("company handler", population.small_handler))}
        statuses = {status: number for status, number in
                    db.execute(select(Case.status, func.count()).group_by(Case.status))}
        overdue = db.scalar(select(func.count()).where(overdue_condition(utcnow())))
        no_deadline = db.scalar(select(func.count()).where(Case.next_due_at == NO_DEADLINE))
    print("Rows: " + ", ".join(f"{name} {value:,}" for name, value in tables.items()))
    print("Held: " + ", ".join(f"{name} {value:,}" for name, value in held.items()))
    print("Cases: " + ", ".join(f"{status} {statuses.get(status, 0):,}" for status in CaseStatus)
          + f"; overdue {overdue:,}; no deadline pending {no_deadline:,}")


def print_table(timings: list[Timing]) -> None:
    header = ("handler", "query", "matching", "rows", "median ms", "p95 ms")
    lines = [header] + [
        (timing.handler, timing.query, f"{timing.page.total:,}", str(len(timing.page.rows)),
         f"{timing.median_ms:.1f}", f"{timing.p95_ms:.1f}")
        for timing in timings
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        left = [cell.ljust(width) for cell, width in zip(line[:2], widths, strict=False)]
        right = [cell.rjust(width) for cell, width in zip(line[2:], widths[2:], strict=True)]
        print("  ".join(left + right))
    total = sum(timing.median_ms for timing in timings)
    print(f"Total of the medians: {total:,.1f} ms over {len(timings)} queries "
          f"({total / len(timings):.1f} ms per list on average)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="cases (default 100000)")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query (default 5)")
    parser.add_argument("--seed", type=int, default=1937, help="random seed of the data")
    args = parser.parse_args()
    if args.cases < 1 or args.runs < 1:
        parser.error("--cases and --runs must be positive")
    signal.signal(signal.SIGTERM, _on_sigterm)

    with fresh_database(args.database_url) as url:
        started = time.perf_counter()
        upgrade(url)
        migrated = time.perf_counter() - started
        settings = load_settings(environ={}, database_url=url)
        engine = make_engine(url)
        try:
            factory = sessionmaker(engine, expire_on_commit=False)
            backend = describe_backend(engine)
            print(f"Aktsom case list benchmark: {args.cases:,} cases, {backend}, "
                  f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
            print(f"Migrated in {migrated:.1f} s; inserting in batches of {BATCH:,}:")
            started = time.perf_counter()
            population = populate(factory, settings, args.cases, args.seed)
            inserted = time.perf_counter() - started
            started = time.perf_counter()
            settle(engine)
            settled = time.perf_counter() - started
            print(f"Inserted in {inserted:.1f} s ({args.cases / inserted:,.0f} cases/s)"
                  + (f"; VACUUM ANALYZE {settled:.1f} s" if settled > 0.05 else "")
                  + f"; database {database_size(engine)}")
            print_counts(engine, population)
            print(f"list_cases as the view calls it ({PAGE_SIZE} per page): warm-up, then "
                  f"median and p95 of {args.runs} runs")
            timings = []
            for label, user_id in (("group (all)", population.big_handler),
                                   ("company (~5 %)", population.small_handler)):
                for query in queries(factory, user_id, population):
                    page, median, p95 = measure(factory, user_id, query, args.runs)
                    timings.append(Timing(label, query.name, page, median, p95))
            print_table(timings)
        finally:
            engine.dispose()


if __name__ == "__main__":
    main()
