"""The audit chain as staff see it: the page, `aktsom audit verify`, and tampering."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from admin.cli import cli
from portal.db import session_factory
from portal.extensions import settings_of
from portal.models import AuditEvent, Role
from portal.outside_records import anchors_file
from tests.admin.helpers import make_user, sign_in


def some_events(app: Flask) -> None:
    for _ in range(4):
        make_user(app, roles=[Role.AUDITOR])


def edit(db: Session) -> None:
    db.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(action="user.renamed"))


def remove(db: Session) -> None:
    db.execute(delete(AuditEvent).where(AuditEvent.seq == 2))


def reorder(db: Session) -> None:
    # Swap the positions of events 2 and 3 (their numbers move, their contents stay).
    for old, new in ((2, 1000), (3, 2), (1000, 3)):
        db.execute(update(AuditEvent).where(AuditEvent.seq == old).values(seq=new))


def truncate_from_the_start(db: Session) -> None:
    db.execute(delete(AuditEvent).where(AuditEvent.seq == 1))


TAMPERING: dict[str, Callable[[Session], None]] = {
    "edit": edit, "delete": remove, "reorder": reorder, "drop the first": truncate_from_the_start,
}
FIRST_BAD = {"edit": 2, "delete": 3, "reorder": 2, "drop the first": 2}


def test_verify_passes_on_an_intact_chain(admin_app: Flask, runner: FlaskCliRunner) -> None:
    some_events(admin_app)
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0
    assert "intact: 4 events" in result.output


@pytest.mark.parametrize("how", list(TAMPERING))
def test_verify_names_the_first_bad_event(admin_app: Flask, runner: FlaskCliRunner,
                                          admin_client: FlaskClient, how: str) -> None:
    some_events(admin_app)
    auditor, password, secret = make_user(admin_app, roles=[Role.AUDITOR])
    with session_factory(admin_app)() as db:
        TAMPERING[how](db)
        db.commit()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at seq {FIRST_BAD[how]}" in result.output
    assert sign_in(admin_client, auditor.email, password, secret).status_code == 303
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert f"The chain is broken at event {FIRST_BAD[how]}" in page


def test_the_audit_page_lists_events_without_content(admin_app: Flask,
                                                     admin_client: FlaskClient) -> None:
    some_events(admin_app)
    auditor, password, secret = make_user(admin_app, roles=[Role.AUDITOR], name="Audrey")
    assert sign_in(admin_client, auditor.email, password, secret).status_code == 303
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "The chain of 6 events is intact" in page
    assert "auth.signed_in" in page
    assert "Audrey" in page
    with session_factory(admin_app)() as db:
        count = len(list(db.scalars(select(AuditEvent))))
    assert count == 6


def test_the_audit_page_names_each_action_beside_its_code(
        admin_app: Flask, admin_client: FlaskClient) -> None:
    some_events(admin_app)
    auditor, password, secret = make_user(admin_app, roles=[Role.AUDITOR])
    with session_factory(admin_app)() as db:
        edit(db)  # a code the catalogue does not know
        db.commit()
    assert sign_in(admin_client, auditor.email, password, secret).status_code == 303
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Signed in<br>" in page
    assert "Account created<br>" in page
    assert '<code>auth.signed_in</code>' in page
    assert '<td data-label="Action" class="action"><code>user.renamed</code></td>' in page
    admin_client.set_cookie("aktsom_lang", "nb")
    assert "Logget inn<br>" in admin_client.get("/admin/audit").get_data(as_text=True)


def test_the_audit_page_is_paginated(admin_app: Flask, admin_client: FlaskClient,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("admin.audit.filters.DEFAULT_PAGE_SIZE", 2)
    some_events(admin_app)
    admin, password, secret = make_user(admin_app, roles=[Role.ADMIN])
    assert sign_in(admin_client, admin.email, password, secret).status_code == 303
    first = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Page 1 of 3" in first
    assert '<td data-label="#">6</td>' in first
    assert '<td data-label="#">4</td>' not in first
    last = admin_client.get("/admin/audit?page=3").get_data(as_text=True)
    assert '<td data-label="#">1</td>' in last
    assert "Page 3 of 3" in admin_client.get("/admin/audit?page=99").get_data(as_text=True)


def test_an_anchor_reveals_events_cut_from_the_end(admin_app: Flask,
                                                   runner: FlaskCliRunner) -> None:
    some_events(admin_app)
    first = runner.invoke(cli, ["audit", "verify"])
    anchor = first.output.rsplit(" ", 1)[-1].strip()
    assert anchor.startswith("4:")
    assert runner.invoke(cli, ["audit", "verify", "--anchor", anchor]).exit_code == 0
    with session_factory(admin_app)() as db:
        db.execute(delete(AuditEvent).where(AuditEvent.seq == 4))
        db.commit()
    # The automatic anchors beside the keys file show the cut (finding 12) ...
    assert runner.invoke(cli, ["audit", "verify"]).exit_code == 1
    # ... and without them the rest of the chain is still consistent: only the hand-noted
    # anchor shows the cut.
    anchors_file(settings_of(admin_app)).unlink()
    assert runner.invoke(cli, ["audit", "verify"]).exit_code == 0
    result = runner.invoke(cli, ["audit", "verify", "--anchor", anchor])
    assert result.exit_code == 1
    assert "CUT" in result.output
    assert runner.invoke(cli, ["audit", "verify", "--anchor", "nonsense"]).exit_code == 1
