"""The Code of Conduct checklist (issue 12 §2): every area marked, a missing essential area
opens a gap (so does a partly covered one, by the setting), signing our code closes the gaps,
an action closes one with its id, and the checklist's areas come from the configuration."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import DEFAULT_CATEGORIES, load_settings
from config.conduct import DEFAULT_CONDUCT_AREAS
from portal.audit import CONSOLE
from portal.db import engine_of, session_factory, transaction
from portal.extensions import server_keys_of, settings_of
from portal.models import AuditEvent
from portal.refusals import Refusal
from supplier_dd.conduct import (
    AreaEntry,
    close_gap_by_action,
    conduct_coverage_counts,
    gaps_of,
    record_no_code,
    record_own_code,
    record_signed_ours,
)
from supplier_dd.models import Supplier
from supplier_dd.models.actions import ActionItem, ActionKind, ActionStatus
from supplier_dd.models.conduct import AreaMark, ConductStatus, GapClosure
from supplier_dd.states import SupplierAction

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@contextmanager
def _db(app: Flask) -> Iterator[Session]:
    with app.app_context(), transaction(session_factory(app)) as db:
        yield db


def _supplier(app: Flask, name: str = "Hanoi Uniforms") -> str:
    with _db(app) as db:
        supplier = Supplier(name=name, country="VN", sector="textiles", tier=1)
        db.add(supplier)
        db.flush()
        return supplier.id


def _entries(**marks: AreaMark) -> dict[str, AreaEntry]:
    entries = {area.code: AreaEntry(AreaMark.COVERED, f"§{index}")
               for index, area in enumerate(DEFAULT_CONDUCT_AREAS, start=1)}
    entries.update({code: AreaEntry(mark, "") for code, mark in marks.items()})
    return entries


def _compare(app: Flask, supplier_id: str, entries: dict[str, AreaEntry]) -> list[str]:
    with _db(app) as db:
        supplier = db.get(Supplier, supplier_id)
        assert supplier is not None
        opened = record_own_code(db, supplier, settings_of(app), title="Supplier Code v3",
                                 compared_on=date(2026, 5, 30), entries=entries,
                                 keys=server_keys_of(app), actor=CONSOLE, now=NOW)
        return sorted(gap.area for gap in opened)


def test_missing_essential_areas_open_gaps_and_others_do_not(admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app)
    opened = _compare(admin_app, supplier_id, _entries(
        forced_labour=AreaMark.MISSING,          # essential: a gap
        wages=AreaMark.PARTLY,                   # essential, partly: a gap by default
        minerals=AreaMark.MISSING,               # not essential: no gap
        environment=AreaMark.STRICTER))
    assert opened == ["forced_labour", "wages"]
    # The same comparison again opens nothing new: the gaps are already open.
    assert _compare(admin_app, supplier_id, _entries(forced_labour=AreaMark.MISSING,
                                                     wages=AreaMark.PARTLY)) == []
    with _db(admin_app) as db:
        assert len(gaps_of(db, supplier_id, open_only=True)) == 2
        assert SupplierAction.CONDUCT_RECORDED in set(db.scalars(select(AuditEvent.action)))


def test_signing_our_code_closes_every_open_gap(admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app)
    _compare(admin_app, supplier_id, _entries(child_labour=AreaMark.MISSING,
                                              grievance=AreaMark.MISSING))
    with _db(admin_app) as db:
        supplier = db.get(Supplier, supplier_id)
        assert supplier is not None
        review = record_signed_ours(db, supplier, version="2025-1", signed_on=date(2026, 5, 31),
                                    keys=server_keys_of(admin_app), actor=CONSOLE, now=NOW)
        assert review.status == ConductStatus.SIGNED_OURS
    with _db(admin_app) as db:
        assert gaps_of(db, supplier_id, open_only=True) == []
        assert {gap.closed_by for gap in gaps_of(db, supplier_id)} == {GapClosure.SIGNED_OURS}
        assert conduct_coverage_counts(db)["signed_ours"] == 1


def _action(app: Flask, supplier_id: str, **values: object) -> str:
    with _db(app) as db:
        item = ActionItem(supplier_id=supplier_id, kind=ActionKind.CLOSE_GAP,
                          title="Working-hours policy", due_date=date(2026, 9, 1),
                          gap_area="working_hours", **values)
        db.add(item)
        db.flush()
        return item.id


def test_an_action_closes_a_gap_and_a_revised_code_closes_another(admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app)
    other_supplier = _supplier(admin_app, "Other Ltd")
    _compare(admin_app, supplier_id, _entries(working_hours=AreaMark.MISSING,
                                              health_and_safety=AreaMark.MISSING))
    action_id = _action(admin_app, supplier_id)
    foreign = _action(admin_app, other_supplier)
    cancelled = _action(admin_app, supplier_id, status=ActionStatus.CANCELLED)
    with _db(admin_app) as db:
        gaps = {gap.area: gap for gap in gaps_of(db, supplier_id)}
        for wrong in (" ", "a" * 32, foreign, cancelled):
            with pytest.raises(Refusal, match="action plan"):
                close_gap_by_action(db, gaps["working_hours"], wrong,
                                    keys=server_keys_of(admin_app), actor=CONSOLE)
        close_gap_by_action(db, gaps["working_hours"], action_id,
                            keys=server_keys_of(admin_app), actor=CONSOLE, now=NOW)
    # The supplier revises its code: health and safety is now covered. Working hours is
    # still missing, but the action closed its gap: the same finding does not reopen it.
    assert _compare(admin_app, supplier_id, _entries(working_hours=AreaMark.MISSING)) == []
    with _db(admin_app) as db:
        gaps = {gap.area: gap for gap in gaps_of(db, supplier_id)}
        assert (gaps["working_hours"].closed_by, gaps["working_hours"].action_id) == (
            GapClosure.ACTION, action_id)
        assert gaps["health_and_safety"].closed_by == GapClosure.CODE_REVISED
        assert SupplierAction.CONDUCT_GAP_CLOSED in set(db.scalars(select(AuditEvent.action)))


def test_every_area_must_be_marked(admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app)
    entries = _entries()
    del entries["wages"]
    with pytest.raises(Refusal, match="Mark every area"):
        _compare(admin_app, supplier_id, entries)


def test_partly_opens_no_gap_when_configured_so(make_settings: object,
                                                  database_url: str) -> None:
    import admin

    settings = make_settings(database_url=database_url,  # type: ignore[operator]
                             conduct_gap_on_partly=False)
    app = admin.create_app(settings)
    try:
        supplier_id = _supplier(app)
        assert _compare(app, supplier_id, _entries(wages=AreaMark.PARTLY)) == []
    finally:
        engine_of(app).dispose()


def test_the_checklist_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "aktsom.toml"
    path.write_text('[[conduct_areas]]\ncode = "forced_labour"\nlabel = "Forced labour"\n'
                    'essential = true\n\n[[conduct_areas]]\ncode = "animal_welfare"\n'
                    'label = "Animal welfare"\n')
    settings = load_settings(environ={"AKTSOM_CONFIG": str(path)})
    assert [(area.code, area.essential) for area in settings.conduct_areas] == [
        ("forced_labour", True), ("animal_welfare", False)]
    assert settings.categories == DEFAULT_CATEGORIES


def test_no_code_is_recorded_and_counted(admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app)
    _supplier(admin_app, "Unrecorded Ltd")
    with _db(admin_app) as db:
        supplier = db.get(Supplier, supplier_id)
        assert supplier is not None
        record_no_code(db, supplier, keys=server_keys_of(admin_app), actor=CONSOLE)
    with _db(admin_app) as db:
        assert conduct_coverage_counts(db) == {"signed_ours": 0, "own_compared": 0, "none": 1,
                                               "unrecorded": 1}


def test_a_gap_reopens_when_a_covered_area_goes_missing_again(admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app)
    assert _compare(admin_app, supplier_id, _entries(wages=AreaMark.MISSING)) == ["wages"]
    assert _compare(admin_app, supplier_id, _entries()) == []
    assert _compare(admin_app, supplier_id, _entries(wages=AreaMark.MISSING)) == ["wages"]
