"""Who may reach which case route: no session and every role, for every route of the cases
blueprint (a new route fails this test until it is added here)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.cases.escalations import escalate
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of, settings_of
from portal.models import Attachment, Escalation, User
from tests.admin.case_support import World, new_case, open_case, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.factories import csrf_token

HANDLER_POSTS = ("reply", "note", "acknowledge_case", "status", "outcome", "supplier",
                 "legal_hold", "grant", "exclude", "reinstate", "decide_request",
                 "escalate_case", "meeting_minutes",
                 # Informing the person concerned (GDPR Art. 14, issue 11 §4).
                 "concerned_person",
                 # Issue 11 §7: the retaliation link and the working-environment task.
                 "link_case", "unlink_case", "open_work_environment_check",
                 "record_work_environment",
                 # Issue 11 §8: removing an irrelevant item, disclosing the identity.
                 "redact_item", "disclose_identity", "tell_of_disclosure",
                 # Issue 13 §1: a question filed in the wrong place.
                 "move_to_request",
                 # Issue 14 §8: the assignee (without a choice: cleared, back to the case).
                 "assign")
# endpoint -> method
ROUTES = {"case_list": "GET", "case_page": "GET", "attachment": "GET", "register": "GET",
          "register_leader_intake_view": "GET",
          # Issue 14 §9: the confirmation page for stepping aside.
          "step_aside": "GET", "confirm_close": "GET",
          "confirm_release": "GET",
          # Issue 14 §10: the original with its metadata (the setting's file has none kept,
          # so the holder gets a 404 here; tests/admin/test_evidence_copy.py covers the rest).
          "evidence_copy": "GET",
          # Issue 14 §9: confirming leaving someone out, and approving it (no such person or
          # request in the setting: 404 for a holder).
          "confirm_exclude": "GET", "confirm_approval": "GET",
          # Issue 16 §7: a standard reply put into the reply box (without a choice: back to
          # the case with an error; nothing is sent either way).
          "use_standard_reply": "GET",
          "decide": "POST", **{name: "POST" for name in HANDLER_POSTS}}
FORBIDDEN = {name: 403 for name in ROUTES}
EXPECTED: dict[str, dict[str, int]] = {
    "adam": FORBIDDEN,  # admin: no case route at all
    "audrey": FORBIDDEN,  # auditor
    "carl": FORBIDDEN,  # compliance
    # A handler who does not hold the case: the case is as good as not there.
    "olga": {"case_list": 200, "register": 200, "case_page": 404, "attachment": 404,
             "step_aside": 404, "evidence_copy": 404, "confirm_close": 404, "confirm_release": 404,
             "confirm_exclude": 404, "confirm_approval": 404, "use_standard_reply": 404,
             "register_leader_intake_view": 200,
             "decide": 403, **{name: 404 for name in HANDLER_POSTS}},
    # A handler holding the case. Posts carry only the CSRF token: refused forms also
    # redirect back to the case, except those whose form failed validation, which answer
    # with the case page again, filled in as sent (issue 14 §9).
    "alice": {"case_list": 200, "register": 200, "case_page": 200, "attachment": 200,
              "step_aside": 200, "evidence_copy": 404, "confirm_close": 200, "confirm_release": 200,
              "confirm_exclude": 404, "confirm_approval": 404, "use_standard_reply": 303,
              "register_leader_intake_view": 200,
              "decide": 403, **{name: 303 for name in HANDLER_POSTS},
              **{name: 422 for name in ("reply", "note", "status", "legal_hold",
                                        "meeting_minutes", "record_work_environment",
                                        "escalate_case", "grant", "concerned_person",
                                        "link_case", "disclose_identity")}},
    # The manager the case was escalated to: the escalation view and the decision only,
    # and, as a leader, registering a concern told to them in person (issue 11 §7(b)).
    "mona": {"case_list": 200, "case_page": 200, "decide": 303, "register": 403,
             "step_aside": 403, "evidence_copy": 403, "confirm_close": 403, "confirm_release": 403,
             "confirm_exclude": 403, "confirm_approval": 403, "use_standard_reply": 403,
             "register_leader_intake_view": 200,
             "attachment": 403, **{name: 403 for name in HANDLER_POSTS}},
}


@pytest.fixture
def setting(world: World, portal_app: Flask) -> dict[str, str]:
    case_id, _code = new_case(portal_app, world.unit_id, files={"notes.txt": b"evidence"})
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        _db, opened = open_case(portal_app, case_id, world.alice)
        _db.close()
        assert opened is not None
        opened = replace(opened, case=db.merge(opened.case))
        actor, manager = db.get(User, world.alice.id), db.get(User, world.mona.id)
        assert actor is not None and manager is not None
        escalation = escalate(db, settings_of(portal_app), server_keys_of(portal_app),
                              opened=opened, actor=actor, manager=manager,
                              summary="Breach at the supplier.")
        attachment = db.scalar(select(Attachment.id).where(Attachment.case_id == case_id))
        assert attachment is not None
        return {"case_id": case_id, "attachment_id": attachment,
                "escalation_id": escalation.id, "request_id": "0" * 32, "link_id": "0" * 32,
                "item_kind": "message", "item_id": "0" * 32, "disclosure_id": "0" * 32}


def _url(app: Flask, endpoint: str, values: dict[str, str]) -> str:
    rule = next(rule for rule in app.url_map.iter_rules()
                if rule.endpoint == f"cases.{endpoint}")
    return rule.build({name: values[name] for name in rule.arguments})[1]  # type: ignore[index]


def _request(client: FlaskClient, method: str, url: str) -> int:
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": csrf_token(client, "/admin/login")})
    response.close()  # a download holds a temporary file until its response is closed
    return response.status_code


def test_the_matrix_covers_every_route(admin_app: Flask) -> None:
    endpoints = {rule.endpoint.split(".", 1)[1] for rule in admin_app.url_map.iter_rules()
                 if rule.endpoint.startswith("cases.")}
    assert endpoints == set(ROUTES)


def test_without_a_session_every_route_goes_to_sign_in(
        admin_app: Flask, setting: dict[str, str]) -> None:
    client = admin_app.test_client()
    for endpoint, method in ROUTES.items():
        response = (client.get(_url(admin_app, endpoint, setting)) if method == "GET" else
                    client.post(_url(admin_app, endpoint, setting), data={
                        "csrf_token": csrf_token(client, "/admin/login")}))
        assert response.status_code == 302, endpoint
        assert "/admin/login" in response.headers["Location"]


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_role_route_matrix(who: str, world: World, admin_app: Flask,
                           setting: dict[str, str]) -> None:
    client = signed_in(admin_app, world.people[who])
    # Posts that change access run last, so they do not change the answers of the others.
    order = sorted(ROUTES, key=lambda name: name in ("exclude", "decide"))
    seen = {endpoint: _request(client, ROUTES[endpoint], _url(admin_app, endpoint, setting))
            for endpoint in order}
    assert seen == EXPECTED[who]


def test_manager_without_an_escalation_gets_404(world: World, admin_app: Flask,
                                                setting: dict[str, str],
                                                portal_app: Flask) -> None:
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        db.execute(Escalation.__table__.delete())
    client = signed_in(admin_app, world.mona)
    assert client.get(f"/admin/cases/{setting['case_id']}").status_code == 404


def test_a_post_without_csrf_token_is_refused(world: World, admin_app: Flask,
                                              setting: dict[str, str]) -> None:
    client = signed_in(admin_app, world.alice)
    response = client.post(f"/admin/cases/{setting['case_id']}/messages",
                           data={"body": "no token"})
    assert response.status_code == 400
