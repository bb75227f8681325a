"""Less work on hot paths (issue 8 §8), counted in work done, never in seconds (timings are
`make bench`'s): Argon2id runs, SQL statements, audit events walked."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select, update

from portal.cases.handling import open_for_handler
from portal.db import engine_of, session_factory, transaction
from portal.models import AuditCheckpoint, AuditEvent, Role, User
from tests.admin.case_support import World, new_case, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.helpers import make_user, sign_in
from tests.factories import csrf_token


def test_registering_an_oral_report_runs_argon2_once(world: World, admin_app: Flask,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Submission hands back the keys it made: registration used to open the reporter's
    envelope again with the code, a second Argon2id (about 0.5 s at production costs)."""
    import crypto._secret_seal as secret_seal

    calls: list[str] = []
    real = secret_seal.derive_key

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append("argon2id")
        return bytes(real(*args, **kwargs))

    alice = signed_in(admin_app, world.alice)
    token = csrf_token(alice, "/admin/cases/new")
    monkeypatch.setattr(secret_seal, "derive_key", counting)
    response = alice.post("/admin/cases/new", data={
        "csrf_token": token, "channel": "oral", "unit": world.unit_id, "category": "other",
        "language": "en", "description": "x", "minutes": "y"})
    assert response.status_code == 200 and 'id="case-code"' in response.get_data(as_text=True)
    assert calls == ["argon2id"]


def test_the_case_page_opens_a_case_with_one_query(world: World, portal_app: Flask) -> None:
    """holds_case, two unwraps and the case row were four queries on every case page load."""
    case_id, _code = new_case(portal_app, world.unit_id)
    statements: list[str] = []
    engine = engine_of(portal_app)

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        user = db.get(User, world.alice.id)
        assert user is not None
        event.listen(engine, "before_cursor_execute", count)
        try:
            opened = open_for_handler(db, case_id, user, world.alice.private_key)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert opened is not None and opened.case.id == case_id
        # Olga holds no wrap of this Nordic case: still one query, and nothing opened.
        olga = db.get(User, world.olga.id)
        assert olga is not None
        assert open_for_handler(db, case_id, olga, world.olga.private_key) is None
    assert len(statements) == 1, statements


def _auditor(app: Flask) -> Any:
    auditor, password, secret = make_user(app, roles=[Role.AUDITOR])
    client = app.test_client()
    assert sign_in(client, auditor.email, password, secret).status_code == 303
    return client


def _checkpoint(app: Flask) -> AuditCheckpoint | None:
    with app.app_context(), transaction(session_factory(app)) as db:
        return db.scalar(select(AuditCheckpoint))


def test_the_audit_page_checks_only_what_is_new(admin_app: Flask) -> None:
    """The page walked the whole chain on every load; now it walks what came after the last
    sealed checkpoint, and the whole chain on request."""
    for _ in range(3):
        make_user(admin_app, roles=[Role.AUDITOR])
    client = _auditor(admin_app)
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "is intact" in first and 'id="chain-scope"' not in first
    checkpoint = _checkpoint(admin_app)
    assert checkpoint is not None
    seen = checkpoint.seq
    make_user(admin_app, roles=[Role.AUDITOR])
    second = client.get("/admin/audit").get_data(as_text=True)
    assert "is intact" in second
    assert f"Events 1 to {seen} were found intact" in second
    moved = _checkpoint(admin_app)
    assert moved is not None and moved.seq > seen


def test_a_whole_check_finds_an_edit_behind_the_checkpoint(admin_app: Flask) -> None:
    for _ in range(3):
        make_user(admin_app, roles=[Role.AUDITOR])
    client = _auditor(admin_app)
    client.get("/admin/audit")
    with session_factory(admin_app)() as db:
        db.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(action="user.renamed"))
        db.commit()
    assert "The chain is broken at event 2" in client.get("/admin/audit?check=all").get_data(
        as_text=True)


@pytest.mark.parametrize("forgery", ["old seal", "zero seal"])
def test_a_forged_checkpoint_is_ignored(admin_app: Flask, forgery: str) -> None:
    """A database writer edits an event after the checkpoint and moves the checkpoint past
    it: the seal (an HMAC under the audit key) does not fit, so the page walks the whole
    chain again and names the edited event."""
    for _ in range(3):
        make_user(admin_app, roles=[Role.AUDITOR])
    client = _auditor(admin_app)
    client.get("/admin/audit")
    checkpoint = _checkpoint(admin_app)
    assert checkpoint is not None
    edited = checkpoint.seq + 1
    for _ in range(2):
        make_user(admin_app, roles=[Role.AUDITOR])
    with session_factory(admin_app)() as db:
        db.execute(update(AuditEvent).where(AuditEvent.seq == edited)
                   .values(action="user.renamed"))
        stored = db.scalar(select(AuditCheckpoint))
        head = db.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
        assert stored is not None and head is not None
        stored.seq, stored.mac = head.seq, head.mac
        if forgery == "zero seal":
            stored.seal = bytes(32)
        db.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    assert f"The chain is broken at event {edited}" in page
