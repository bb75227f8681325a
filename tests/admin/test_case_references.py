"""Case references people can name (issue 14 §7): numbered per company and year, allocated
safely under concurrency, shown on the list, the case page and the audit page, searchable,
and given to existing cases by the migration in the order they were received."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.cases.listing import CaseFilters, list_cases
from portal.cases.references import allocate_reference
from portal.db import engine_of, session_factory, transaction
from portal.models import Case
from portal.schema import downgrade, upgrade
from tests.admin.case_support import World, case_row, new_case, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LINK = re.compile(r'href="/admin/cases/([0-9a-f]{32})"')


def _reference(app: Flask, case_id: str) -> str | None:
    row = case_row(app, case_id)
    assert row is not None
    return row.reference


def test_references_count_per_company_and_year(world: World, portal_app: Flask) -> None:
    first, _ = new_case(portal_app, world.unit_id, now=T0)
    second, _ = new_case(portal_app, world.unit_id, now=T0)
    baltic, _ = new_case(portal_app, world.other_unit_id, now=T0)
    next_year, _ = new_case(portal_app, world.unit_id, now=datetime(2027, 1, 4, tzinfo=UTC))
    unknown, _ = new_case(portal_app, None, now=T0)
    assert _reference(portal_app, first) == "NORDIC-2026-0001"
    assert _reference(portal_app, second) == "NORDIC-2026-0002"
    assert _reference(portal_app, baltic) == "BALTIC-2026-0001"
    assert _reference(portal_app, next_year) == "NORDIC-2027-0001"
    # "Don't know" is the group's: counted and named as the group's.
    assert _reference(portal_app, unknown) == "GROUP-2026-0001"
    group_case, _ = new_case(portal_app, world.group_unit_id, now=T0)
    assert _reference(portal_app, group_case) == "GROUP-2026-0002"


def test_a_duplicate_reference_cannot_be_stored(world: World, portal_app: Flask) -> None:
    first, _ = new_case(portal_app, world.unit_id, now=T0)
    second, _ = new_case(portal_app, world.unit_id, now=T0)
    with pytest.raises(IntegrityError), portal_app.app_context(), \
            transaction(session_factory(portal_app)) as db:
        db.execute(update(Case).where(Case.id == second)
                   .values(reference=_reference(portal_app, first)))


def test_concurrent_submissions_get_different_numbers(world: World, portal_app: Flask) -> None:
    """The first transaction holds its number uncommitted while a second one allocates: the
    second waits and takes the next number (PostgreSQL: the counter row's lock; SQLite: the
    one writer)."""
    factory = session_factory(portal_app)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with portal_app.app_context(), transaction(factory) as db:
                numbers.append(allocate_reference(db, world.unit_id, T0))
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    with portal_app.app_context(), transaction(factory) as db:
        first = allocate_reference(db, world.unit_id, T0)
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.5)
        assert numbers == []  # still waiting for the first transaction
    thread.join(timeout=30)
    assert not errors
    assert first == "NORDIC-2026-0001"
    assert numbers == ["NORDIC-2026-0002"]


def test_the_list_and_the_case_page_name_the_case(world: World, portal_app: Flask,
                                                  admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id, now=T0)
    client = signed_in(admin_app, world.alice)
    listing = client.get("/admin/cases").get_data(as_text=True)
    assert "NORDIC-2026-0001" in listing
    page = client.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert re.search(r"<h1>[^<]*NORDIC-2026-0001</h1>", page)
    assert 'id="case-reference">NORDIC-2026-0001<' in page


def test_the_list_is_searchable_by_reference(world: World, portal_app: Flask,
                                             admin_app: Flask) -> None:
    first, _ = new_case(portal_app, world.unit_id, now=T0)
    second, _ = new_case(portal_app, world.unit_id, now=T0)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        def found(query: str) -> list[str]:
            return [row.id for row in list_cases(db, world.alice.id,
                                                 CaseFilters(query=query), now=T0).rows]
        assert found("NORDIC-2026-0002") == [second]
        assert found("nordic-2026-0001") == [first]  # case-insensitive
        assert found("0002") == [second]  # a part of it
        assert sorted(found("2026")) == sorted([first, second])
        assert found("BALTIC-2026-0001") == []
        assert found("%") == []  # no wildcard from the search box
        assert sorted(found("")) == sorted([first, second])
    client = signed_in(admin_app, world.alice)
    page = client.get("/admin/cases?q=NORDIC-2026-0002").get_data(as_text=True)
    assert LINK.findall(page) == [second]
    assert 'value="NORDIC-2026-0002"' in page  # the search box keeps what was typed


def test_the_audit_page_names_cases_by_reference(world: World, portal_app: Flask,
                                                 admin_app: Flask) -> None:
    case_id, _ = new_case(portal_app, world.unit_id, now=T0)
    page = signed_in(admin_app, world.audrey).get("/admin/audit").get_data(as_text=True)
    assert "NORDIC-2026-0001" in page
    assert case_id not in page


def test_the_migration_numbers_existing_cases_in_received_order(
        world: World, portal_app: Flask, database_url: str) -> None:
    # Submitted out of order: the later report first.
    later, _ = new_case(portal_app, world.unit_id, now=datetime(2026, 5, 4, tzinfo=UTC))
    earlier, _ = new_case(portal_app, world.unit_id, now=datetime(2026, 2, 3, tzinfo=UTC))
    unknown, _ = new_case(portal_app, None, now=datetime(2026, 2, 3, tzinfo=UTC))
    engine_of(portal_app).dispose()
    downgrade(database_url, "0014")
    upgrade(database_url)
    assert _reference(portal_app, earlier) == "NORDIC-2026-0001"
    assert _reference(portal_app, later) == "NORDIC-2026-0002"
    assert _reference(portal_app, unknown) == "GROUP-2026-0001"
    # The counter goes on from the migrated numbers.
    newest, _ = new_case(portal_app, world.unit_id, now=datetime(2026, 6, 1, tzinfo=UTC))
    assert _reference(portal_app, newest) == "NORDIC-2026-0003"
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        assert None not in set(db.scalars(select(Case.reference)))
