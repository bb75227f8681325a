"""Issue 15 §9: the database down, the file store full or read-only.

The reporter gets a 503 page in their language with what they typed kept (and sent again
once the service is back, nothing lost); staff get a 503 page, not a 500; a store that cannot
take the files leaves no case without its files and no code on the page.
"""

from __future__ import annotations

import errno
import html
import io
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlalchemy.orm import Session

from config import Settings
from crypto import StreamSpool
from portal.db import bind_engine, engine_of
from portal.i18n import LANGUAGE_COOKIE
from portal.models import Attachment, Case
from portal.storage import file_store
from tests.admin.case_support import World, new_case, signed_in, world  # noqa: F401
from tests.factories import csrf_token
from tests.faults.conftest import organisation  # noqa: F401
from tests.portal.conftest import Organisation
from tests.portal.helpers import CODE, follow_up

ACCOUNT = ("On 3 March the night shift was locked in the hall until six.\n"
           "Two workers asked to leave and were told their pay would be cut.")
_UNREACHABLE = "postgresql+psycopg://aktsom@127.0.0.1:9/down?connect_timeout=2"


@pytest.fixture
def database_down() -> Iterator[Any]:
    """Point an app at a database server that is not there (connection refused), and back."""
    swapped: list[tuple[Flask, Engine]] = []
    down = create_engine(_UNREACHABLE, pool_pre_ping=True)

    def _down(app: Flask) -> None:
        previous = bind_engine(app, down)
        assert previous is not None
        swapped.append((app, previous))

    def _back() -> None:
        while swapped:
            app, engine = swapped.pop()
            bind_engine(app, engine)

    _down.back = _back  # type: ignore[attr-defined]
    yield _down
    _back()
    down.dispose()


def _count(app: Flask, model: Any) -> int:
    with Session(engine_of(app)) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _kept_form(page: str) -> dict[str, str]:
    """The fields of the 503 page's form, as a browser would send them again."""
    fields = {name: html.unescape(value) for name, value in
              re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)}
    fields.update({name: html.unescape(value) for name, value in
                   re.findall(r'<textarea id="kept-[^"]+" name="([^"]+)"[^>]*>(.*?)</textarea>',
                              page, re.DOTALL)})
    return fields


def test_database_down_keeps_the_report_in_the_reporters_language_and_loses_nothing(
        portal_app: Flask, organisation: Organisation, database_down: Any) -> None:  # noqa: F811
    client = portal_app.test_client()
    client.set_cookie(LANGUAGE_COOKIE, "nb")
    token = csrf_token(client, "/report")
    database_down(portal_app)
    response = client.post("/report", data={
        "csrf_token": token, "category": "forced_labour", "unit": organisation.unit_id,
        "description": ACCOUNT, "contact": "via the union rep",
        "attachments": [(io.BytesIO(b"timesheet " * 50), "timesheet.txt")],
    }, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert '<html lang="nb" dir="ltr">' in page
    assert "Tjenesten er utilgjengelig" in page  # the heading, in Norwegian
    assert CODE.search(page) is None
    assert "timesheet.txt" in page  # named: a browser never keeps a chosen file
    kept = _kept_form(page)
    assert kept["description"] == ACCOUNT
    assert kept["contact"] == "via the union rep"
    assert kept["category"] == "forced_labour" and kept["unit"] == organisation.unit_id
    assert "csrf_token" in kept
    database_down.back()
    assert _count(portal_app, Case) == 0
    assert file_store(portal_app).all_names() == []
    # The database is back: "Try again" sends the kept form, and the report is stored.
    response = client.post("/report", data=kept, follow_redirects=True)
    assert response.status_code == 200
    match = CODE.search(response.get_data(as_text=True))
    assert match is not None
    reader = portal_app.test_client()
    assert follow_up(reader, match.group(1)).status_code == 303
    assert "the night shift was locked" in reader.get("/case").get_data(as_text=True)


def test_database_lost_at_the_commit_shows_no_code_and_keeps_the_text(
        portal_app: Flask, organisation: Organisation, database_url: str) -> None:  # noqa: F811
    """The connection dies between the work and the COMMIT (a database restart)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("kills the server connection of the request (PostgreSQL)")
    engine = engine_of(portal_app)
    killer = create_engine(database_url, isolation_level="AUTOCOMMIT")

    @event.listens_for(Session, "before_commit")
    def _kill(session: Session) -> None:
        if session.bind is not engine or not session.new:
            return
        pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with killer.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    client = portal_app.test_client()
    token = csrf_token(client, "/report")
    try:
        response = client.post("/report", data={
            "csrf_token": token, "category": "forced_labour", "unit": organisation.unit_id,
            "description": ACCOUNT,
            "attachments": [(io.BytesIO(b"timesheet " * 50), "timesheet.txt")],
        }, content_type="multipart/form-data")
    finally:
        event.remove(Session, "before_commit", _kill)
        killer.dispose()
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert CODE.search(page) is None
    assert _kept_form(page)["description"] == ACCOUNT
    engine.dispose()
    assert _count(portal_app, Case) == 0
    assert file_store(portal_app).all_names() == []  # the file written went with the rollback


def test_staff_get_a_503_page_not_a_500_and_their_reply_is_kept(
        portal_app: Flask, admin_app: Flask, world: World, database_down: Any) -> None:  # noqa: F811
    case_id, _code = new_case(portal_app, world.unit_id)
    staff = signed_in(admin_app, world.alice)
    token = csrf_token(staff, f"/admin/cases/{case_id}")
    database_down(admin_app)
    listing = staff.get("/admin/cases")
    assert listing.status_code == 503
    reply = staff.post(f"/admin/cases/{case_id}/messages",
                       data={"csrf_token": token, "body": "We will call you on Monday."})
    assert reply.status_code == 503
    assert _kept_form(reply.get_data(as_text=True))["body"] == "We will call you on Monday."


def _post_with_file(client: Any, organisation: Organisation) -> Any:  # noqa: F811
    return client.post("/report", data={
        "csrf_token": csrf_token(client, "/report"), "category": "forced_labour",
        "unit": organisation.unit_id, "description": ACCOUNT,
        "attachments": [(io.BytesIO(b"payslip " * 2000), "payslip.txt")],
    }, content_type="multipart/form-data")


@pytest.mark.parametrize("failure", [errno.ENOSPC, errno.EROFS])
def test_store_full_or_read_only_leaves_no_case_without_its_files(
        portal_app: Flask, organisation: Organisation, settings: Settings,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch, failure: int) -> None:
    """ENOSPC shows at fsync (delayed allocation); EROFS when the file is created."""
    storage = str(settings.storage_dir)
    real_open, real_fsync = os.open, os.fsync

    def refusing_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if failure == errno.EROFS and flags & os.O_CREAT and str(path).startswith(storage):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kwargs)

    def refusing_fsync(fd: int) -> None:
        if failure == errno.ENOSPC and os.readlink(f"/proc/self/fd/{fd}").startswith(storage):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "open", refusing_open)
    monkeypatch.setattr(os, "fsync", refusing_fsync)
    response = _post_with_file(portal_app.test_client(), organisation)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Files cannot be stored right now" in page
    assert CODE.search(page) is None
    assert _kept_form(page)["description"] == ACCOUNT
    assert _count(portal_app, Case) == 0
    assert _count(portal_app, Attachment) == 0
    assert file_store(portal_app).all_names() == []


@pytest.mark.parametrize("where", ["parse", "finish"])
def test_store_full_while_the_upload_is_spooled_is_the_503_page_with_the_text_kept(
        portal_app: Flask, organisation: Organisation, settings: Settings,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """Since uploads spool into the store's own directory (issue 15 §6, session 5), a store
    that runs full while the body is read failed the form parse half-way: a 500 that lost the
    account. Now the rest of the file is dropped, the form parsed whole, and the 503 page
    keeps the text; a store that fills while the spool is padded is the same 503."""
    storage = str(settings.storage_dir)
    real_write_block = StreamSpool._write_block

    def full(self: StreamSpool, *args: Any, **kwargs: Any) -> Any:
        path = getattr(self, "_path", None) or ""
        if path.startswith(storage):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write_block(self, *args, **kwargs)

    def full_at_finish(self: StreamSpool, *args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if where == "parse":
        monkeypatch.setattr(StreamSpool, "_write_block", full)
    else:
        monkeypatch.setattr(StreamSpool, "finish", full_at_finish)
    client = portal_app.test_client()
    response = client.post("/report", data={
        "csrf_token": csrf_token(client, "/report"), "category": "forced_labour",
        "unit": organisation.unit_id, "description": ACCOUNT,
        "attachments": [(io.BytesIO(os.urandom(300_000)), "payslip.bin")],
    }, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:400]
    assert "Files cannot be stored right now" in page
    assert CODE.search(page) is None
    assert _kept_form(page)["description"] == ACCOUNT
    assert _count(portal_app, Case) == 0 and _count(portal_app, Attachment) == 0
