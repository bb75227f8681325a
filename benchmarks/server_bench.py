"""The reporter's side measured from outside, against `aktsom serve` (gunicorn) on loopback.

Used by ``benchmarks/bench.py`` (``make bench``); not a script of its own. Everything here
talks to 127.0.0.1 only, is bounded in count and time, and stops the server it started,
whatever happens (issue 15 §1).

* an organisation is written straight into a fresh database (companies, one certified handler
  each, a group handler, the recovery key), as `aktsom init` and the account pages would;
* the server is `aktsom serve` in a child process with the production Argon2 costs, the
  development environment (no TLS on loopback) and rate limits raised out of the way;
* a reporter is a stdlib HTTP client with a cookie jar: GET the form, POST it, follow the
  redirect to the code page; a follow-up is GET /followup, POST the code, follow to /case.
"""

from __future__ import annotations

import http.cookiejar
import io
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

import portal
from config import Settings, load_settings
from crypto import TEST_ARGON2, UserKeyPair, possession_tag, seal_private_key, seal_with_key
from loadtest.service import free_port
from portal.db import engine_of, new_id, session_factory, transaction
from portal.extensions import server_keys_of
from portal.key_directory import sign_certificate
from portal.models import OrgUnit, Role, UnitMembership, User, UserRole
from portal.recovery import ensure_recovery_key
from portal.schema import upgrade
from portal.serverkeys import create_server_keys

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_CODE = re.compile(r'id="case-code">([^<]+)<')
_UNIT_OPTION = re.compile(r'<option value="([0-9a-f]{32})"')
START_TIMEOUT = 90.0
REQUEST_TIMEOUT = 120.0


# --- the server --------------------------------------------------------------------------


def server_environment(database_url: str, instance: Path, *, argon2: tuple[int, int, int]
                       ) -> dict[str, str]:
    """The environment `aktsom serve` runs with: this database and instance, the given
    Argon2 costs, rate limits far above what the bench sends (they are measured elsewhere:
    tests/security), and no mail."""
    time_cost, memory_kib, parallelism = argon2
    return {
        "AKTSOM_ENV": "development",
        "AKTSOM_DATABASE_URL": database_url,
        "AKTSOM_INSTANCE_DIR": str(instance),
        "AKTSOM_SECRET_KEY": secrets.token_hex(32),
        "AKTSOM_ARGON2_TIME_COST": str(time_cost),
        "AKTSOM_ARGON2_MEMORY_COST_KIB": str(memory_kib),
        "AKTSOM_ARGON2_PARALLELISM": str(parallelism),
        "AKTSOM_RATE_LIMIT_REPORT": "100000 per minute",
        "AKTSOM_RATE_LIMIT_FOLLOWUP": "100000 per minute",
        "AKTSOM_RATE_LIMIT_LOGIN": "100000 per minute",
        "AKTSOM_RATE_LIMIT_GLOBAL_PER_MINUTE": "1000000",
        "AKTSOM_RATE_LIMIT_SLOWDOWN_MAX_SECONDS": "0",
    }


def settings_for(environment: dict[str, str]) -> Settings:
    return load_settings(environ=environment)


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]

    def cpu_seconds(self) -> float:
        """User and system CPU of the server and its workers so far, with that of the child
        processes they have waited for (the metadata-cleaning sandbox), from Linux /proc."""
        total = 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += sum(int(value) for value in fields[11:15]) / ticks
        return total

    def settle(self, quiet_seconds: float = 0.5, at_most: float = 30.0) -> None:
        """Wait until the server uses (almost) no CPU: a worker starts the metadata-cleaning
        fork server at start, which goes on importing the cleaners (about a second of CPU)
        after the first answers; counted inside a measurement, that one-time cost looked like
        80 ms per report over fifteen reports."""
        deadline = time.monotonic() + at_most
        before = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(quiet_seconds)
            now = self.cpu_seconds()
            if now - before < 0.02:
                return
            before = now


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found + [grandchild for child in found for grandchild in _children(child)]


@contextmanager
def running_server(environment: dict[str, str], log: Path) -> Iterator[Server]:
    """`aktsom serve` on a free loopback port until the block ends (SIGTERM, then SIGKILL)."""
    port = free_port()
    aktsom = Path(sys.executable).with_name("aktsom")
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(aktsom), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, **environment}, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"aktsom serve stopped at start; see {log}")
            try:
                with urllib.request.urlopen(server.base_url + "/", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"aktsom serve did not answer in {START_TIMEOUT:.0f} s")
            time.sleep(0.2)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


# --- the organisation --------------------------------------------------------------------


def prepare(database_url: str, environment: dict[str, str]) -> Settings:
    """Migrate the database and make the server keys, as `aktsom init` does."""
    upgrade(database_url)
    settings = settings_for(environment)
    settings.storage_dir.mkdir(parents=True, exist_ok=True)
    create_server_keys(settings.server_keys_file)
    return settings


def _handler(app: Flask, name: str, unit_ids: list[str]) -> None:
    """A certified handler with a hybrid key pair (the password seal at the cheapest costs:
    nobody signs in here, and it is not what is measured)."""
    pair = UserKeyPair.generate()
    keys = server_keys_of(app)
    with transaction(session_factory(app)) as db:
        user_id = new_id()
        user = User(
            id=user_id, email=f"{user_id}@example.org", name=name, password_hash="!",
            public_key=pair.public_bytes,
            sealed_private_key=seal_private_key(pair.private_bytes, "bench passphrase",
                                                TEST_ARGON2, pepper=keys.key_sealing),
            key_certificate=sign_certificate(keys, user_id, pair.public_bytes,
                                             roles=(Role.HANDLER,), unit_ids=unit_ids),
            key_possession_tag=possession_tag(keys.key_possession, user_id, pair.public_bytes),
            sealed_totp_secret=seal_with_key(keys.totp, b"\0" * 20),
        )
        user.roles = [UserRole(role=Role.HANDLER)]
        user.memberships = [UnitMembership(unit_id=unit_id) for unit_id in unit_ids]
        db.add(user)


def grow_organisation(settings: Settings, companies: int) -> None:
    """Bring the organisation up to `companies` companies with one handler each, a group
    with its handler and the recovery key (made on the first call)."""
    app = portal.create_app(settings)
    try:
        with app.app_context():
            with transaction(session_factory(app)) as db:
                have = db.query(OrgUnit).filter(OrgUnit.is_group.is_(False)).count()
                first = db.query(OrgUnit).count() == 0
                if first:
                    db.add(OrgUnit(id=new_id(), code="GROUP", name="Group compliance",
                                   is_group=True))
            if first:
                with transaction(session_factory(app)) as db:
                    group = db.query(OrgUnit).filter(OrgUnit.is_group.is_(True)).one()
                    group_id = group.id
                    ensure_recovery_key(db, server_keys_of(app), "Benchmark group")
                _handler(app, "Grace Group", [group_id])
            for number in range(have + 1, companies + 1):
                unit_id = new_id()
                with transaction(session_factory(app)) as db:
                    db.add(OrgUnit(id=unit_id, code=f"CO{number:03d}",
                                   name=f"Company {number:03d}", country="NO"))
                _handler(app, f"Handler {number:03d}", [unit_id])
    finally:
        engine_of(app).dispose()


# --- the reporter ------------------------------------------------------------------------


@dataclass
class Reporter:
    """One browser: a cookie jar, GET and POST, redirects followed."""

    base_url: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self._opener.open(self.base_url + path, timeout=REQUEST_TIMEOUT) as answer:
            return str(answer.read().decode())

    def post(self, path: str, body: bytes, content_type: str) -> tuple[int, str]:
        request = urllib.request.Request(self.base_url + path, data=body, method="POST",
                                         headers={"Content-Type": content_type})
        try:
            with self._opener.open(request, timeout=REQUEST_TIMEOUT) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, str, bytes]]
               ) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = io.BytesIO()
    for name, value in fields.items():
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                   f"{value}\r\n".encode())
    for name, (filename, media_type, content) in files.items():
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                   f'filename="{filename}"\r\nContent-Type: {media_type}\r\n\r\n'.encode())
        body.write(content + b"\r\n")
    body.write(f"--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


def _token(page: str) -> str:
    match = _CSRF.search(page)
    if match is None:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


REPORT_TEXT = ("Workers at the site say their passports are kept by the agency and their "
               "wages are paid late. ") * 11  # about 1 KB, as the issue measures
assert 1000 <= len(REPORT_TEXT) <= 1100  # noqa: S101


def submit(base_url: str, photo: bytes | None = None, unit: str | None = None) -> str:
    """One report, as a browser sends it: GET the form, POST it, read the code page.
    Returns the case code."""
    reporter = Reporter(base_url)
    form = reporter.get("/report")
    if unit is None:
        units = _UNIT_OPTION.findall(form)
        unit = units[0]
    files = {"attachments": ("photo.jpg", "image/jpeg", photo)} if photo is not None else {}
    body, content_type = _multipart({"csrf_token": _token(form), "category": "fraud",
                                     "unit": unit, "description": REPORT_TEXT}, files)
    status, page = reporter.post("/report", body, content_type)
    code = _CODE.search(page)
    if status != 200 or code is None:
        raise RuntimeError(f"the report was not stored (HTTP {status})")
    return code.group(1)


def follow_up(base_url: str, code: str) -> None:
    """GET /followup, POST the code, land on the case page."""
    reporter = Reporter(base_url)
    form = reporter.get("/followup")
    body = urllib.parse.urlencode({"csrf_token": _token(form), "case_code": code}).encode()
    status, page = reporter.post("/followup", body, "application/x-www-form-urlencoded")
    if status != 200 or "case-code" in page or "csrf_token" not in page:
        raise RuntimeError(f"the follow-up did not open the case (HTTP {status})")


def photo_of(size: int, seed: int = 7) -> bytes:
    """A JPEG of about `size` bytes (a camera photo's noise compresses about as badly)."""
    from PIL import Image

    rng = random.Random(seed)
    side = 256
    while True:
        image = Image.frombytes("RGB", (side, side * 3 // 4),
                                rng.randbytes(side * (side * 3 // 4) * 3))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=92)
        if out.tell() >= size or side > 4096:
            return out.getvalue()
        side = int(side * max(1.05, (size / out.tell()) ** 0.5))


def timed(action: object, runs: int) -> list[float]:
    """Wall seconds of `runs` sequential calls of `action` (after one warm-up call)."""
    assert callable(action)
    action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


def throughput(base_url: str, concurrency: int, total: int, seconds: float
               ) -> tuple[int, float]:
    """(stored reports, wall seconds) with `concurrency` reporters at once, until `total`
    are in or `seconds` have passed (whichever first; both bound the run)."""
    lock = threading.Lock()
    done = [0]
    errors: list[str] = []
    stop_at = time.monotonic() + seconds

    def reporter() -> None:
        while time.monotonic() < stop_at:
            with lock:
                if done[0] >= total:
                    return
            try:
                submit(base_url)
            except Exception as error:  # noqa: BLE001 - counted and reported below
                errors.append(type(error).__name__)
                return
            with lock:
                done[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=reporter) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} reporters failed: {sorted(set(errors))}")
    return done[0], elapsed


def p50(values: list[float]) -> float:
    return statistics.median(values)
