"""Issue 15 §9: `aktsom serve` killed with SIGKILL in the middle of submissions.

A real server (gunicorn, subprocess) takes reports with attachments from several reporters at
once and is killed -9 while they are in flight; then it is started again. Afterwards: no half
case (every case has its report message, every attachment row its file), no orphan file once
the start-up sweep has run, and every code any reporter was shown opens its case.
"""

from __future__ import annotations

import http.client
import os
import threading
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import Settings
from loadtest.client import Browser, ServerError, open_with_code, submit_report
from loadtest.service import Server, free_port, serve_environment
from portal.db import engine_of
from portal.models import Attachment, Case, CaseKeyWrap
from tests.faults.conftest import organisation  # noqa: F401
from tests.portal.conftest import Organisation

REPORTERS = 6
# The start-up sweep spares files younger than this: another app server may be writing them.
SWEEP_GRACE_SECONDS = 3600


def _environment(settings: Settings) -> dict[str, str]:
    env = serve_environment(database_url=settings.database_url,
                            instance_dir=settings.instance_dir,
                            storage_dir=settings.storage_dir,
                            server_keys_file=settings.server_keys_file, env="test")
    env["AKTSOM_RATE_LIMIT_REPORT"] = "10000 per minute"
    return env


def test_sigkill_mid_submissions_leaves_no_half_case_no_orphan_and_no_false_code(
        portal_app: Flask, organisation: Organisation, settings: Settings,  # noqa: F811
        tmp_path: Path) -> None:
    env = _environment(settings)
    log = tmp_path / "serve.log"
    server = Server(env, free_port(), log)
    shown: list[str] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def reporter(number: int) -> None:
        browser = Browser([server.base])
        while not stop.is_set():
            try:
                code = submit_report(browser, organisation.unit_id,
                                     f"Report {number}: the gate was locked at night.",
                                     attachment=os.urandom(300_000))
            except ServerError as error:
                errors.append(error)
                return
            except (OSError, http.client.HTTPException):
                # The server died under this request (IncompleteRead when it died in the
                # middle of an answer): no code was shown.
                return
            if code:
                shown.append(code)

    try:
        server.wait_ready()
        threads = [threading.Thread(target=reporter, args=(n,)) for n in range(REPORTERS)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while len(shown) < REPORTERS and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()  # SIGKILL while the reporters are sending
        stop.set()
        for thread in threads:
            thread.join(timeout=150)
    finally:
        stop.set()
        server.kill()
    assert not errors, errors
    assert len(shown) >= REPORTERS, log.read_text()[-2000:]

    # Time passes: what the crash left is older than the sweep's grace (an hour).
    aged = time.time() - SWEEP_GRACE_SECONDS - 60
    for path in settings.storage_dir.glob("*/*.bin"):
        os.utime(path, (aged, aged))
    restarted = Server(env, free_port(), log)
    try:
        restarted.wait_ready()
        engine_of(portal_app).dispose()
        with Session(engine_of(portal_app)) as db:
            cases = list(db.scalars(select(Case)))
            stored_names = set(db.scalars(select(Attachment.stored_name)))
            for case in cases:
                wraps = db.scalar(select(func.count()).select_from(CaseKeyWrap)
                                  .where(CaseKeyWrap.case_id == case.id))
                attachments = db.scalar(select(func.count()).select_from(Attachment)
                                        .where(Attachment.case_id == case.id))
                assert case.sealed_answers, "a case without its report"
                assert wraps and wraps >= 2, "a case without its key envelopes"
                assert attachments == 1, "a case without its file"
        on_disk = {path.name for path in settings.storage_dir.glob("*/*.bin")}
        assert on_disk == stored_names  # no file lost, no orphan left after the sweep
        assert len(cases) >= len(shown)
        # Every code a reporter was shown opens its case on the restarted server.
        for code in shown:
            page = open_with_code(Browser([restarted.base]), code)
            assert page is not None and "the gate was locked at night" in page
    finally:
        restarted.stop()


@pytest.fixture(autouse=True)
def _needs_proc() -> None:
    if not Path("/proc/self").is_dir():
        pytest.skip("needs /proc")
