"""Issue 15 §8: two `aktsom serve` processes, one service.

Two app servers on two ports share PostgreSQL, Redis and the file store, and every request
goes to the other one from the last (as a reverse proxy may send them): a reporter's session
and a staff session work across both, a case stored through one is read through the other,
and a rate limit counts the attempts made at both.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from config import Settings
from loadtest.client import Browser, open_with_code, submit_report
from loadtest.service import Server, free_port, serve_environment
from tests.admin.case_support import World, world  # noqa: F401
from tests.admin.helpers import totp_code

FOLLOWUP_LIMIT = 4


@pytest.fixture
def two_servers(settings: Settings, portal_app: Flask, tmp_path: Path) -> Any:
    redis_url = os.environ.get("AKTSOM_TEST_REDIS_URL")
    if not settings.database_url.startswith("postgresql") or not redis_url:
        pytest.skip("needs PostgreSQL (AKTSOM_DATABASE_URL) and Redis (AKTSOM_TEST_REDIS_URL)")
    # No flush of the shared Redis database: other sessions use it, and this run's limiter
    # keys are hashed with its own secret key (loadtest.service), so they meet nobody's.
    env = serve_environment(database_url=settings.database_url,
                            instance_dir=settings.instance_dir,
                            storage_dir=settings.storage_dir,
                            server_keys_file=settings.server_keys_file, env="test",
                            redis_url=redis_url)
    env["AKTSOM_RATE_LIMIT_FOLLOWUP"] = f"{FOLLOWUP_LIMIT} per minute"
    servers = [Server(env, free_port(), tmp_path / f"serve-{n}.log") for n in (1, 2)]
    try:
        for server in servers:
            server.wait_ready()
        yield [server.base for server in servers]
    finally:
        for server in servers:
            server.stop()


def test_sessions_cases_and_rate_limits_work_across_two_app_servers(
        two_servers: list[str], world: World) -> None:  # noqa: F811
    first, second = two_servers
    # The reporter: every request to the other server than the one before.
    reporter = Browser([first, second])
    code = submit_report(reporter, world.unit_id, "Overtime was not paid in March.",
                         attachment=b"timesheet " * 1000)
    assert code is not None
    page = open_with_code(reporter, code)
    assert page is not None and "Overtime was not paid in March." in page
    assert "Overtime was not paid" in reporter.get("/case").body  # the session, next server
    token = reporter.token("/case")
    answer = reporter.post("/case/messages", {"csrf_token": token,
                                              "body": "I can also name a witness."})
    assert answer.status == 303

    # A handler: signed in through one, working through both.
    staff = Browser([second, first])
    alice = world.alice
    signed = staff.post("/admin/login", {"csrf_token": staff.token("/admin/login"),
                                         "email": alice.email, "password": alice.password,
                                         "totp": totp_code(alice.totp_secret)})
    assert signed.status == 303 and "/login" not in signed.location
    listing = staff.get("/admin/cases").body
    case_ids = [part.split('"')[0] for part in listing.split('href="/admin/cases/')[1:]
                if len(part.split('"')[0]) == 32]
    assert len(case_ids) == 1
    case_page = staff.get(f"/admin/cases/{case_ids[0]}").body
    assert "Overtime was not paid in March." in case_page
    assert "I can also name a witness." in case_page
    reply = staff.post(f"/admin/cases/{case_ids[0]}/messages",
                       {"csrf_token": staff.token(f"/admin/cases/{case_ids[0]}"),
                        "body": "Thank you, we will contact the witness.",
                        "is_feedback": "update"})
    assert reply.status == 303
    assert "we will contact the witness" in reporter.get("/case").body

    # Wrong codes, alternating servers: the limit is reached after FOLLOWUP_LIMIT attempts
    # in all, not per server (each server alone has seen only half of them).
    guesser = Browser([first, second])
    statuses = [guesser.post("/followup", {"csrf_token": guesser.token("/followup"),
                                           "case_code": "AAAA-BBBB-CCCC-DDDD-EEEE"}).status
                for _ in range(FOLLOWUP_LIMIT + 2)]
    assert 429 not in statuses[:FOLLOWUP_LIMIT]
    assert statuses[FOLLOWUP_LIMIT:] == [429, 429]
