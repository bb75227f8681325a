"""Issue 15 §5: the case list pages by keyset (a deep page costs like page 1: 29 / 146 /
262 ms for page 1 / middle / last at 100 000 cases on SQLite before), in the same stable
order as before, with links to the next and previous pages; the urgency index keeps the
order it was declared with on both databases."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import create_engine, text

from portal.cases.listing import (
    _URGENCY,
    _URGENCY_REVERSED,
    CaseFilters,
    PageCursor,
    _after,
    _before,
    _rows_query,
    _seek,
    list_cases,
    page_query,
)
from portal.db import session_factory, transaction
from tests.admin.case_support import World, new_case, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LINK = re.compile(r'href="/admin/cases/([0-9a-f]{32})"')
NEXT = re.compile(r'href="([^"]*)" rel="next"')
PREVIOUS = re.compile(r'href="([^"]*)" rel="prev"')


def _eleven_cases(app: Flask, world: World) -> None:
    """Ties on purpose: four received at the same instant (same deadline, same receipt time:
    the id decides), four a day later, three ten days before (overdue)."""
    for moment, count in ((T0, 4), (T0 + timedelta(days=1), 4), (T0 - timedelta(days=10), 3)):
        for _ in range(count):
            new_case(app, world.unit_id, now=moment)


def test_issue15_next_and_previous_walk_the_whole_order(world: World,
                                                       portal_app: Flask) -> None:
    _eleven_cases(portal_app, world)
    now = T0 + timedelta(days=2)
    user = world.alice.id
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        whole = [row.id for row in list_cases(db, user, CaseFilters(), now=now,
                                              per_page=100).rows]
        assert len(whole) == 11
        # Forward by cursor, 3 per page: every case once, in the order of the whole list.
        page = list_cases(db, user, CaseFilters(), now=now, per_page=3)
        forward, numbers = [row.id for row in page.rows], [page.page]
        while page.next is not None:
            page = list_cases(db, user, CaseFilters(), now=now, per_page=3,
                              page=page.page + 1, after=page.next)
            forward += [row.id for row in page.rows]
            numbers.append(page.page)
        assert forward == whole
        assert numbers == [1, 2, 3, 4]
        # The last page by number is read from the end; backward from it by cursor.
        page = list_cases(db, user, CaseFilters(), now=now, per_page=3, page=4)
        assert [row.id for row in page.rows] == whole[9:]
        backward = [row.id for row in page.rows]
        while page.previous is not None:
            page = list_cases(db, user, CaseFilters(), now=now, per_page=3,
                              page=page.page - 1, before=page.previous)
            backward = [row.id for row in page.rows] + backward
        assert page.page == 1
        assert backward == whole
        # A middle page by number alone (OFFSET) agrees with the keyset walk.
        by_number = list_cases(db, user, CaseFilters(), now=now, per_page=3, page=2)
        assert [row.id for row in by_number.rows] == whole[3:6]


def test_issue15_both_plans_seek_the_same_rows(world: World, portal_app: Flask) -> None:
    """Walking the urgency index and sorting the user's wraps give the same keyset pages."""
    _eleven_cases(portal_app, world)
    now = T0 + timedelta(days=2)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        whole = db.execute(page_query(world.alice.id, CaseFilters(), now=now, offset=0,
                                      per_page=100, walk_index=True)).all()
        for position in range(len(whole)):
            row = whole[position]
            cursor = PageCursor(row[-1], row.created_at, row.id)
            for walk in (True, False):
                query = _rows_query(world.alice.id, CaseFilters(), now=now, walk_index=walk)
                assert _seek(db, query, _after(cursor), _URGENCY, 4) == \
                    whole[position + 1:position + 5]
                assert _seek(db, query, _before(cursor), _URGENCY_REVERSED, 4) == \
                    whole[max(0, position - 4):position][::-1]


def test_issue15_the_page_links_carry_cursors(world: World, portal_app: Flask,
                                             admin_app: Flask) -> None:
    made = [new_case(portal_app, world.unit_id, now=T0 + timedelta(minutes=i))[0]
            for i in range(103)]
    client = signed_in(admin_app, world.alice)
    seen: list[str] = []
    url = "/admin/cases"
    for number in (1, 2, 3):
        page = client.get(url).get_data(as_text=True)
        assert f"Page {number} of 3" in page
        seen += LINK.findall(page)
        found = NEXT.search(page)
        if number < 3:
            assert found is not None
            url = found.group(1).replace("&amp;", "&")
            assert "after=" in url and f"page={number + 1}" in url
        else:
            assert found is None
    assert sorted(seen) == sorted(made)
    previous = PREVIOUS.search(page)
    assert previous is not None and "before=" in previous.group(1)
    back = client.get(previous.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Page 2 of 3" in back
    assert LINK.findall(back) == seen[50:100]
    # A cursor that is not one of ours is ignored: the page by its number.
    junk = client.get("/admin/cases?after=1.2.nothex&page=2").get_data(as_text=True)
    assert LINK.findall(junk) == seen[50:100]  # page 2 by number


def test_issue15_cursor_round_trip_and_junk() -> None:
    cursor = PageCursor(datetime(9999, 12, 31, tzinfo=UTC), T0, "ab" * 16)
    assert PageCursor.parse(str(cursor)) == cursor
    for junk in (None, "", "1.2", "1.2.xyz", f"1.2.{'ab' * 16}x",
                 f"99999999999999999999.2.{'ab' * 16}", f"9223372036854775807.2.{'ab' * 16}"):
        assert PageCursor.parse(junk) is None


def test_issue15_urgency_index_keeps_its_order(database_url: str) -> None:
    """The index the list seeks into is (next deadline, newest first, id) on the migrated
    database; SQLite's batch rebuilds had dropped the DESC (migration 0019 restores it)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                definition = connection.scalar(text(
                    "SELECT sql FROM sqlite_master WHERE name = 'ix_cases_urgency'"))
            else:
                definition = connection.scalar(text(
                    "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_cases_urgency'"))
    finally:
        engine.dispose()
    assert re.search(r"\(next_due_at, created_at DESC, id\)", str(definition)), definition
