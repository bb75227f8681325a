"""Fixtures and helpers of the case-handling tests (tests/admin/test_case_*.py,
tests/portal/test_retention*.py, tests/portal/test_notifications*.py).

The `world` fixture is a small organisation made through the real account service, so every
person can sign in with A's `sign_in` helper: two handlers of Nordic (Alice, Bob), one of
Baltic (Olga, who holds no Nordic case), a group handler (Grace), a manager (Mona), an admin,
an auditor and a compliance officer, plus the recovery key.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from crypto import open_private_key
from portal.cases.attachments import Upload
from portal.cases.handling import HandlerCase, open_for_handler
from portal.cases.submission import NewReport, submit_report
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of, settings_of
from portal.models import Case, OrgUnit, Role, User
from portal.storage import file_store
from tests.admin.helpers import make_user, sign_in
from tests.factories import csrf_token, make_recovery_key

CODE = re.compile(r'id="case-code">([^<]+)<')


@dataclass
class Person:
    id: str
    email: str
    name: str
    password: str
    totp_secret: bytes
    private_key: bytes = field(repr=False)


@dataclass
class World:
    unit_id: str
    other_unit_id: str
    group_unit_id: str
    people: dict[str, Person]
    recovery_sheet: str

    def __getattr__(self, name: str) -> Person:
        try:
            return self.people[name]
        except KeyError:
            raise AttributeError(name) from None


def make_person(app: Flask, name: str, roles: tuple[Role, ...],
                units: tuple[str, ...]) -> Person:
    user, password, secret = make_user(app, roles=roles, units=units, name=name,
                                       email=f"{name.lower()}@example.org")
    return Person(user.id, user.email, user.name, password, secret,
                  open_private_key(user.sealed_private_key, password,
                                   pepper=server_keys_of(app).key_sealing))


def build_world(app: Flask) -> World:
    people = {
        "alice": make_person(app, "Alice", (Role.HANDLER,), ("NORDIC",)),
        "bob": make_person(app, "Bob", (Role.HANDLER,), ("NORDIC",)),
        "olga": make_person(app, "Olga", (Role.HANDLER,), ("BALTIC",)),
        "grace": make_person(app, "Grace", (Role.HANDLER,), ("GROUP",)),
        "mona": make_person(app, "Mona", (Role.MANAGER,), ()),
        "adam": make_person(app, "Adam", (Role.ADMIN,), ()),
        "audrey": make_person(app, "Audrey", (Role.AUDITOR,), ()),
        "carl": make_person(app, "Carl", (Role.COMPLIANCE,), ()),
    }
    with app.app_context(), transaction(session_factory(app)) as db:
        units = {unit.code: unit for unit in db.scalars(select(OrgUnit))}
        units["GROUP"].is_group = True
        ids = (units["NORDIC"].id, units["BALTIC"].id, units["GROUP"].id)
    return World(*ids, people=people, recovery_sheet=make_recovery_key(app))


@pytest.fixture
def world(portal_app: Flask, admin_app: Flask) -> World:
    return build_world(portal_app)


def signed_in(app: Flask, person: Person) -> FlaskClient:
    """A staff client signed in as `person` (CSRF stays on)."""
    client = app.test_client()
    response = sign_in(client, person.email, person.password, person.totp_secret)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return client


def new_case(app: Flask, unit_id: str | None, description: str = "Passports are kept.",
             *, now: datetime | None = None, files: dict[str, bytes] | None = None,
             **extra: Any) -> tuple[str, str]:
    """Submit a case through the service (as the report form does): (case id, code)."""
    uploads = [Upload(filename=name, media_type="text/plain", stream=io.BytesIO(content))
               for name, content in (files or {}).items()]
    with app.app_context(), transaction(session_factory(app)) as db:
        report = NewReport(category=extra.pop("category", "forced_labour"),
                           human_rights=extra.pop("human_rights", True), unit_id=unit_id,
                           description=description, language=extra.pop("language", "en"),
                           **extra)
        submitted = submit_report(db, settings=settings_of(app), server_keys=server_keys_of(app),
                                  store=file_store(app), report=report, uploads=uploads,
                                  now=now)
        return submitted.case.id, submitted.code


def report_over_http(client: FlaskClient, unit_id: str, description: str,
                     **extra: Any) -> str:
    """Submit through /report as a reporter would; returns the code."""
    data: dict[str, Any] = {"csrf_token": csrf_token(client, "/report"),
                            "category": "forced_labour", "unit": unit_id,
                            "description": description}
    data.update(extra)
    response = client.post("/report", data=data, content_type="multipart/form-data",
                           follow_redirects=True)  # to the code page (issue 14 §1)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    match = CODE.search(response.get_data(as_text=True))
    assert match
    return match.group(1)


def with_file(name: str, content: bytes) -> tuple[io.BytesIO, str]:
    return io.BytesIO(content), name


def open_case(app: Flask, case_id: str, person: Person) -> tuple[Any, HandlerCase | None]:
    """A session and the case opened with `person`'s key (use inside `with app.app_context()`)."""
    db = session_factory(app)()
    user = db.get(User, person.id)
    assert user is not None
    return db, open_for_handler(db, case_id, user, person.private_key)


def case_row(app: Flask, case_id: str) -> Case | None:
    with app.app_context(), transaction(session_factory(app)) as db:
        return db.get(Case, case_id)


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None,
         *, token_from: str = "/admin/cases") -> Any:  # noqa: S107 (a path)
    """POST with a CSRF token taken from a page of the signed-in client."""
    payload = {"csrf_token": csrf_token(client, token_from)}
    payload.update(data or {})
    return client.post(url, data=payload)


def approve_access_request(app: Flask, client: FlaskClient, case_id: str,
                           decision: str = "approve") -> Any:
    """The signed-in `client`, a holder of the case, decides the one open request to leave
    someone out of it or take them back in (four eyes), from the case page."""
    from portal.approvals import pending
    from portal.states import ApprovalKind

    with app.app_context(), transaction(session_factory(app)) as db:
        (request,) = (pending(db, ApprovalKind.CASE_EXCLUSION, case_id=case_id)
                      + pending(db, ApprovalKind.CASE_REINSTATEMENT, case_id=case_id))
        request_id, kind = request.id, request.kind.value
    # Approving a request to leave someone out is confirmed on its own page (issue 14 §9).
    return post(client, f"/admin/cases/{case_id}/requests/{request_id}",
                {"kind": kind, "decision": decision, "confirm": "yes"},
                token_from=f"/admin/cases/{case_id}")


def exclude_with_four_eyes(app: Flask, asker: FlaskClient, case_id: str, excluded_id: str,
                           approver: Person) -> tuple[FlaskClient, Any]:
    """Leave `excluded_id` out of the case as the handlers do since security finding 14: the
    asker shares the case with `approver` (a second holder), asks, and the approver approves.
    Returns the approver's client and the answer to the approval."""
    # Olga works for another company: sharing with her needs a reason (issue 11 §3).
    post(asker, f"/admin/cases/{case_id}/grant", {"grant-user_id": approver.id,
                                                   "grant-reason": "expertise"})
    # (Confirmed, as the confirmation page does: issue 14 §9.)
    post(asker, f"/admin/cases/{case_id}/exclude", {"exclude-user_id": excluded_id,
                                                    "exclude-confirm": "yes"})
    client = signed_in(app, approver)
    return client, approve_access_request(app, client, case_id)
