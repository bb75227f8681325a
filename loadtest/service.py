"""Start and stop real `aktsom serve` processes on loopback (load run, fault tests)."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

AKTSOM = Path(sys.executable).with_name("aktsom")


_HANDED_OUT: set[int] = set()
# Under pytest-xdist each worker takes ports from a block of its own, below the kernel's
# ephemeral range (32768 and up on Linux), so that two workers never pick the same port in
# the moment between the probe and the server's own bind.
_BLOCK_START, _BLOCK_SIZE, _BLOCKS = 20000, 500, 24


def _worker_block() -> range | None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not (worker.startswith("gw") and worker[2:].isdigit()):
        return None
    start = _BLOCK_START + int(worker[2:]) % _BLOCKS * _BLOCK_SIZE
    return range(start, start + _BLOCK_SIZE)


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A loopback port nothing listens on, never the same one twice in this process: the
    kernel may give the port of a probe it has just closed to the next probe (CI once got the
    same port for two of one test's three servers)."""
    for candidate in _worker_block() or ():
        if candidate not in _HANDED_OUT and _bindable(candidate):
            _HANDED_OUT.add(candidate)
            return candidate
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


class Server:
    """One `aktsom serve` (gunicorn master and its workers in a process group of their own,
    so that stopping it, even with SIGKILL, ends exactly these processes)."""

    def __init__(self, env: dict[str, str], port: int, log: Path, *, workers: int = 1) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self._log: IO[bytes] = log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 (our own console script)
            [str(AKTSOM), "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers)],
            env={**os.environ, **env}, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"aktsom serve on port {self.port} ended at start")
            try:
                with urllib.request.urlopen(self.base + "/", timeout=5) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        raise RuntimeError(f"aktsom serve on port {self.port} did not answer in {timeout} s")

    def kill(self) -> None:
        """SIGKILL the whole server at once: no worker finishes what it was doing."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)

    def _signal(self, number: int) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, number)
        self.process.wait(timeout=30)
        self._log.close()


def serve_environment(*, database_url: str, instance_dir: Path, storage_dir: Path,
                      server_keys_file: Path, env: str = "development",
                      redis_url: str | None = None) -> dict[str, str]:
    """The environment of an `aktsom serve` of this installation. Every app server of one
    service needs the same secret key (cookies and CSRF tokens signed by one are checked by
    the other); outside production a missing key is made at random per process, so one is
    made here and kept beside the server keys."""
    key_file = instance_dir / "load-secret-key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    values = {
        "AKTSOM_SECRET_KEY": key_file.read_text().strip(),
        "AKTSOM_ENV": env,
        "AKTSOM_DATABASE_URL": database_url,
        "AKTSOM_INSTANCE_DIR": str(instance_dir),
        "AKTSOM_STORAGE_DIR": str(storage_dir),
        "AKTSOM_SERVER_KEYS_FILE": str(server_keys_file),
    }
    if redis_url:
        values["AKTSOM_REDIS_URL"] = redis_url
    return values
