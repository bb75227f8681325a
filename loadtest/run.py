"""The load run of issue 15 §7-§8: ``python -m loadtest.run`` (``make load``).

50 reporters and 10 handlers for 60 seconds against real `aktsom serve` processes on loopback
(never anything else), then every case submitted is opened by its code and by a handler.
Bounded and self-stopping: the load stops at ``--seconds``, the check after it at
``--check-seconds``, and the servers, the temporary installation and a PostgreSQL database it
made are removed whatever happens.

* Reporters loop: the form (GET), a report (POST; every fourth with a 64 KiB attachment), the
  code page, and for one report in three a follow-up with the code and the case page.
* Handlers (each their own account, signed in once) loop: the case list, then one case.
* ``--servers 2`` starts two app servers sharing the database, Redis and the file store, and
  each browser alternates between them request by request (issue 15 §8); it needs PostgreSQL
  and ``--redis-url``.

Every answer of 500 or more is counted; the run fails (exit 1) on any, or if any case cannot
be read back. Rate limits are raised for the run: all its browsers share one address and the
limits exist to slow one person down, not to cap the service. Argon2 runs at the production
cost (64 MiB, t=3): it is most of the work, as it is for a real submission.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from loadtest.client import (
    Browser,
    ServerError,
    case_ids_on_list,
    open_with_code,
    sign_in,
    submit_report,
)
from loadtest.service import Server, free_port, serve_environment

PASSWORD = "a long passphrase for the load run"  # noqa: S105 (a throwaway installation)
_SECRET = re.compile(r"secret=([A-Z2-7]+)")


@dataclass
class Handler:
    email: str
    totp_secret: str


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    server_errors: list[str] = field(default_factory=list)
    other_errors: list[str] = field(default_factory=list)
    reports: list[tuple[str, str]] = field(default_factory=list)  # (code, marker)

    def timed(self, name: str, action: Callable[..., Any], *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return action(*args)
        except ServerError as error:
            with self.lock:
                self.server_errors.append(str(error))
            return None
        except OSError as error:
            with self.lock:
                self.other_errors.append(f"{name}: {type(error).__name__} {error}"[:200])
            return None
        finally:
            with self.lock:
                self.times[name].append(time.perf_counter() - start)


@contextmanager
def installation(database_url: str | None, root: Path) -> Iterator[str]:
    """A database for the run: a SQLite file under `root`, or a fresh PostgreSQL database
    beside the one `database_url` names (dropped at the end)."""
    if not database_url:
        yield f"sqlite:///{root / 'instance' / 'aktsom.sqlite3'}"
        return
    name = f"aktsom_load_{uuid.uuid4().hex[:10]}"
    server = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def prepare(env: dict[str, str], handlers: int) -> tuple[str, list[Handler]]:
    """`aktsom init`, one company and its handlers, through the console commands."""
    from admin.cli import cli

    runner = CliRunner()

    def run(*args: str, stdin: str | None = None) -> str:
        result = runner.invoke(cli, list(args), env=env, input=stdin, catch_exceptions=False)
        if result.exit_code != 0:
            raise RuntimeError(f"aktsom {args[0]} failed: {result.output[-500:]}")
        return result.output

    run("init", "--recovery-sheet", str(Path(env["AKTSOM_INSTANCE_DIR"]) / "sheet.txt"))
    run("units", "create", "--code", "HQ", "--name", "Head office")
    staff = []
    for number in range(handlers):
        email = f"handler{number}@example.org"
        output = run("users", "create", "--email", email, "--name", f"Handler {number}",
                     "--role", "handler", "--unit", "HQ", "--password-stdin", stdin=PASSWORD)
        match = _SECRET.search(output)
        if match is None:
            raise RuntimeError("no TOTP secret printed")
        staff.append(Handler(email, match.group(1)))
    from portal.models import OrgUnit

    engine = create_engine(env["AKTSOM_DATABASE_URL"])
    with engine.connect() as connection:
        unit_id = connection.execute(select(OrgUnit.id)).scalar_one()
    engine.dispose()
    return unit_id, staff


def reporter_loop(bases: list[str], unit_id: str, tally: Tally, until: float,
                  rng: random.Random) -> None:
    browser = Browser(list(bases))
    rounds = 0
    while time.monotonic() < until:
        rounds += 1
        marker = f"load report {uuid.uuid4().hex}"
        attachment = rng.randbytes(64 * 1024) if rounds % 4 == 0 else None
        code = tally.timed("report (form, send, code page)", submit_report, browser, unit_id,
                           f"{marker}: the night shift was locked in.", attachment)
        if not code:
            continue
        with tally.lock:
            tally.reports.append((code, marker))
        if rng.random() < 1 / 3 and time.monotonic() < until:
            tally.timed("follow-up with the code", open_with_code, Browser(list(bases)), code)


def signed_in(bases: list[str], handlers: list[Handler], tally: Tally) -> list[Browser]:
    """The handlers sign in before the load starts, as staff at their desks are. (Under the
    load a sign-in can wait in the queue longer than its TOTP code is valid.)"""
    browsers = [Browser(list(bases)) for _ in handlers]
    threads = [threading.Thread(target=lambda b=browser, h=handler: tally.timed(
        "staff sign-in (before the load)", _sign_in_or_count, b, h, tally))
        for browser, handler in zip(browsers, handlers, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return browsers


def _sign_in_or_count(browser: Browser, handler: Handler, tally: Tally) -> None:
    if not sign_in(browser, handler.email, PASSWORD, handler.totp_secret):
        with tally.lock:
            tally.other_errors.append("a handler could not sign in")


def handler_loop(browser: Browser, tally: Tally, until: float, rng: random.Random) -> None:
    while time.monotonic() < until:
        ids = tally.timed("staff case list", case_ids_on_list, browser) or []
        if ids:
            case_id = rng.choice(ids)
            tally.timed("staff case page", browser.get, f"/admin/cases/{case_id}")
        else:
            time.sleep(0.2)


def check_everything(bases: list[str], handler: Handler, tally: Tally, database_url: str,
                     deadline: float, threads: int = 4) -> dict[str, int]:
    """Every case submitted, opened by its code and by a handler."""
    by_code = list(tally.reports)
    opened_by_code = 0
    lock = threading.Lock()

    def by_code_worker(items: list[tuple[str, str]]) -> None:
        nonlocal opened_by_code
        for code, marker in items:
            if time.monotonic() > deadline:
                return
            try:
                page = open_with_code(Browser(list(bases)), code)
            except (ServerError, OSError) as error:
                tally.server_errors.append(f"check by code: {error}")
                continue
            if page is not None and marker in page:
                with lock:
                    opened_by_code += 1

    workers = [threading.Thread(target=by_code_worker, args=(by_code[n::threads],))
               for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    from portal.models import Case

    engine = create_engine(database_url)
    with engine.connect() as connection:
        case_ids = list(connection.scalars(select(Case.id)))
    engine.dispose()
    staff = Browser(list(bases))
    opened_by_handler = 0
    if sign_in(staff, handler.email, PASSWORD, handler.totp_secret):
        for case_id in case_ids:
            if time.monotonic() > deadline:
                break
            page = staff.get(f"/admin/cases/{case_id}")
            if page.status == 200 and "load report " in page.body:
                opened_by_handler += 1
    return {"cases stored": len(case_ids), "codes shown": len(by_code),
            "opened by code": opened_by_code, "opened by a handler": opened_by_handler}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(tally: Tally, seconds: float, checks: dict[str, int], label: str) -> str:
    lines = [f"### {label}", "", "| step | count | per s | p50 ms | p95 ms | max ms |",
             "|---|---|---|---|---|---|"]
    for name, values in sorted(tally.times.items()):
        lines.append(f"| {name} | {len(values)} | {len(values) / seconds:.1f} | "
                     f"{statistics.median(values) * 1000:.0f} | "
                     f"{_percentile(values, 0.95) * 1000:.0f} | {max(values) * 1000:.0f} |")
    lines += ["", f"5xx answers: {len(tally.server_errors)}; connection errors: "
              f"{len(tally.other_errors)}; " + "; ".join(f"{k}: {v}" for k, v in checks.items())]
    lines += [f"    {item}" for item in sorted(set(tally.server_errors + tally.other_errors))]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reporters", type=int, default=50)
    parser.add_argument("--handlers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--check-seconds", type=float, default=600)
    parser.add_argument("--servers", type=int, choices=(1, 2), default=1)
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server URL (a fresh database is made beside it); "
                             "default: a temporary SQLite file")
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args(argv)
    if args.servers == 2 and not (args.database_url and args.redis_url):
        parser.error("--servers 2 needs --database-url (PostgreSQL) and --redis-url")
    root = Path(tempfile.mkdtemp(prefix="aktsom-load-"))
    servers: list[Server] = []
    try:
        with installation(args.database_url, root) as database_url:
            env = serve_environment(database_url=database_url, instance_dir=root / "instance",
                                    storage_dir=root / "instance" / "storage",
                                    server_keys_file=root / "instance" / "server-keys.json",
                                    redis_url=args.redis_url)
            for name in ("REPORT", "FOLLOWUP", "LOGIN"):
                env[f"AKTSOM_RATE_LIMIT_{name}"] = "100000 per minute"
            # One account more than the handlers, for the check afterwards: a TOTP code is
            # accepted once, so a handler who signed in this half-minute could not again.
            unit_id, handlers = prepare(env, args.handlers + 1)
            checker = handlers.pop()
            servers = [Server(env, free_port(), root / f"serve-{n}.log")
                       for n in range(args.servers)]
            for server in servers:
                server.wait_ready()
            bases = [server.base for server in servers]
            tally = Tally()
            rng = random.Random(15)  # noqa: S311 (load shapes, not secrets)
            staff = signed_in(bases, handlers, tally)
            start = time.monotonic()
            until = start + args.seconds
            threads = [threading.Thread(target=reporter_loop,
                                        args=(bases, unit_id, tally, until,
                                              random.Random(rng.random())))  # noqa: S311
                       for _ in range(args.reporters)]
            threads += [threading.Thread(target=handler_loop,
                                         args=(browser, tally, until,
                                               random.Random(rng.random())))  # noqa: S311
                        for browser in staff]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - start
            checks = check_everything(bases, checker, tally, database_url,
                                      time.monotonic() + args.check_seconds)
            backend = "PostgreSQL" if args.database_url else "SQLite"
            label = (f"{args.reporters} reporters, {args.handlers} handlers, "
                     f"{args.seconds:.0f} s, {backend}, {args.servers} app server(s)")
            print(report(tally, elapsed, checks, label))
            whole = (checks["cases stored"] == checks["codes shown"]
                     == checks["opened by code"] == checks["opened by a handler"])
            return 0 if not tally.server_errors and whole else 1
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
