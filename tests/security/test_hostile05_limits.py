"""Hostile input, point 5: rate limits that cannot be turned against reporters, and that mean
what they say with more than one worker.

Reproductions: a reporter's incomplete forms (a field missing) spent the same budget as real
attempts, so a few slips locked them out of sending the real one; `aktsom serve --workers 2`
(the default) kept a separate in-memory counter in each worker, doubling every limit.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner

from admin import server
from config import SettingsError, load_settings
from tests.factories import csrf_token
from tests.portal.helpers import post_report


def test_followups_with_a_field_missing_or_a_bad_token_do_not_spend_the_budget(
    make_portal_app: Any,
) -> None:
    client = make_portal_app(rate_limit_followup="3 per minute").test_client()
    token = csrf_token(client, "/followup")
    for _ in range(5):
        assert client.post("/followup", data={"csrf_token": token}).status_code == 200
        assert client.post("/followup", data={"csrf_token": "forged",
                                              "case_code": "bad"}).status_code == 400
    codes = [client.post("/followup", data={"csrf_token": token, "case_code": "bad"}).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_incomplete_reports_do_not_spend_the_budget(make_portal_app: Any) -> None:
    app = make_portal_app(rate_limit_report="2 per minute")
    client: FlaskClient = app.test_client()
    for _ in range(4):
        response = client.post("/report", data={"csrf_token": csrf_token(client, "/report"),
                                                "category": "other"})
        assert response.status_code == 200
        assert "Describe what happened." in response.get_data(as_text=True)
    statuses = [post_report(client, "dont_know", "The real report.").status_code
                for _ in range(3)]
    # 503: no handler or recovery key exists in this bare set-up; the report got through.
    assert 429 not in statuses[:2] and statuses[2] == 429


def test_a_refused_attempt_does_not_extend_the_wait(make_portal_app: Any) -> None:
    """Retrying while limited is answered with 429 and not counted (moving window)."""
    client = make_portal_app(rate_limit_followup="2 per minute").test_client()
    token = csrf_token(client, "/followup")
    codes = [client.post("/followup", data={"csrf_token": token, "case_code": "bad"}).status_code
             for _ in range(6)]
    assert codes == [200, 200, 429, 429, 429, 429]


def test_more_than_one_worker_needs_redis() -> None:
    with pytest.raises(SettingsError, match="AKTSOM_WORKERS.*AKTSOM_REDIS_URL"):
        load_settings(environ={"AKTSOM_WORKERS": "2"})
    assert load_settings(environ={}).workers == 1
    assert load_settings(environ={"AKTSOM_WORKERS": "3",
                                  "AKTSOM_REDIS_URL": "redis://127.0.0.1:6379/0"}).workers == 3
    with pytest.raises(SettingsError, match="AKTSOM_WORKERS"):
        load_settings(environ={}, workers=0)


def test_serve_with_two_workers_and_no_redis_refuses_to_start(
    runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[object] = []
    monkeypatch.setattr(server.AktsomServer, "run", lambda self: started.append(self))
    monkeypatch.delenv("AKTSOM_REDIS_URL", raising=False)
    result = runner.invoke(args=["serve", "--workers", "2"])
    assert result.exit_code != 0
    assert "AKTSOM_REDIS_URL" in result.output
    assert started == []


def test_serve_defaults_to_one_worker_with_threads() -> None:
    options = server.gunicorn_options("127.0.0.1", 8000, load_settings(environ={}).workers)
    assert options["workers"] == 1 and options["threads"] > 1
