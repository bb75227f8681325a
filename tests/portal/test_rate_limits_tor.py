"""Issue 14 §6: rate limits that work behind Tor. Behind an onion service every reporter
arrives from the same address (all test clients here share 127.0.0.1 too), so the limits are
keyed per case code typed and per reporter session, and a global cap slows everyone down
gradually instead of refusing anyone.

Reproduction before the fix: the limits were keyed by address only, so an attacker's wrong
codes (or reports) used up the budget of every reporter, who then got 429; and there was no
global slowdown."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import portal.hardening
from tests.factories import csrf_token, make_handler, make_recovery_key, make_unit
from tests.portal.helpers import follow_up, post_report, submit

WRONG = "ABCD-EFGH-JKMN-PQRS-TVWX"


def _ready(app: Flask) -> str:
    unit = make_unit(app, "NORDIC", "Nordic Security AS")
    make_handler(app, "Alice Handler", [unit])
    make_recovery_key(app)
    return unit


def _try_code(client: FlaskClient, code: str) -> int:
    return follow_up(client, code).status_code


def test_an_attackers_wrong_codes_do_not_lock_out_a_reporter(make_portal_app: Any) -> None:
    app = make_portal_app(rate_limit_followup="3 per minute")
    unit = _ready(app)
    reporter = app.test_client()
    code = submit(reporter, unit, "The agency keeps our passports.")
    attacker = app.test_client()
    # Many different wrong codes from the same (onion) address.
    for number in range(6):
        assert _try_code(attacker, f"ABCD-EFGH-JKMN-PQRS-TVW{number}") == 200
    assert _try_code(reporter, code) == 303


def test_wrong_codes_against_one_look_up_are_limited(make_portal_app: Any) -> None:
    app = make_portal_app(rate_limit_followup="3 per minute")
    _ready(app)
    attacker = app.test_client()
    statuses = [_try_code(attacker, WRONG) for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # The same code written another way is the same look-up.
    assert _try_code(attacker, WRONG.lower().replace("-", " ")) == 429
    # Another client on the same address, with the same code: still that code's limit.
    assert _try_code(app.test_client(), WRONG) == 429


def _send(client: FlaskClient, body: str) -> int:
    return client.post("/case/messages", data={
        "csrf_token": csrf_token(client, "/case"), "body": body},
        content_type="multipart/form-data").status_code


def test_messages_are_limited_per_reporter_session(make_portal_app: Any) -> None:
    app = make_portal_app(rate_limit_report="2 per minute")
    unit = _ready(app)
    first, second = app.test_client(), app.test_client()
    first_code = submit(first, unit, "First report.")
    second_code = submit(second, unit, "Second report.")
    assert follow_up(first, first_code).status_code == 303
    assert follow_up(second, second_code).status_code == 303
    assert [_send(first, "one"), _send(first, "two"), _send(first, "three")] == [303, 303, 429]
    # Another reporter on the same address is not held back by the first one's budget.
    assert _send(second, "mine") == 303


def test_new_reports_are_limited_per_form_session(make_portal_app: Any) -> None:
    app = make_portal_app(rate_limit_report="1 per minute")
    unit = _ready(app)
    flooder = app.test_client()
    assert post_report(flooder, unit, "One.").status_code == 200
    assert post_report(flooder, unit, "Two.").status_code == 429
    assert post_report(app.test_client(), unit, "A real report.").status_code == 200


def test_the_limiter_store_holds_no_code(make_portal_app: Any) -> None:
    app = make_portal_app(rate_limit_followup="3 per minute")
    _ready(app)
    _try_code(app.test_client(), WRONG)
    storage = app.extensions["limiter"]
    stored = repr(getattr(next(iter(storage)).storage, "events", {}))
    assert "k:" in stored
    assert "ABCD" not in stored and "TVWX" not in stored and "127.0.0.1" not in stored


def test_the_global_cap_slows_down_gradually_and_refuses_nobody(
        make_portal_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_portal_app(rate_limit_followup="100 per minute",
                          rate_limit_global_per_minute=2, rate_limit_slowdown_max_seconds=4)
    _ready(app)
    waited: list[float] = []
    monkeypatch.setattr(portal.hardening, "_sleep", waited.append)
    client = app.test_client()
    statuses = [_try_code(client, f"ABCD-EFGH-JKMN-PQRS-TVW{number}") for number in range(5)]
    assert statuses == [200] * 5  # slowed, never refused
    assert waited == [2.0, 4.0, 4.0]  # from the third post on, growing to the maximum


def test_slowdown_delay_grows_with_the_excess() -> None:
    from portal.hardening import GradualSlowdown

    slowdown = GradualSlowdown.__new__(GradualSlowdown)
    slowdown.per_minute, slowdown.max_seconds = 100, 5.0
    assert [slowdown.delay_for(count) for count in (50, 100, 101, 150, 200, 900)] == [
        0.0, 0.0, 0.05, 2.5, 5.0, 5.0]
