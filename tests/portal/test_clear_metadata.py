"""Security finding 11, clear metadata that points at people: exact attachment sizes (a size
can match a leaked document), reporter times to the microsecond (they can match who was at a
computer then) and the reporter's language were readable in a copy of the database.

Now the rows hold a padded size, the day, and no language; the exact values are sealed, and
the reporter and the handler still see them where they did before.
"""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, format_datetime
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select

import portal.cases.dialogue as dialogue
import portal.cases.submission as submission
from admin.time_zone import zoned_datetime
from config import load_settings
from portal.cases.clocks import initial_due_dates
from portal.cases.handling import acknowledgement_text
from portal.cases.keyring import Keyring
from portal.cases.keys import open_case_keys
from portal.cases.reading import open_case_view
from portal.cases.sealing import padded_size
from portal.db import engine_of, session_factory, transaction
from portal.deadlines import add_months
from portal.extensions import settings_of
from portal.models import Attachment, AuditEvent, Case, CaseKeyWrap, Message
from portal.states import KeyKind
from portal.storage import file_store
from tests.admin.case_support import World, new_case, post, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.factories import csrf_token
from tests.portal.helpers import follow_up, submit

RECEIVED = datetime(2026, 3, 2, 9, 17, 23, 418_207, tzinfo=UTC)
WRITTEN = datetime(2026, 3, 4, 21, 45, 7, 5_113, tzinfo=UTC)
REPORT_FILE = random.Random(1).randbytes(150_000)  # 147 KB exact, stored as 256 KiB
MESSAGE_FILE = random.Random(2).randbytes(3_000)  # 3 KB exact, stored as 64 KiB


def _is_midnight(moment: datetime | None) -> bool:
    return moment is not None and moment == moment.replace(hour=0, minute=0, second=0,
                                                           microsecond=0)


def _stored_size(padded: int) -> int:
    """Header + padded plaintext + one tag per 64 KiB segment: a function of the bucket."""
    return 9 + padded + 16 * (padded // 65536)


@pytest.fixture
def reported(client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch) -> str:
    """A report in Norwegian with a file, then a message with a file, at two known moments."""
    client.get("/language/nb?next=/report")
    monkeypatch.setattr(submission, "utcnow", lambda: RECEIVED)
    code = submit(client, world.unit_id, "Rapport med vedlegg.",
                  attachments=[(io.BytesIO(REPORT_FILE), "lonnsliste.bin")])
    follow_up(client, code)
    monkeypatch.setattr(dialogue, "utcnow", lambda: WRITTEN)
    response = client.post("/case/messages", data={
        "csrf_token": csrf_token(client, "/case"), "body": "Mer informasjon.",
        "attachments": [(io.BytesIO(MESSAGE_FILE), "notat.bin")]},
        content_type="multipart/form-data")
    assert response.status_code == 303
    return code


def test_rows_hold_no_exact_size_no_time_of_day_and_no_language(
    reported: str, portal_app: Flask, settings: Any
) -> None:
    engine = engine_of(portal_app)
    assert "language" not in {column["name"] for column in inspect(engine).get_columns("cases")}
    with transaction(session_factory(portal_app)) as db:
        case = db.scalars(select(Case)).one()
        assert "nb" not in {str(value) for value in vars(case).values()}
        assert case.created_at == datetime(2026, 3, 2, tzinfo=UTC)
        assert case.last_reporter_activity_at == datetime(2026, 3, 4, tzinfo=UTC)
        (message,) = db.scalars(select(Message).where(Message.author_kind == "reporter"))
        assert message.created_at == datetime(2026, 3, 4, tzinfo=UTC)
        wraps = db.scalars(select(CaseKeyWrap)).all()
        assert wraps and all(_is_midnight(wrap.created_at) for wrap in wraps)
        events = db.scalars(select(AuditEvent).where(AuditEvent.actor_kind == "reporter")).all()
        assert len(events) == 2 and all(_is_midnight(event.at) for event in events)
        attachments = db.scalars(select(Attachment)).all()
    assert sorted(item.size for item in attachments) == [65536, 262144]
    store = file_store(portal_app)
    for item in attachments:
        assert _is_midnight(item.created_at)
        assert store.path(item.stored_name).stat().st_size == _stored_size(item.size)
    for moment in (case.acknowledgement_due_at, case.feedback_due_at, case.next_due_at):
        assert _is_midnight(moment)


def test_reporter_and_handler_still_see_the_exact_values(
    reported: str, client: FlaskClient, world: World, portal_app: Flask, admin_app: Flask
) -> None:
    with portal_app.test_request_context(), force_locale("nb"):
        reporter_times = (format_datetime(RECEIVED), format_datetime(WRITTEN))
    # Staff pages show times in the organisation's time zone, named (issue 14 §9).
    with admin_app.test_request_context(), force_locale("en"):
        handler_times = (zoned_datetime(RECEIVED), zoned_datetime(WRITTEN))
    page = client.get("/case").get_data(as_text=True)
    for shown in (*reporter_times, "147 KB", "3 KB"):
        assert shown in page, shown
    assert "256 KB" not in page and "64 KB" not in page
    with transaction(session_factory(portal_app)) as db:
        clean = {item.size: item for item in db.scalars(select(Attachment))}
    for item, content in ((clean[262144], REPORT_FILE), (clean[65536], MESSAGE_FILE)):
        response = client.get(f"/case/attachments/{item.id}")
        assert response.headers["Content-Length"] == str(len(content))
        assert response.data == content
        response.close()

    alice = signed_in(admin_app, world.alice)
    url = f"/admin/cases/{clean[65536].case_id}"
    page = alice.get(url).get_data(as_text=True)
    # The reporter's language by its name, not its code (issue 14 §9).
    for shown in (*handler_times, "147 KB", "3 KB",
                  '<dd id="reporter-language">Norwegian Bokmål</dd>'):
        assert shown in page, shown
    response = alice.get(f"{url}/attachments/{clean[262144].id}")
    assert response.data == REPORT_FILE
    response.close()
    # The acknowledgement goes out in the reporter's language, read from the sealed answers.
    assert post(alice, f"{url}/acknowledge", token_from=url).status_code == 303
    with portal_app.app_context():
        norwegian = acknowledgement_text("nb", settings_of(portal_app))
        assert norwegian != acknowledgement_text("en", settings_of(portal_app))
    assert norwegian in client.get("/case").get_data(as_text=True)


def test_the_exact_values_are_sealed(reported: str, world: World, portal_app: Flask) -> None:
    with transaction(session_factory(portal_app)) as db:
        case = db.scalars(select(Case)).one()
        _case, keys = open_case_keys(db, case.id, world.alice.id, world.alice.private_key)
        view = open_case_view(db, case, Keyring.of(case.id, keys[KeyKind.CASE]))
    assert view.received_at == RECEIVED and view.language == "nb"
    (message,) = [item for item in view.messages if item.author_kind == "reporter"]
    assert message.created_at == WRITTEN
    assert [item.size for item in view.attachments + message.attachments] == [150_000, 3_000]


def test_deadlines_are_those_of_the_exact_time_or_later(world: World,
                                                        portal_app: Flask) -> None:
    """Through a submission: the stored clocks, against the old exact rule."""
    with portal_app.app_context():
        configured = settings_of(portal_app)
    exact_ack = RECEIVED + timedelta(days=configured.acknowledgement_days)
    exact_feedback = add_months(exact_ack, configured.feedback_months)
    case_id, _ = new_case(portal_app, world.unit_id, now=RECEIVED)
    with transaction(session_factory(portal_app)) as db:
        case = db.get(Case, case_id)
        assert case is not None
    assert exact_ack <= case.acknowledgement_due_at < exact_ack + timedelta(days=1)
    assert exact_feedback <= case.feedback_due_at < exact_feedback + timedelta(days=1)


@settings(deadline=None, max_examples=300, database=None)
@given(received=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2040, 1, 1),
                             timezones=st.just(UTC)),
       days=st.integers(1, 14), months=st.integers(1, 6))
def test_rounded_deadlines_are_never_earlier_and_at_most_a_day_later(
    received: datetime, days: int, months: int
) -> None:
    configured = load_settings(environ={}, env="test", acknowledgement_days=days,
                               feedback_months=months)
    acknowledgement, feedback = initial_due_dates(received, configured)
    exact_ack = received + timedelta(days=days)
    exact_feedback = add_months(exact_ack, months)
    assert exact_ack <= acknowledgement < exact_ack + timedelta(days=1)
    assert exact_feedback <= feedback < exact_feedback + timedelta(days=1)
    assert _is_midnight(acknowledgement) and _is_midnight(feedback)


@pytest.mark.parametrize(("size", "bucket"), [
    (0, 65536), (1, 65536), (65536, 65536), (65537, 131072), (150_000, 262144),
    (25 * 1024 * 1024, 32 * 1024 * 1024), (25 * 1024 * 1024 + 1, 32 * 1024 * 1024),
])
def test_padding_buckets(size: int, bucket: int) -> None:
    assert padded_size(size) == bucket
