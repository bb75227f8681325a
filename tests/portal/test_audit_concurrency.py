"""Two transactions appending to the audit chain at once: the second waits for the first and
continues the chain, instead of colliding on the primary key (and losing its request)."""

from __future__ import annotations

import threading
import time

from flask import Flask

from portal.audit import record_event, verify_chain
from portal.db import session_factory
from portal.extensions import server_keys_of


def test_concurrent_appends_are_serialised(portal_app: Flask) -> None:
    factory = session_factory(portal_app)
    with portal_app.app_context():
        key = server_keys_of(portal_app).audit
    first = factory()
    record_event(first, key, action="first", actor_kind="system")
    outcome: dict[str, object] = {}

    def second_append() -> None:
        session = factory()
        try:
            outcome["seq"] = record_event(session, key, action="second", actor_kind="system").seq
            session.commit()
        except Exception as error:  # noqa: BLE001 (reported to the test below)
            outcome["error"] = repr(error)
            session.rollback()
        finally:
            session.close()

    thread = threading.Thread(target=second_append)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive(), "the second append did not wait for the first transaction"
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert outcome == {"seq": 2}
    with factory() as db:
        report = verify_chain(db, key)
    assert report.ok and report.events == 2
