"""Issue 15 §3: the reporter pages that list companies or handlers cost the same number of
queries for 1 company as for 50 (at 50 companies the form used to spend 46 % of its time on a
handler query and a roles query per company), and a valid post skips what only the page
shows. Counted with an SQLAlchemy event listener on the app's engine; no timing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask, request
from sqlalchemy import event, select

from portal.cases.keys import route_case
from portal.cases.routing_table import read_routing_table
from portal.db import engine_of, session_factory, transaction
from portal.extensions import server_keys_of
from portal.key_directory import sign_certificate
from portal.models import OrgUnit, User
from portal.reports import views
from portal.states import Role
from tests.factories import csrf_token, make_handler, make_recovery_key, make_unit


@contextmanager
def counted(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = engine_of(app)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _organisation(app: Flask, companies: int) -> list[str]:
    group = make_unit(app, "GROUP", "Group compliance", is_group=True)
    units = [make_unit(app, f"CO{number:02d}", f"Company {number:02d}")
             for number in range(companies)]
    for number, unit in enumerate(units):
        make_handler(app, f"Handler {number:02d}", [unit])
    make_handler(app, "Grace Group", [group])
    make_recovery_key(app)
    return units


def _queries(app: Flask, units: list[str]) -> dict[str, int]:
    client = app.test_client()
    counts = {}
    for path in ("/", "/report"):
        client.get(path)  # warm: the first request of an app does one-off work
        with counted(app) as statements:
            assert client.get(path).status_code == 200
        counts[f"GET {path}"] = len(statements)
    form = {"csrf_token": csrf_token(client, "/report"), "category": "fraud",
            "unit": units[0]}
    with counted(app) as statements:
        # Invalid (no description): the form comes back, with everything it shows.
        assert client.post("/report", data=form, content_type="multipart/form-data"
                           ).status_code == 200
    counts["POST /report, invalid"] = len(statements)
    with counted(app) as statements:
        stored = client.post("/report", data={**form, "description": "x" * 1024},
                             content_type="multipart/form-data")
        assert stored.status_code == 303
    counts["POST /report, stored"] = len(statements)
    return counts


def _unit_ids(app: Flask) -> list[str]:
    with app.app_context(), transaction(session_factory(app)) as db:
        return list(db.scalars(select(OrgUnit.id).where(OrgUnit.is_group.is_(False))
                               .order_by(OrgUnit.code)))


def test_issue15_queries_flat_from_1_to_50_companies(make_portal_app: Any) -> None:
    """GET /, GET /report and both kinds of POST: the same count at 1 and 50 companies."""
    app = make_portal_app()
    one = _queries(app, _organisation(app, 1))
    for number in range(1, 50):
        unit = make_unit(app, f"CX{number:02d}", f"Company X{number:02d}")
        make_handler(app, f"Handler X{number:02d}", [unit])
    units = _unit_ids(app)
    assert len(units) == 50
    fifty = _queries(app, units)
    assert fifty == one, (one, fifty)


def test_issue15_a_stored_post_skips_the_display_only_work(
        make_portal_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The readers, retention, protections and readiness are built only to show the form:
    not for a post that is stored, still for one sent back with an error."""
    app = make_portal_app()
    units = _organisation(app, 2)
    built: list[str] = []
    real = views.report_form_context

    def recording(settings: Any) -> dict[str, Any]:
        built.append(request.method)
        return real(settings)

    monkeypatch.setattr(views, "report_form_context", recording)
    client = app.test_client()
    form = {"csrf_token": csrf_token(client, "/report"), "category": "fraud",
            "unit": units[0]}
    assert built == ["GET"]
    assert client.post("/report", data=form, content_type="multipart/form-data"
                       ).status_code == 200
    assert built == ["GET", "POST"]
    assert client.post("/report", data={**form, "description": "x" * 1024},
                       content_type="multipart/form-data").status_code == 303
    assert built == ["GET", "POST"]


def test_issue15_routing_table_answers_as_route_case(make_portal_app: Any) -> None:
    """The table answers each company's routing as route_case does, including a handler
    without a certificate, a disabled handler, a company routed to the group and "don't
    know"."""
    app = make_portal_app()
    group = make_unit(app, "GROUP", "Group compliance", is_group=True)
    nordic = make_unit(app, "NORDIC", "Nordic AS")
    baltic = make_unit(app, "BALTIC", "Baltic UAB")
    empty = make_unit(app, "EMPTY", "Empty Oy")
    make_handler(app, "Alice", [nordic])
    make_handler(app, "Bob", [nordic, baltic])
    make_handler(app, "Uncertified Ulla", [baltic], certified=False)
    disabled = make_handler(app, "Disabled Dan", [empty])
    make_handler(app, "Grace Group", [group])
    make_handler(app, "Gunnar Group and Nordic", [group, nordic])
    make_recovery_key(app)
    with app.app_context(), transaction(session_factory(app)) as db:
        user = db.get(User, disabled.user_id)
        assert user is not None
        user.disabled = True
    with app.app_context(), transaction(session_factory(app)) as db:
        keys = server_keys_of(app)
        table = read_routing_table(db, keys)
        assert [unit.name for unit in table.units] == ["Baltic UAB", "Empty Oy", "Nordic AS"]
        alice = next(user for user in table.handlers_of(nordic) if user.name == "Alice")
        for unit_id in (nordic, baltic, empty, None):
            for excluded in (set(), {alice.id}):
                expected = route_case(db, keys, unit_id, excluded)
                got = table.route(unit_id, excluded)
                assert [user.id for user in got.handlers] == \
                    [user.id for user in expected.handlers]
                assert got.routed_to_group == expected.routed_to_group
        assert table.route(empty, set()).routed_to_group
        assert table.recovery_key is not None


def test_issue15_a_kept_certificate_never_outlives_its_row(make_portal_app: Any) -> None:
    """Verified certificates are kept per process (issue 15: 51 Ed25519 verifications per
    reporter request at 50 companies). After the reporter's pages have verified a handler's
    certificate, a certificate re-signed for another company, a certificate taken away and a
    disabled account each take effect on the next routing."""
    app = make_portal_app()
    units = _organisation(app, 2)
    handler_id = _handler_of(app, units[0])
    client = app.test_client()
    assert client.get("/report").status_code == 200  # verified (and kept) here

    def routed() -> bool:
        with app.app_context(), transaction(session_factory(app)) as db:
            table = read_routing_table(db, server_keys_of(app))
            return handler_id in {user.id for user in table.route(units[0], set()).handlers}

    assert routed()
    keys = server_keys_of(app)

    def change(**values: object) -> None:
        with app.app_context(), transaction(session_factory(app)) as db:
            user = db.get(User, handler_id)
            assert user is not None
            for name, value in values.items():
                setattr(user, name, value)

    def certificate(unit_id: str) -> bytes | None:
        with app.app_context(), transaction(session_factory(app)) as db:
            user = db.get(User, handler_id)
            assert user is not None
            return sign_certificate(keys, user.id, user.public_key, roles=(Role.HANDLER,),
                                    unit_ids=[unit_id])

    # Rows still claim units[0], the certificate now says units[1] only.
    change(key_certificate=certificate(units[1]))
    assert not routed()
    change(key_certificate=certificate(units[0]))
    assert routed()
    change(key_certificate=None)
    assert not routed()
    change(key_certificate=certificate(units[0]))
    assert routed()
    change(disabled=True)
    assert not routed()


def _handler_of(app: Flask, unit_id: str) -> str:
    with app.app_context(), transaction(session_factory(app)) as db:
        return next(user.id for user in db.scalars(select(User))
                    if unit_id in user.unit_ids)


def test_issue15_a_stored_post_reads_the_handlers_once(make_portal_app: Any) -> None:
    """The post that stores a report read the handlers twice: once for the form's choices
    (the routing table) and once more in `route_case`. The table, read in the same
    transaction, now routes the case; the wraps still check each certificate."""
    app = make_portal_app()
    units = _organisation(app, 3)
    client = app.test_client()
    form = {"csrf_token": csrf_token(client, "/report"), "category": "fraud",
            "unit": units[1], "description": "x" * 1024}
    with counted(app) as statements:
        assert client.post("/report", data=form, content_type="multipart/form-data"
                           ).status_code == 303
    handler_reads = [statement for statement in statements
                     if statement.lstrip().upper().startswith("SELECT")
                     and "FROM users" in statement
                     # The staff notice's addresses: the holders of the stored case's wraps.
                     and "case_key_wraps" not in statement]
    assert len(handler_reads) == 1, handler_reads
