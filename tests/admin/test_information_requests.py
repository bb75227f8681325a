"""Information requests (Transparency Act §6–7, issue 13 §1): the public form, the sealed
content, the register's clock (3 weeks; 2 months only with a notice inside the 3 weeks),
refusals on the statutory grounds with the required wording, letters by e-mail and by post,
reminders, and the purge."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from babel.dates import format_date
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, update

from admin.accounts.key_pairs import needs_second_approval
from portal.audit import Actor
from portal.db import session_factory, transaction
from portal.extensions import SETTINGS, server_keys_of
from portal.information import service
from portal.information.states import Delivery, RequestStatus
from portal.key_directory import authority_of
from portal.models import AuditEvent, InformationRequest, InformationRequestWrap, User
from portal.states import ActorKind, Role
from tests.admin.helpers import csrf_token, make_user, sign_in
from tests.factories import make_recovery_key, make_unit
from tests.mail_sink import Sink
from tests.mail_sink import settings as settings  # noqa: F401 (fixture)
from tests.mail_sink import sink as sink  # noqa: F401 (fixture)

QUESTION = "Which factories sew the uniforms, and how do you check overtime there?"
EMAIL = "curious.journalist@example.net"
FLASH_ERROR = re.compile(r'class="flash error"[^>]*>([^<]+)<|role="alert"[^>]*>\s*([^<]+)<')


@pytest.fixture
def officer(admin_app: Flask) -> tuple[User, str, bytes]:
    return make_user(admin_app, roles=[Role.COMPLIANCE], name="Compliance Officer")


def _file(portal_app: Flask, *, contact_kind: str = "email", contact: str = EMAIL,
          name: str = "", unit: str | None = None, language: str = "en") -> Any:
    client = portal_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    unit_id = unit or make_unit(portal_app, f"C{datetime.now(UTC).microsecond}", "Clothing AS")
    return client, client.post("/information-request", data={
        "csrf_token": csrf_token(client, "/information-request"), "unit": unit_id,
        "question": QUESTION, "name": name, "contact_kind": contact_kind, "contact": contact})


def _only_request(app: Flask) -> InformationRequest:
    with app.app_context(), transaction(session_factory(app)) as db:
        row = db.scalars(select(InformationRequest)).one()
        db.expunge(row)
        return row


def _signed_in(admin_app: Flask, officer: tuple[User, str, bytes]) -> FlaskClient:
    client = admin_app.test_client()
    user, password, secret = officer
    assert sign_in(client, user.email, password, secret).status_code == 303
    return client


def _post(client: FlaskClient, path: str, page: str, **data: str) -> Any:
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


# -- the public form --------------------------------------------------------------------------

def test_a_request_is_filed_sealed_and_its_reference_shown_after_a_redirect(
    portal_app: Flask, admin_app: Flask, officer: Any,
) -> None:
    make_recovery_key(admin_app)
    client, response = _file(portal_app, name="Kari Nordmann")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/information-request/sent")
    row = _only_request(portal_app)
    assert f"<strong class=\"reference\">{row.reference}</strong>" in client.get(
        "/information-request/sent").get_data(as_text=True)
    assert row.status == RequestStatus.RECEIVED and row.named
    # Three weeks, to the end of that day.
    assert row.due_at - row.received_at <= timedelta(weeks=3, days=1)
    assert row.due_at - row.received_at >= timedelta(weeks=3)
    assert row.due_at.time() == datetime.min.time()
    # Nothing the requester wrote is in the database in clear.
    for secret in (QUESTION, EMAIL, "Kari Nordmann", "overtime", "journalist"):
        assert secret.encode() not in row.sealed
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        recipients = set(db.scalars(select(InformationRequestWrap.recipient_id)))
        assert officer[0].id in recipients
        assert any(item.startswith("recovery:") for item in recipients)
        assert len(recipients) == 2


def test_anonymous_requests_are_allowed(portal_app: Flask, officer: Any) -> None:
    _client, response = _file(portal_app, name="")
    assert response.status_code == 303
    assert not _only_request(portal_app).named


def test_a_bad_e_mail_address_is_refused_and_the_question_kept(
    portal_app: Flask, officer: Any,
) -> None:
    _client, response = _file(portal_app, contact="not an address")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter an e-mail address such as name@example.org." in page
    assert QUESTION in page
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.scalars(select(InformationRequest)).all() == []


def test_a_post_without_the_csrf_token_is_refused(portal_app: Flask, officer: Any) -> None:
    response = portal_app.test_client().post("/information-request", data={
        "question": QUESTION, "contact_kind": "email", "contact": EMAIL, "unit": "group"})
    assert response.status_code in (400, 422)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.scalars(select(InformationRequest)).all() == []


def test_without_a_compliance_officer_nothing_is_stored(portal_app: Flask) -> None:
    _client, response = _file(portal_app)
    assert response.status_code == 503
    assert "Nothing was stored" in response.get_data(as_text=True)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert db.scalars(select(InformationRequest)).all() == []


def test_the_landing_page_links_to_the_form(portal_app: Flask) -> None:
    assert 'href="/information-request"' in portal_app.test_client().get("/").get_data(
        as_text=True)


# -- the register ----------------------------------------------------------------------------

def test_only_compliance_officers_open_the_register(
    portal_app: Flask, admin_app: Flask, officer: Any,
) -> None:
    _file(portal_app)
    row = _only_request(portal_app)
    for role in (Role.HANDLER, Role.ADMIN, Role.MANAGER, Role.AUDITOR):
        user, password, secret = make_user(admin_app, roles=[role], units=("HQ",))
        client = admin_app.test_client()
        assert sign_in(client, user.email, password, secret).status_code == 303
        assert client.get("/admin/information-requests").status_code == 403
        assert client.get(f"/admin/information-requests/{row.id}").status_code == 403
    client = _signed_in(admin_app, officer)
    listing = client.get("/admin/information-requests").get_data(as_text=True)
    assert row.reference in listing
    page = client.get(f"/admin/information-requests/{row.id}").get_data(as_text=True)
    assert QUESTION.replace(",", ",") in page.replace("&#39;", "'")
    assert EMAIL in page


def test_an_officer_certified_later_receives_the_open_requests_from_a_colleague(
    portal_app: Flask, admin_app: Flask, officer: Any,
) -> None:
    _file(portal_app)
    row = _only_request(portal_app)
    newcomer = make_user(admin_app, roles=[Role.COMPLIANCE], name="New Officer")
    late = _signed_in(admin_app, newcomer)
    assert late.get(f"/admin/information-requests/{row.id}").status_code == 403
    _signed_in(admin_app, officer).get("/admin/information-requests")
    page = late.get(f"/admin/information-requests/{row.id}").get_data(as_text=True)
    assert EMAIL in page


def test_the_answer_is_sealed_mailed_to_the_requester_and_recorded(
    portal_app: Flask, admin_app: Flask, officer: Any, sink: tuple[Sink, int],
) -> None:
    _file(portal_app)
    row = _only_request(portal_app)
    client = _signed_in(admin_app, officer)
    page = f"/admin/information-requests/{row.id}"
    sink[0].mails.clear()
    answer = "Our uniforms are sewn at two factories in Vietnam, audited twice a year."
    assert _post(client, f"{page}/answer", page, text=answer).status_code == 303
    letters = [mail for rcpts, mail in sink[0].mails if rcpts == [EMAIL]]
    assert len(letters) == 1
    assert answer in letters[0].get_payload(decode=True).decode()
    assert row.reference in letters[0]["Subject"]
    after = _only_request(portal_app)
    assert after.status == RequestStatus.ANSWERED and after.delivery == Delivery.SENT
    assert after.letters is not None and b"Vietnam" not in after.letters
    # A second answer is refused: the request is closed.
    assert _post(client, f"{page}/answer", page, text="again").status_code == 303
    assert len([1 for rcpts, _m in sink[0].mails if rcpts == [EMAIL]]) == 1


def test_an_extension_inside_three_weeks_tells_the_requester_why_and_when(
    portal_app: Flask, admin_app: Flask, officer: Any, sink: tuple[Sink, int],
) -> None:
    _file(portal_app)
    row = _only_request(portal_app)
    client = _signed_in(admin_app, officer)
    page = f"/admin/information-requests/{row.id}"
    until = (row.received_at + timedelta(days=50)).date()
    sink[0].mails.clear()
    response = _post(client, f"{page}/extend", page, until=until.isoformat(),
                     reason="We must ask 40 sub-suppliers.")
    assert response.status_code == 303
    after = _only_request(portal_app)
    assert after.status == RequestStatus.EXTENDED
    assert after.extended_to is not None and service.last_day(after.extended_to) == until
    text = sink[0].mails[-1][1].get_payload(decode=True).decode()
    assert "We must ask 40 sub-suppliers." in text
    assert format_date(until, "long", locale="en") in text  # January 21, 2027


def test_an_extension_after_three_weeks_is_refused(
    portal_app: Flask, admin_app: Flask, officer: Any,
) -> None:
    """The reproduction: three weeks and a day after receipt, the clock refuses."""
    _file(portal_app)
    row = _only_request(portal_app)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        db.execute(update(InformationRequest).values(
            received_at=row.received_at - timedelta(days=22),
            due_at=row.due_at - timedelta(days=22)))
    client = _signed_in(admin_app, officer)
    page = f"/admin/information-requests/{row.id}"
    response = _post(client, f"{page}/extend", page,
                     until=(row.received_at + timedelta(days=20)).date().isoformat(),
                     reason="late")
    assert response.status_code == 303
    shown = client.get(page).get_data(as_text=True)
    assert "The three weeks have passed" in shown
    assert "Overdue" in shown
    assert _only_request(portal_app).status == RequestStatus.RECEIVED


def test_an_extension_beyond_two_months_is_refused(
    portal_app: Flask, admin_app: Flask, officer: Any,
) -> None:
    _file(portal_app)
    row = _only_request(portal_app)
    client = _signed_in(admin_app, officer)
    page = f"/admin/information-requests/{row.id}"
    response = _post(client, f"{page}/extend", page,
                     until=(row.received_at + timedelta(days=63)).date().isoformat(),
                     reason="Far too much work.")
    assert response.status_code == 303
    assert "at most two months after" in client.get(page).get_data(as_text=True)
    assert _only_request(portal_app).status == RequestStatus.RECEIVED


def test_a_refusal_names_its_ground_the_right_to_a_fuller_justification_and_the_authority(
    portal_app: Flask, admin_app: Flask, officer: Any, sink: tuple[Sink, int],
) -> None:
    _file(portal_app)
    row = _only_request(portal_app)
    client = _signed_in(admin_app, officer)
    page = f"/admin/information-requests/{row.id}"
    sink[0].mails.clear()
    assert _post(client, f"{page}/refuse", page, ground="trade_secrets",
                 explanation="").status_code == 303
    text = sink[0].mails[-1][1].get_payload(decode=True).decode()
    assert "Transparency Act §6 second paragraph letter d" in text
    assert "fuller justification" in text and "three weeks" in text
    assert "Forbrukertilsynet" in text
    after = _only_request(portal_app)
    assert after.status == RequestStatus.REFUSED and after.refusal_ground == "trade_secrets"


def test_a_ground_outside_the_law_is_refused(
    portal_app: Flask, admin_app: Flask, officer: Any,
) -> None:
    _file(portal_app)
    row = _only_request(portal_app)
    client = _signed_in(admin_app, officer)
    page = f"/admin/information-requests/{row.id}"
    assert _post(client, f"{page}/refuse", page, ground="we_would_rather_not",
                 explanation="").status_code == 303
    assert _only_request(portal_app).status == RequestStatus.RECEIVED


def test_the_letter_is_in_the_requesters_language(
    portal_app: Flask, admin_app: Flask, officer: Any, sink: tuple[Sink, int],
) -> None:
    _file(portal_app, language="nb")
    row = _only_request(portal_app)
    client = _signed_in(admin_app, officer)
    page = f"/admin/information-requests/{row.id}"
    sink[0].mails.clear()
    _post(client, f"{page}/refuse", page, ground="unclear", explanation="")
    text = sink[0].mails[-1][1].get_payload(decode=True).decode()
    assert "Forbrukertilsynet" in text and "åpenhetsloven" in text.lower()
    assert "fuller justification" not in text


def test_a_postal_address_gets_a_letter_to_post_and_the_posting_is_recorded(
    portal_app: Flask, admin_app: Flask, officer: Any, sink: tuple[Sink, int],
) -> None:
    _file(portal_app, contact_kind="postal", contact="Storgata 1\n0155 Oslo")
    row = _only_request(portal_app)
    client = _signed_in(admin_app, officer)
    page = f"/admin/information-requests/{row.id}"
    sink[0].mails.clear()
    _post(client, f"{page}/answer", page, text="Here is our answer.")
    assert not any("Oslo" in " ".join(rcpts) for rcpts, _m in sink[0].mails)
    assert _only_request(portal_app).delivery == Delivery.TO_POST
    assert "Print the last letter" in client.get(page).get_data(as_text=True)
    assert _post(client, f"{page}/posted", page).status_code == 303
    assert _only_request(portal_app).delivery == Delivery.POSTED


def test_a_mail_server_that_is_down_leaves_the_letter_to_send_again(
    portal_app: Flask, admin_app: Flask, officer: Any, sink: tuple[Sink, int],
) -> None:
    _file(portal_app)
    row = _only_request(portal_app)
    client = _signed_in(admin_app, officer)
    page = f"/admin/information-requests/{row.id}"
    working = admin_app.extensions[SETTINGS]
    # Nothing listens on the discard port: the mail server is "down".
    admin_app.extensions[SETTINGS] = replace(working, smtp_url="smtp://127.0.0.1:9")
    _post(client, f"{page}/answer", page, text="Our answer.")
    assert _only_request(portal_app).delivery == Delivery.FAILED
    admin_app.extensions[SETTINGS] = working
    sink[0].mails.clear()
    assert _post(client, f"{page}/send-again", page).status_code == 303
    assert _only_request(portal_app).delivery == Delivery.SENT
    assert [rcpts for rcpts, _m in sink[0].mails] == [[EMAIL]]


def test_the_audit_log_records_who_did_what_and_no_content(
    portal_app: Flask, admin_app: Flask, officer: Any,
) -> None:
    _file(portal_app)
    row = _only_request(portal_app)
    client = _signed_in(admin_app, officer)
    page = f"/admin/information-requests/{row.id}"
    _post(client, f"{page}/answer", page, text="Our answer.")
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        events = db.scalars(select(AuditEvent).where(AuditEvent.target_id == row.id)).all()
    actions = [event.action for event in events]
    assert actions[0] == "information_request.received"
    assert events[0].actor_kind == ActorKind.REPORTER and events[0].actor_id is None
    assert "information_request.opened" in actions and "information_request.answered" in actions


# -- reminders, purge, the key directory ------------------------------------------------------

def test_officers_are_reminded_once_of_a_request_due_within_five_days(
    portal_app: Flask, admin_app: Flask, officer: Any, sink: tuple[Sink, int],
    runner: FlaskCliRunner,
) -> None:
    _file(portal_app)
    row = _only_request(portal_app)
    sink[0].mails.clear()
    assert "No information request" in runner.invoke(args=["notify-deadlines"]).output
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        db.execute(update(InformationRequest).values(due_at=row.due_at - timedelta(days=17)))
    output = runner.invoke(args=["notify-deadlines"]).output
    assert "Reminded 1 compliance officers of 1 information requests." in output
    assert [rcpts for rcpts, _m in sink[0].mails] == [[officer[0].email]]
    body = sink[0].mails[0][1].get_payload(decode=True).decode()
    assert "/admin/information-requests" in body and row.reference not in body
    runner.invoke(args=["notify-deadlines"])
    assert len(sink[0].mails) == 1


def test_the_purge_destroys_what_a_closed_request_held_and_keeps_its_figures(
    portal_app: Flask, admin_app: Flask, officer: Any, runner: FlaskCliRunner,
) -> None:
    make_recovery_key(admin_app)
    _file(portal_app)
    row = _only_request(portal_app)
    client = _signed_in(admin_app, officer)
    page = f"/admin/information-requests/{row.id}"
    _post(client, f"{page}/answer", page, text="Our answer.")
    assert "Destroyed what 0 closed" in runner.invoke(args=["purge"]).output
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        db.execute(update(InformationRequest).values(
            closed_at=datetime.now(UTC) - timedelta(days=366)))
    assert "Destroyed what 1 closed" in runner.invoke(args=["purge"]).output
    after = _only_request(portal_app)
    assert after.sealed == b"" and after.letters is None
    assert after.status == RequestStatus.ANSWERED and after.received_at == row.received_at
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        assert db.scalars(select(InformationRequestWrap)).all() == []


def test_giving_the_compliance_role_takes_a_second_administrator(admin_app: Flask) -> None:
    """Compliance now receives sealed content, so its key authority is four-eyes like a
    handler's (security finding 14)."""
    admin, _password, _secret = make_user(admin_app, roles=[Role.ADMIN])
    assert authority_of([Role.COMPLIANCE], []).roles == frozenset({"compliance"})
    assert needs_second_approval(Actor(ActorKind.USER, admin.id), None,
                                 authority_of([Role.COMPLIANCE], []))


def test_a_compliance_certificate_opens_no_case(admin_app: Flask, officer: Any) -> None:
    from portal.key_directory import is_certified

    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        user = db.get(User, officer[0].id)
        assert user is not None
        keys = server_keys_of(admin_app)
        assert is_certified(keys, user, Role.COMPLIANCE)
        assert not is_certified(keys, user, Role.HANDLER)
        assert not is_certified(keys, user, Role.MANAGER)


def test_the_years_figures_count_what_became_of_each_request(admin_app: Flask,
                                                             officer: Any) -> None:
    """Five requests of 2026 worked out by hand: one answered in 10 days, one extended and
    answered on day 40 (in time), one refused in week 1 on ground d, one answered on day 25
    (late), one still open past its deadline; and one of 2025 that must not count."""
    from portal.information.stats import request_figures

    received = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    due = datetime(2026, 3, 24, tzinfo=UTC)

    def row(status: RequestStatus, *, closed_after: int | None, extended: bool = False,
            ground: str | None = None, at: datetime = received) -> InformationRequest:
        return InformationRequest(
            reference=f"IR-{status[:3]}{closed_after}{extended}"[:16], received_at=at,
            due_at=due if at == received else at + timedelta(days=22), status=status,
            extended_to=datetime(2026, 4, 30, tzinfo=UTC) if extended else None,
            closed_at=(at + timedelta(days=closed_after)) if closed_after is not None else None,
            refusal_ground=ground, contact_kind="email", sealed=b"")

    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        db.add_all([
            row(RequestStatus.ANSWERED, closed_after=10),
            row(RequestStatus.ANSWERED, closed_after=40, extended=True),
            row(RequestStatus.REFUSED, closed_after=5, ground="trade_secrets"),
            row(RequestStatus.ANSWERED, closed_after=25),
            row(RequestStatus.RECEIVED, closed_after=None),
            row(RequestStatus.ANSWERED, closed_after=3,
                at=datetime(2025, 12, 30, tzinfo=UTC)),
        ])
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        figures = request_figures(db, 2026, now=datetime(2026, 6, 1, tzinfo=UTC))
    assert (figures.received, figures.answered, figures.refused, figures.extended) == (5, 3, 1, 1)
    assert figures.by_ground["trade_secrets"] == 1 and figures.by_ground["unclear"] == 0
    assert figures.closed_within_three_weeks == 2
    assert figures.closed_in_time == 3
    assert figures.closed_late == 1
    assert (figures.still_open, figures.open_overdue) == (1, 1)
