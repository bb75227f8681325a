"""Rate limits across app servers: with AKTSOM_REDIS_URL the counters live in Redis, and
Redis never holds a client address (the key is a keyed hash)."""

from __future__ import annotations

import os
from typing import Any

import pytest
import redis

from tests.factories import csrf_token

REDIS_URL = os.environ.get("AKTSOM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_client() -> Any:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        client.close()
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    # No flush: tests running beside this one (pytest-xdist) use the same Redis database.
    yield client
    client.close()


def test_limits_are_shared_between_app_servers_through_redis(
    make_portal_app: Any, redis_client: Any
) -> None:
    first = make_portal_app(redis_url=REDIS_URL, rate_limit_followup="3 per minute")
    second = make_portal_app(redis_url=REDIS_URL, rate_limit_followup="3 per minute",
                             secret_key=first.config["SECRET_KEY"])
    one, two = first.test_client(), second.test_client()
    before = set(redis_client.keys("*"))
    statuses = []
    for client in (one, two, one, two):
        token = csrf_token(client, "/followup")
        statuses.append(client.post("/followup", data={"csrf_token": token,
                                                       "case_code": "bad"}).status_code)
    assert statuses == [200, 200, 200, 429]
    written = set(redis_client.keys("*")) - before
    assert written, "the limiter wrote nothing to Redis"
    assert b"127.0.0.1" not in b" ".join(written)
    for key in written:
        if redis_client.type(key) == b"string":
            assert b"127.0.0.1" not in (redis_client.get(key) or b"")
