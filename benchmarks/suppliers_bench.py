"""Time the supplier dashboard at scale: ``python benchmarks/suppliers_bench.py [--suppliers N]``.

The issue asks for "a page under 100 ms at 10 000 suppliers". This fills a fresh database
with N suppliers (default 10 000) over tiers 1-3, ~60 countries, the configured spend bands
and product groups, with one to three certificates each (about a third expired), then
renders /admin/suppliers/dashboard in the staff app exactly as the view does (the view
function itself, inside a request: every provider's queries plus the template), printing the
figures once and the median and p95 of ``--runs`` timed renders.

It asserts nothing about time, so it never fails a build on a slow machine. The database is
a temporary SQLite file by default; ``--database-url`` takes a PostgreSQL server URL, where a
fresh database is made beside the one named and dropped at the end.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

import admin
from config import Settings, load_settings
from portal.db import engine_of, new_id, refresh_statistics, utcnow
from portal.schema import upgrade
from portal.serverkeys import create_server_keys
from supplier_dd.dashboard import dashboard_figures_for
from supplier_dd.models import Supplier, SupplierCertification, SupplierProductGroup
from supplier_dd.states import CertificationScheme

BATCH = 2_000
COUNTRIES = ("NO", "SE", "DK", "FI", "DE", "PL", "LT", "NL", "GB", "FR", "IT", "ES", "PT",
             "CN", "VN", "BD", "IN", "PK", "TR", "TH", "ID", "MY", "KH", "MM", "LK", "PH",
             "CD", "ZA", "ET", "KE", "MA", "EG", "BR", "MX", "PE", "CL", "US", "CA", "JP",
             "KR", "TW", "AU", "NZ", "AE", "SA", "QA", "UA", "RO", "BG", "HU", "CZ", "SK",
             "EE", "LV", "IE", "BE", "AT", "CH", "GR", "HR")


@contextmanager
def fresh_database(server_url: str | None) -> Iterator[str]:
    """A new, empty database URL, removed on the way out whatever happened."""
    if server_url is None:
        with tempfile.TemporaryDirectory(prefix="aktsom-supplier-bench-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        return
    if not server_url.startswith("postgresql"):
        raise SystemExit("--database-url: only postgresql URLs (SQLite is the default)")
    name = f"aktsom_bench_{uuid.uuid4().hex[:10]}"
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with server.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        server.dispose()


def populate(factory: sessionmaker[Session], settings: Settings, count: int, seed: int,
             today: date) -> None:
    rng = random.Random(seed)
    bands = [band.code for band in settings.spend_bands] + [None]
    groups = [group.code for group in settings.product_groups]
    schemes = [scheme.value for scheme in CertificationScheme]
    now = utcnow()
    for start in range(0, count, BATCH):
        suppliers: list[dict[str, Any]] = []
        certificates: list[dict[str, Any]] = []
        product_groups: list[dict[str, Any]] = []
        for number in range(start, min(start + BATCH, count)):
            supplier_id = new_id()
            large_by_hand = rng.random() < 0.02
            suppliers.append({
                "id": supplier_id, "name": f"Supplier {number:05d}",
                "org_number": f"ORG-{number:06d}", "country": rng.choice(COUNTRIES),
                "sector": None, "tier": rng.choices((1, 2, 3), (60, 30, 10))[0],
                "is_wholesaler": rng.random() < 0.05, "fronts_id": None,
                "spend_band": rng.choice(bands), "large_by_hand": large_by_hand,
                "large_reason": "Sole source" if large_by_hand else None,
                "contract_start": None, "contract_end": None, "termination_clause": None,
                "created_at": now, "updated_at": now})
            for scheme in rng.sample(schemes, rng.randint(1, 3)):
                certificates.append({
                    "id": new_id(), "supplier_id": supplier_id, "scheme": scheme,
                    "reference": None,
                    "expires_on": today + timedelta(days=rng.randint(-700, 1100))})
            for code in rng.sample(groups, rng.randint(1, 2)):
                product_groups.append({"supplier_id": supplier_id, "group_code": code})
        with factory.begin() as db:
            db.execute(insert(Supplier), suppliers)
            db.execute(insert(SupplierCertification), certificates)
            db.execute(insert(SupplierProductGroup), product_groups)


def settle(engine: Engine) -> None:
    """ANALYZE as `aktsom serve` gives SQLite; VACUUM ANALYZE as PostgreSQL's autovacuum would."""
    if engine.dialect.name != "postgresql":
        refresh_statistics(engine)
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--suppliers", type=int, default=10_000,
                        help="suppliers (default 10000)")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--runs", type=int, default=20, help="timed renders (default 20)")
    parser.add_argument("--seed", type=int, default=2022, help="random seed of the data")
    args = parser.parse_args()
    if args.suppliers < 1 or args.runs < 1:
        parser.error("--suppliers and --runs must be positive")
    today = date.today()
    with fresh_database(args.database_url) as url, \
            tempfile.TemporaryDirectory(prefix="aktsom-supplier-bench-") as instance:
        upgrade(url)
        settings = load_settings(environ={}, env="test", database_url=url,
                                 instance_dir=instance)
        create_server_keys(settings.server_keys_file)
        app = admin.create_app(settings)
        engine = engine_of(app)
        try:
            started = time.perf_counter()
            populate(sessionmaker(engine), settings, args.suppliers, args.seed, today)
            settle(engine)
            print(f"Aktsom supplier dashboard benchmark: {args.suppliers:,} suppliers, "
                  f"{engine.dialect.name}, Python {sys.version.split()[0]}; "
                  f"filled in {time.perf_counter() - started:.1f} s")
            # The view itself, without the sign-in check in front of it.
            view = app.view_functions["suppliers.dashboard"].__wrapped__  # type: ignore[attr-defined]
            with app.test_request_context("/admin/suppliers/dashboard"), \
                    Session(engine) as db:
                for figure in dashboard_figures_for(db, today):
                    rows = ", ".join(f"{label}: {count}" for label, count in figure.rows[:8])
                    more = f" (+{len(figure.rows) - 8} more)" if len(figure.rows) > 8 else ""
                    print(f"  {figure.title}: {rows}{more}")
            timings = []
            for run in range(args.runs + 1):
                with app.test_request_context("/admin/suppliers/dashboard"):
                    started = time.perf_counter()
                    page = view()
                    elapsed = (time.perf_counter() - started) * 1000
                if run:  # the first render warms the caches and the template
                    timings.append(elapsed)
            timings.sort()
            median = statistics.median(timings)
            p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
            goal = "goal met" if p95 < 100 else "goal missed"
            print(f"Dashboard page ({len(page):,} bytes): median {median:.1f} ms, "
                  f"p95 {p95:.1f} ms over {args.runs} renders (goal < 100 ms: {goal})")
        finally:
            engine.dispose()


if __name__ == "__main__":
    main()
