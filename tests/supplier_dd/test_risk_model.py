"""The explainable risk model (issue 12 §3): fixed suppliers with their expected factor scores,
reasons and levels; the configuration's weights and thresholds; reassessment due dates; a high
result that cannot close without its thorough analysis; history from cases that survive only
as statistics rows after the retention purge."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import SettingsError, load_settings
from config.risk import RiskSettings
from portal.audit import CONSOLE
from portal.cases.retention import purge_expired_cases
from portal.cases.supplier_counts import substantiated_case_count
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of, settings_of
from portal.models import AuditEvent, Case, CaseStat, OrgUnit
from portal.refusals import Refusal
from portal.states import CaseStatus, Outcome
from supplier_dd.analysis import AnalysisEntry, record_analysis
from supplier_dd.countries import CountryValue
from supplier_dd.models import Supplier, SupplierCertification, SupplierProductGroup
from supplier_dd.models.actions import ActionItem, ActionKind, ActionStatus
from supplier_dd.models.risk import (
    AssessmentStatus,
    CountryIndex,
    DialogueCounterpart,
    DialogueMethod,
    RiskAssessment,
    RiskLevel,
)
from supplier_dd.risk import (
    Certificate,
    RiskInputs,
    Transparency,
    close_assessment,
    dashboard_figures,
    evaluate,
    factor_scores,
    gather_inputs,
    large_suppliers_assessed_by_level,
    reassessments_due,
    record_assessment,
    thorough_analysis_count,
)
from supplier_dd.states import SupplierAction
from tests.admin.case_support import World, new_case
from tests.admin.case_support import world as world  # noqa: F401 (fixture)

TODAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def _country(country: str, score: int, raw: str = "", **extra: object) -> CountryValue:
    return CountryValue(country, score, raw or str(score), CountryIndex.ITUC,
                        "ITUC Global Rights Index", 2025, "ITUC, cited with attribution",
                        **extra)  # type: ignore[arg-type]


def _inputs(**changes: object) -> RiskInputs:
    base = RiskInputs(on=TODAY, country="NO", geography=_country("NO", 1),
                      product_groups=("Furniture",), high_risk_groups=(),
                      substantiated_cases=0, history_years=5,
                      previous_level=None, overdue_actions=0)
    return replace(base, **changes)  # type: ignore[arg-type]


def _words(result_factor: object) -> list[str]:
    return [reason.template % {name: ", ".join(value) if isinstance(value, list) else value
                               for name, value in reason.params.items()}
            if reason.params else reason.template
            for reason in result_factor.reasons]  # type: ignore[attr-defined]


def test_a_well_documented_nordic_supplier_is_low() -> None:
    result = evaluate(_inputs(
        certificates=(Certificate("iso45001", date(2027, 1, 1)),
                      Certificate("iso14001", date(2027, 1, 1)),
                      Certificate("sa8000", date(2026, 12, 31))),
        transparency=Transparency(True, True, True, True)), RiskSettings())
    assert [factor.score for factor in result.factors] == [1, 1, 1, 1, 1]
    assert (result.total, result.level, result.lifted) == (1.0, RiskLevel.LOW, False)
    geography, industry, history, certifications, transparency = result.factors
    assert _words(geography) == [
        "NO: 1 in ITUC Global Rights Index (2025) gives 1."]
    assert _words(industry) == ["No high-risk product group among Furniture."]
    assert _words(history) == [
        "No earlier assessment.", "No overdue action.",
        "No substantiated case linked to the supplier in the last 5 years."]
    assert _words(certifications) == ["Valid certificates: ISO 14001, ISO 45001, SA8000."]
    assert _words(transparency) == ["4 of 4 transparency questions answered yes."]


def test_an_electronics_factory_in_a_rated_5_country_is_high() -> None:
    result = evaluate(_inputs(
        country="CN", geography=_country("CN", 5),
        product_groups=("ICT and electronics", "Office supplies"),
        high_risk_groups=("ICT and electronics",),
        certificates=(Certificate("rba", date(2026, 5, 31)),),  # expired the day before
        transparency=Transparency(mapping_shared=True)), RiskSettings())
    assert [factor.score for factor in result.factors] == [5, 5, 1, 4, 4]
    # (5*0.30 + 5*0.25 + 1*0.20 + 4*0.10 + 4*0.15) / 1.0
    assert result.total == 3.95
    assert result.level == RiskLevel.HIGH
    certifications, transparency = result.factors[3], result.factors[4]
    assert _words(certifications) == ["No valid certificate.",
                                      "Expired, counted for nothing: RBA."]
    assert _words(transparency) == [
        "1 of 4 transparency questions answered yes.",
        "The self-assessment is not answered.", "No whistleblowing channel of its own.",
        "No published due-diligence account."]
    assert _words(result.factors[1]) == ["High-risk product groups: ICT and electronics."]


def test_a_substantiated_case_cannot_be_averaged_away() -> None:
    result = evaluate(_inputs(substantiated_cases=2, transparency=Transparency(
        True, True, True, True), certificates=(
            Certificate("sa8000", date(2027, 1, 1)), Certificate("smeta", date(2027, 1, 1)),
            Certificate("iso9001", date(2027, 1, 1)))), RiskSettings())
    assert [factor.score for factor in result.factors] == [1, 1, 5, 1, 1]
    assert result.total == 1.8
    # Low by the mean, lifted to medium by the history factor at 5.
    assert (result.level, result.lifted) == (RiskLevel.MEDIUM, True)
    assert "2 substantiated cases linked to the supplier in the last 5 years." in _words(
        result.factors[2])
    off = evaluate(_inputs(substantiated_cases=2, transparency=Transparency(
        True, True, True, True)), replace(RiskSettings(), top_factor_floor="low"))
    assert (off.level, off.lifted) == (RiskLevel.LOW, False)


def test_history_counts_earlier_results_and_overdue_actions() -> None:
    result = evaluate(_inputs(previous_level=RiskLevel.HIGH, overdue_actions=3),
                      RiskSettings())
    history = result.factors[2]
    assert history.score == 5  # 3 for the earlier high result, +2 (at most) for overdue
    assert _words(history)[:2] == ["The previous assessment was high.",
                                   "3 overdue actions in the action plan."]
    medium = evaluate(_inputs(previous_level=RiskLevel.MEDIUM, overdue_actions=1),
                      RiskSettings()).factors[2]
    assert medium.score == 3


def test_unknown_country_overrides_and_indicative_values_are_said_in_words() -> None:
    unknown = evaluate(_inputs(country="XK", geography=None), RiskSettings()).factors[0]
    assert (unknown.score, _words(unknown)) == (3, [
        "No rating for XK in the country table: scored as medium."])
    overridden = evaluate(_inputs(country="PL", geography=replace(
        _country("PL", 3), index_kind=CountryIndex.DEFAULT, override_score=2,
        override_reason="Own audit 2026 of the region")), RiskSettings()).factors[0]
    assert overridden.score == 2
    assert _words(overridden)[1:] == [
        "The rating is the indicative default shipped with Aktsom, not a publisher's value.",
        "Overridden to 2: Own audit 2026 of the region"]


def test_weights_and_thresholds_come_from_the_configuration(tmp_path: object) -> None:
    path = tmp_path / "aktsom.toml"  # type: ignore[operator]
    path.write_text('[risk]\nweights = { geography = 1, industry = 0, history = 0, '
                    'certifications = 0, transparency = 0 }\nmedium_from = 1.5\n'
                    'high_from = 2.5\nreassess_months = { high = 3 }\n')
    settings = load_settings(environ={"AKTSOM_CONFIG": str(path)})
    assert settings.risk.reassess_months("high") == 3
    assert settings.risk.reassess_months("low") == 24
    result = evaluate(_inputs(geography=_country("NO", 2), product_groups=()),
                      settings.risk)
    assert (result.total, result.level) == (2.0, RiskLevel.MEDIUM)


@pytest.mark.parametrize("table", [
    "weights = { geography = -1 }",
    "weights = { weather = 1 }",
    "medium_from = 4\nhigh_from = 3",
    'top_factor_floor = "extreme"',
    "reassess_months = { high = 0 }",
    "colour = 1",
    # Gone: the industry factor reads the product groups' high_risk flag.
    'high_risk_sectors = ["textiles"]',
])
def test_unusable_risk_settings_stop_the_start(tmp_path: Path, table: str) -> None:
    path = tmp_path / "aktsom.toml"
    path.write_text(f"[risk]\n{table}\n")
    with pytest.raises(SettingsError, match="risk"):
        load_settings(environ={"AKTSOM_CONFIG": str(path)})


# --- assessments in the database ---------------------------------------------------------


@contextmanager
def _db(app: Flask) -> Iterator[Session]:
    with app.app_context(), transaction(session_factory(app)) as db:
        yield db


def _supplier(app: Flask, name: str = "Shenzhen Board Works", country: str = "CN",
              groups: tuple[str, ...] = ("ict_electronics",), **extra: object) -> str:
    with _db(app) as db:
        supplier = Supplier(name=name, country=country, tier=1, **extra)
        db.add(supplier)
        db.flush()
        for code in groups:
            db.add(SupplierProductGroup(supplier_id=supplier.id, group_code=code))
        return supplier.id


def _assess(app: Flask, supplier_id: str, now: datetime = NOW,
            transparency: Transparency | None = None) -> str:
    with _db(app) as db:
        supplier = db.get(Supplier, supplier_id)
        assert supplier is not None
        inputs = gather_inputs(db, supplier, settings_of(app), now.date(),
                               transparency=transparency or Transparency())
        assessment = record_assessment(db, supplier, inputs, settings_of(app),
                                       keys=server_keys_of(app), actor=CONSOLE, now=now)
        return assessment.id


def test_every_assessment_is_kept_with_inputs_scores_and_reasons(admin_app: Flask) -> None:
    _assess(admin_app, _supplier(admin_app))
    with _db(admin_app) as db:
        assessment = db.scalars(select(RiskAssessment)).one()
        # CN is rated 5 in the shipped default; ICT is on the high-risk list.
        assert assessment.level == RiskLevel.HIGH
        assert assessment.status == AssessmentStatus.AWAITING_ANALYSIS
        inputs = json.loads(assessment.inputs)
        assert inputs["country"] == "CN" and inputs["geography"]["index_kind"] == "default"
        scores = factor_scores(db, assessment.id)
        assert [(row.factor.value, row.score) for row, _ in scores] == [
            ("geography", 5), ("industry", 5), ("history", 1), ("certifications", 4),
            ("transparency", 5)]
        assert scores[1][1][0].template == "High-risk product groups: %(groups)s."
        assert scores[1][1][0].params == {"groups": ["ICT and electronics"]}
        actions = set(db.scalars(select(AuditEvent.action)))
        assert SupplierAction.RISK_ASSESSED in actions


def test_a_high_risk_cannot_close_without_a_complete_analysis(admin_app: Flask) -> None:
    assessment_id = _assess(admin_app, _supplier(admin_app))
    with _db(admin_app) as db:
        assessment = db.get(RiskAssessment, assessment_id)
        assert assessment is not None
        with pytest.raises(Refusal, match="complete thorough analysis"):
            close_assessment(db, assessment, settings_of(admin_app),
                             keys=server_keys_of(admin_app), actor=CONSOLE, now=NOW)
        # Text alone is not enough: the dialogue with workers is a step of its own (§4 e).
        entry = AnalysisEntry(questions="Overtime?", findings="72-hour weeks in peak season",
                              evidence="Audit report 2026-14", conclusion="Plan agreed")
        record_analysis(db, assessment, entry, keys=server_keys_of(admin_app), actor=CONSOLE,
                        now=NOW)
        with pytest.raises(Refusal):
            close_assessment(db, assessment, settings_of(admin_app),
                             keys=server_keys_of(admin_app), actor=CONSOLE, now=NOW)
        record_analysis(db, assessment, replace(
            entry, dialogue_on=date(2026, 5, 20),
            dialogue_with=DialogueCounterpart.REPRESENTATIVES,
            dialogue_how=DialogueMethod.ON_SITE), keys=server_keys_of(admin_app),
            actor=CONSOLE, now=NOW)
        close_assessment(db, assessment, settings_of(admin_app),
                         keys=server_keys_of(admin_app), actor=CONSOLE, now=NOW)
        assert assessment.status == AssessmentStatus.CLOSED
        assert assessment.next_due_on == date(2026, 12, 1)  # high: 6 months


def test_the_dialogue_step_is_all_or_nothing(admin_app: Flask) -> None:
    assessment_id = _assess(admin_app, _supplier(admin_app))
    with _db(admin_app) as db:
        assessment = db.get(RiskAssessment, assessment_id)
        assert assessment is not None
        with pytest.raises(Refusal, match="date, with whom and how"):
            record_analysis(db, assessment, AnalysisEntry(dialogue_on=date(2026, 5, 1)),
                            keys=server_keys_of(admin_app), actor=CONSOLE, now=NOW)


def test_reassessments_fall_due_by_level(admin_app: Flask) -> None:
    low = _supplier(admin_app, "Oslo Office Supplies", "NO", ("furniture",))
    medium = _supplier(admin_app, "Warsaw Cables", "PL", ())
    _assess(admin_app, low, transparency=Transparency(True, True, True, True))
    _assess(admin_app, medium)
    with _db(admin_app) as db:
        levels = {row.supplier_id: (row.level, row.next_due_on)
                  for row in db.scalars(select(RiskAssessment))}
        assert levels[low] == (RiskLevel.LOW, date(2028, 6, 1))
        assert levels[medium] == (RiskLevel.MEDIUM, date(2027, 6, 1))
        assert reassessments_due(db, date(2027, 5, 31)) == []
        due = reassessments_due(db, date(2027, 6, 1))
        assert [(item.supplier_id, item.level) for item in due] == [(medium,
                                                                     RiskLevel.MEDIUM)]
        assert len(reassessments_due(db, date(2028, 6, 1))) == 2
        figures = dashboard_figures(db, date(2027, 6, 1))
        assert figures["reassessments_due"] == 1
        assert figures["by_level"] == {"low": 1, "medium": 1, "high": 0}
    # A new assessment replaces the old one's due date; the old one is kept.
    _assess(admin_app, medium, now=NOW + timedelta(days=365))
    with _db(admin_app) as db:
        assert reassessments_due(db, date(2027, 6, 1)) == []
        assert len(list(db.scalars(select(RiskAssessment).where(
            RiskAssessment.supplier_id == medium)))) == 2


def test_history_counts_cases_that_survive_only_as_statistics(
        world: World, admin_app: Flask, portal_app: Flask) -> None:
    supplier_id = _supplier(admin_app)
    old = datetime(2024, 1, 10, tzinfo=UTC)
    ids = [new_case(portal_app, world.unit_id, now=old + timedelta(days=day))[0]
           for day in range(3)]
    with _db(admin_app) as db:
        for case_id, outcome in zip(ids, (Outcome.SUBSTANTIATED, Outcome.PARTLY_SUBSTANTIATED,
                                          Outcome.UNFOUNDED), strict=True):
            case = db.get(Case, case_id)
            assert case is not None
            case.supplier_id, case.outcome = supplier_id, outcome
            case.status, case.closed_at = CaseStatus.CLOSED, old + timedelta(days=20)
    with _db(admin_app) as db:
        assert substantiated_case_count(db, supplier_id, date(2021, 6, 1)) == 2
        assert substantiated_case_count(db, supplier_id, date(2024, 6, 1)) == 0
    with _db(admin_app) as db:
        settings = settings_of(admin_app)
        # A unit with its own period, as tests/portal/test_retention.py has: without one the
        # purge passes over every case that has a unit (see the report of issue 12 §3).
        other = db.get(OrgUnit, world.other_unit_id)
        assert other is not None
        other.retention_days = 30
        purged = purge_expired_cases(db, settings, server_keys_of(admin_app),
                                     now=datetime(2034, 6, 1, tzinfo=UTC))  # past any unit period
        assert purged.purged == 3
    with _db(admin_app) as db:
        assert db.scalar(select(Case.id).where(Case.supplier_id == supplier_id)) is None
        assert len(list(db.scalars(select(CaseStat)))) == 3
        assert substantiated_case_count(db, supplier_id, date(2021, 6, 1)) == 2
    assessment_id = _assess(admin_app, supplier_id)
    with _db(admin_app) as db:
        history = factor_scores(db, assessment_id)[2]
        assert history[0].score == 5
        assert history[1][-1].params == {"count": 2, "years": 5}


def test_overdue_action_plan_items_raise_the_history_score(admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app, "Oslo Office Supplies", "NO", ("furniture",))
    with _db(admin_app) as db:
        db.add_all([
            ActionItem(supplier_id=supplier_id, kind=ActionKind.CORRECTIVE, title="Overtime cap",
                       due_date=date(2026, 5, 1)),
            ActionItem(supplier_id=supplier_id, kind=ActionKind.REMEDIATION, title="Back pay",
                       due_date=date(2026, 5, 15), status=ActionStatus.IN_PROGRESS),
            # Done, or not yet due: neither counts.
            ActionItem(supplier_id=supplier_id, kind=ActionKind.CORRECTIVE, title="Fire exits",
                       due_date=date(2026, 4, 1), status=ActionStatus.DONE),
            ActionItem(supplier_id=supplier_id, kind=ActionKind.CORRECTIVE, title="Training",
                       due_date=date(2026, 7, 1)),
        ])
    assessment_id = _assess(admin_app, supplier_id)
    with _db(admin_app) as db:
        assessment = db.get(RiskAssessment, assessment_id)
        assert assessment is not None
        assert json.loads(assessment.inputs)["overdue_actions"] == 2
        history = factor_scores(db, assessment_id)[2]
        assert history[0].score == 3  # 1, +1 per overdue item
        assert history[1][1].params == {"count": 2}



def test_one_assessment_at_a_time_and_the_annual_counts(admin_app: Flask) -> None:
    # Large and important by hand: the annual count is of those suppliers.
    high = _supplier(admin_app, large_by_hand=True, large_reason="Sole source")
    low = _supplier(admin_app, "Oslo Office Supplies", "NO", ("furniture",),
                    large_by_hand=True, large_reason="Sole source")
    settings = settings_of(admin_app)
    assessment_id = _assess(admin_app, high)
    with pytest.raises(Refusal, match="still waiting for its thorough analysis"):
        _assess(admin_app, high)
    _assess(admin_app, low, transparency=Transparency(True, True, True, True))
    with _db(admin_app) as db:
        assert large_suppliers_assessed_by_level(db, settings, 2026) == {
            "low": 1, "medium": 0, "high": 0}
        assert thorough_analysis_count(db, 2026) == 0
        assert dashboard_figures(db, TODAY)["awaiting_analysis"] == 1
        assessment = db.get(RiskAssessment, assessment_id)
        assert assessment is not None
        record_analysis(db, assessment, AnalysisEntry(
            questions="q", findings="f", evidence="e", conclusion="c",
            dialogue_on=date(2026, 5, 2), dialogue_with=DialogueCounterpart.WORKERS,
            dialogue_how=DialogueMethod.SURVEY), keys=server_keys_of(admin_app),
            actor=CONSOLE, now=NOW)
        close_assessment(db, assessment, settings_of(admin_app),
                         keys=server_keys_of(admin_app), actor=CONSOLE, now=NOW)
    with _db(admin_app) as db:
        assert large_suppliers_assessed_by_level(db, settings, 2026) == {
            "low": 1, "medium": 0, "high": 1}
        assert large_suppliers_assessed_by_level(db, settings, 2025) == {
            "low": 0, "medium": 0, "high": 0}
        assert thorough_analysis_count(db, 2026) == 1


def test_industry_reads_the_register_product_groups_and_their_high_risk_flag(
        admin_app: Flask) -> None:
    """The industry factor names the configured high-risk groups; the sector plays no part."""
    mixed = _supplier(admin_app, "Lodz Uniforms", "PL", ("textiles", "office_supplies", "mica"))
    plain = _supplier(admin_app, "Bergen Chairs", "NO", ("furniture",), sector="construction")
    _assess(admin_app, mixed)
    _assess(admin_app, plain)
    with _db(admin_app) as db:
        by_supplier = {row.supplier_id: row for row in db.scalars(select(RiskAssessment))}
        industry = factor_scores(db, by_supplier[mixed].id)[1]
        assert industry[0].score == 5
        assert industry[1][0].params == {"groups": ["Mica", "Textiles and uniforms"]}
        assert json.loads(by_supplier[mixed].inputs)["high_risk_groups"] == [
            "Mica", "Textiles and uniforms"]
        industry = factor_scores(db, by_supplier[plain].id)[1]
        assert industry[0].score == 1
        assert industry[1][0].template == "No high-risk product group among %(groups)s."


def test_certifications_come_from_the_register_and_an_expired_one_counts_nothing(
        admin_app: Flask) -> None:
    supplier_id = _supplier(admin_app, "Hanoi Garments", "VN", ("textiles",))
    with _db(admin_app) as db:
        db.add_all([
            SupplierCertification(supplier_id=supplier_id, scheme="SA8000",
                                  expires_on=date(2026, 6, 1)),  # the assessment day: valid
            SupplierCertification(supplier_id=supplier_id, scheme="ISO 14001",
                                  expires_on=date(2027, 3, 1)),
            SupplierCertification(supplier_id=supplier_id, scheme="amfori BSCI",
                                  expires_on=date(2026, 5, 31)),  # expired the day before
        ])
    assessment_id = _assess(admin_app, supplier_id)
    with _db(admin_app) as db:
        assessment = db.get(RiskAssessment, assessment_id)
        assert assessment is not None
        certifications = factor_scores(db, assessment_id)[3]
        assert certifications[0].score == 2  # two valid certificates
        assert [reason.params for reason in certifications[1]] == [
            {"names": "ISO 14001, SA8000"}, {"names": "amfori BSCI"}]
        snapshot = json.loads(assessment.inputs)["certificates"]
        assert sorted((item["scheme"], item["valid_until"]) for item in snapshot) == [
            ("ISO 14001", "2027-03-01"), ("SA8000", "2026-06-01"),
            ("amfori BSCI", "2026-05-31")]


def test_large_and_important_suppliers_never_assessed_are_due(admin_app: Flask) -> None:
    by_spend = _supplier(admin_app, "Gdansk Steel", "PL", (), spend_band="over_10m")
    by_hand = _supplier(admin_app, "Oslo Cleaning", "NO", (), large_by_hand=True,
                        large_reason="Cleans every site")
    small = _supplier(admin_app, "Small Pens", "NO", (), spend_band="under_100k")
    with _db(admin_app) as db:
        due = reassessments_due(db, TODAY, settings_of(admin_app))
        assert {item.supplier_id: item.level for item in due} == {by_spend: None,
                                                                  by_hand: None}
        assert small not in {item.supplier_id for item in due}
        assert dashboard_figures(db, TODAY, settings_of(admin_app))["reassessments_due"] == 2
    _assess(admin_app, by_spend)  # medium or high: in hand or due later
    with _db(admin_app) as db:
        assert [item.supplier_id for item in reassessments_due(
            db, TODAY, settings_of(admin_app))] == [by_hand]
