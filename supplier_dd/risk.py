"""The explainable supplier risk model (domain brief §2, seed §6.1) and its assessments.

Five factors, each scored 1 (low risk) to 5 (high risk) with its reasons in words; the result
is their weighted mean against the configured thresholds (config/risk.py), and one factor at 5
lifts it to at least `top_factor_floor`. The scoring functions are pure (inputs in, score and
reasons out); `gather_inputs` reads what they need, each source behind one function:
geography from the country table (supplier_dd.countries), industry from the register's product
groups and their configured high-risk flag (`industry_of`), history from
`portal.cases.supplier_counts` plus earlier results and the overdue-action count
(`overdue_action_count`), certifications from the register's certificates (`certificates_of`,
an expired one counts for nothing), transparency as answered with the assessment. Whatever was
read is kept in the assessment's input snapshot.

Reasons are stored as English templates with parameters and translated where shown.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import Settings
from config.risk import CERTIFICATION_SCHEMES, FACTORS, LEVELS, RiskSettings
from portal.audit import Actor, record_event
from portal.cases.supplier_counts import substantiated_case_count
from portal.db import utcnow
from portal.deadlines import add_months
from portal.extensions import settings_of
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from supplier_dd.conduct import open_gap_count
from supplier_dd.countries import CountryValue, country_value
from supplier_dd.models import Supplier, SupplierProductGroup
from supplier_dd.models.actions import overdue_actions
from supplier_dd.models.risk import (
    AssessmentStatus,
    RiskAssessment,
    RiskFactor,
    RiskFactorScore,
    RiskLevel,
    ThoroughAnalysis,
)
from supplier_dd.register import certifications_of, large_and_important_condition
from supplier_dd.states import SupplierAction

SCHEME_NAMES = dict(CERTIFICATION_SCHEMES)


@dataclass(frozen=True)
class Reason:
    template: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FactorResult:
    factor: RiskFactor
    score: int
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Certificate:
    scheme: str
    valid_until: date


@dataclass(frozen=True)
class Transparency:
    mapping_shared: bool = False
    self_assessment: bool = False
    own_channel: bool = False
    published_account: bool = False


@dataclass(frozen=True)
class RiskInputs:
    """Everything a result is computed from; stored with the assessment as JSON."""

    on: date
    country: str
    geography: CountryValue | None
    # Labels (config/suppliers.py, English keys) of the supplier's product groups, and of
    # those among them flagged high-risk.
    product_groups: tuple[str, ...]
    high_risk_groups: tuple[str, ...]
    substantiated_cases: int
    history_years: int
    previous_level: RiskLevel | None
    overdue_actions: int
    certificates: tuple[Certificate, ...] = ()
    transparency: Transparency = Transparency()

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str, sort_keys=True)


@dataclass(frozen=True)
class RiskResult:
    factors: tuple[FactorResult, ...]
    total: float
    level: RiskLevel
    # The level was lifted by a factor at the top score.
    lifted: bool


def score_geography(country: str, value: CountryValue | None) -> FactorResult:
    if value is None:
        return FactorResult(RiskFactor.GEOGRAPHY, 3, (Reason(N_(
            "No rating for %(country)s in the country table: scored as medium."),
            {"country": country}),))
    reasons = [Reason(N_("%(country)s: %(value)s in %(source)s (%(year)s) gives %(score)s."),
                      {"country": country, "value": value.raw_value, "source": value.source,
                       "year": value.year, "score": value.score})]
    if value.indicative:
        reasons.append(Reason(N_(
            "The rating is the indicative default shipped with Aktsom, not a publisher's "
            "value.")))
    if value.override_score is not None:
        reasons.append(Reason(N_("Overridden to %(score)s: %(reason)s"),
                              {"score": value.override_score,
                               "reason": value.override_reason or ""}))
    return FactorResult(RiskFactor.GEOGRAPHY, value.effective_score, tuple(reasons))


def score_industry(groups: tuple[str, ...], high_risk: tuple[str, ...]) -> FactorResult:
    """5 when any product group is flagged high-risk (naming them), 1 when none is, 3 when
    the register has no product group for the supplier. Group labels are kept as lists and
    translated item by item where shown."""
    if not groups:
        return FactorResult(RiskFactor.INDUSTRY, 3, (Reason(N_(
            "No product group recorded: scored as medium.")),))
    if high_risk:
        return FactorResult(RiskFactor.INDUSTRY, 5, (Reason(N_(
            "High-risk product groups: %(groups)s."), {"groups": list(high_risk)}),))
    return FactorResult(RiskFactor.INDUSTRY, 1, (Reason(N_(
        "No high-risk product group among %(groups)s."), {"groups": list(groups)}),))


def score_history(substantiated: int, years: int, previous: RiskLevel | None,
                  overdue_actions: int) -> FactorResult:
    """1, raised to 2 or 3 by an earlier medium or high result, plus one per overdue action
    (at most two); any linked substantiated case makes it 5."""
    score = 1
    reasons = []
    if previous == RiskLevel.HIGH:
        score = 3
        reasons.append(Reason(N_("The previous assessment was high.")))
    elif previous == RiskLevel.MEDIUM:
        score = 2
        reasons.append(Reason(N_("The previous assessment was medium.")))
    elif previous == RiskLevel.LOW:
        reasons.append(Reason(N_("The previous assessment was low.")))
    else:
        reasons.append(Reason(N_("No earlier assessment.")))
    if overdue_actions:
        score += min(overdue_actions, 2)
        reasons.append(Reason(N_("%(count)s overdue actions in the action plan."),
                              {"count": overdue_actions}))
    else:
        reasons.append(Reason(N_("No overdue action.")))
    if substantiated:
        score = 5
        reasons.append(Reason(N_(
            "%(count)s substantiated cases linked to the supplier in the last %(years)s "
            "years."), {"count": substantiated, "years": years}))
    else:
        reasons.append(Reason(N_(
            "No substantiated case linked to the supplier in the last %(years)s years."),
            {"years": years}))
    return FactorResult(RiskFactor.HISTORY, min(score, 5), tuple(reasons))


def score_certifications(certificates: tuple[Certificate, ...], on: date) -> FactorResult:
    """4 without a valid certificate, 3 with one, 2 with two, 1 with three or more; an
    expired certificate counts for nothing."""
    valid = sorted(SCHEME_NAMES.get(item.scheme, item.scheme) for item in certificates
                   if item.valid_until >= on)
    expired = sorted(SCHEME_NAMES.get(item.scheme, item.scheme) for item in certificates
                     if item.valid_until < on)
    score = max(1, 4 - len(valid))
    reasons = [Reason(N_("Valid certificates: %(names)s."), {"names": ", ".join(valid)})
               if valid else Reason(N_("No valid certificate."))]
    if expired:
        reasons.append(Reason(N_("Expired, counted for nothing: %(names)s."),
                              {"names": ", ".join(expired)}))
    return FactorResult(RiskFactor.CERTIFICATIONS, score, tuple(reasons))


_TRANSPARENCY_MISSING = {
    "mapping_shared": N_("The supply-chain mapping is not shared."),
    "self_assessment": N_("The self-assessment is not answered."),
    "own_channel": N_("No whistleblowing channel of its own."),
    "published_account": N_("No published due-diligence account."),
}


def score_transparency(answers: Transparency) -> FactorResult:
    """5 minus the number of yes answers (all four yes: 1)."""
    given = asdict(answers)
    yes = sum(1 for value in given.values() if value)
    reasons = [Reason(N_("%(count)s of 4 transparency questions answered yes."),
                      {"count": yes})]
    reasons += [Reason(template) for name, template in _TRANSPARENCY_MISSING.items()
                if not given[name]]
    return FactorResult(RiskFactor.TRANSPARENCY, max(1, 5 - yes), tuple(reasons))


def evaluate(inputs: RiskInputs, settings: RiskSettings) -> RiskResult:
    """The five factor scores, their weighted mean and the level (pure)."""
    factors = (
        score_geography(inputs.country, inputs.geography),
        score_industry(inputs.product_groups, inputs.high_risk_groups),
        score_history(inputs.substantiated_cases, inputs.history_years, inputs.previous_level,
                      inputs.overdue_actions),
        score_certifications(inputs.certificates, inputs.on),
        score_transparency(inputs.transparency),
    )
    weights = {factor: settings.weight(factor) for factor in FACTORS}
    total = round(sum(item.score * weights[item.factor] for item in factors)
                  / sum(weights.values()), 2)
    level = (RiskLevel.HIGH if total >= settings.high_from
             else RiskLevel.MEDIUM if total >= settings.medium_from else RiskLevel.LOW)
    floor = RiskLevel(settings.top_factor_floor)
    lifted = (any(item.score == 5 and weights[item.factor] > 0 for item in factors)
              and LEVELS.index(floor) > LEVELS.index(level))
    return RiskResult(factors, total, floor if lifted else level, lifted)


def industry_of(db: Session, supplier: Supplier,
                settings: Settings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The labels of the supplier's product groups in the register, and of those the
    configuration flags high-risk (config/suppliers.py `ProductGroup.high_risk`). A code no
    longer configured is shown as its code and counts as not high-risk."""
    configured = {item.code: item for item in settings.product_groups}
    codes = db.scalars(select(SupplierProductGroup.group_code)
                       .where(SupplierProductGroup.supplier_id == supplier.id)
                       .order_by(SupplierProductGroup.group_code))
    groups = [(code, configured.get(code)) for code in codes]
    labels = tuple(sorted(item.label if item else code for code, item in groups))
    high = tuple(sorted(item.label for _code, item in groups if item and item.high_risk))
    return labels, high


def certificates_of(db: Session, supplier: Supplier) -> tuple[Certificate, ...]:
    """The register's certificates of the supplier (supplier_dd.register), expired ones
    included so the reasons can name them; `score_certifications` counts only those valid on
    the assessment day (`register.valid_certifications` is the same rule)."""
    return tuple(Certificate(item.scheme, item.expires_on)
                 for item in certifications_of(db, supplier))


def overdue_action_count(db: Session, supplier_id: str, today: date) -> int:
    """Overdue items of the supplier's action plan (supplier_dd.models.actions)."""
    return int(overdue_actions(db, supplier_id, today))


def latest_closed(db: Session, supplier_id: str) -> RiskAssessment | None:
    return db.scalars(select(RiskAssessment).where(
        RiskAssessment.supplier_id == supplier_id,
        RiskAssessment.status == AssessmentStatus.CLOSED)
        .order_by(RiskAssessment.closed_at.desc(), RiskAssessment.id).limit(1)).first()


def gather_inputs(db: Session, supplier: Supplier, settings: Settings, today: date, *,
                  transparency: Transparency,
                  overdue_actions: int | None = None) -> RiskInputs:
    """The inputs for assessing `supplier` on `today`."""
    groups, high_risk = industry_of(db, supplier, settings)
    years = settings.risk.history_years
    since = _add_months(today, -12 * years)
    previous = latest_closed(db, supplier.id)
    return RiskInputs(
        on=today, country=supplier.country, geography=country_value(db, supplier.country),
        product_groups=groups, high_risk_groups=high_risk,
        substantiated_cases=substantiated_case_count(db, supplier.id, since),
        history_years=years, previous_level=previous.level if previous else None,
        overdue_actions=(overdue_action_count(db, supplier.id, today)
                         if overdue_actions is None else overdue_actions),
        certificates=certificates_of(db, supplier), transparency=transparency)


def _add_months(day: date, months: int) -> date:
    return add_months(datetime.combine(day, time(), UTC), months).date()


def _due(settings: Settings, level: RiskLevel, closed_on: date) -> date:
    return _add_months(closed_on, settings.risk.reassess_months(level.value))


def record_assessment(db: Session, supplier: Supplier, inputs: RiskInputs, settings: Settings,
                      *, keys: ServerKeys, actor: Actor, now: datetime | None = None,
                      ) -> RiskAssessment:
    """Compute and keep an assessment (audited). Low and medium results close at once; a high
    result waits for its thorough analysis (`close_assessment`)."""
    moment = now or utcnow()
    if db.scalars(select(RiskAssessment.id).where(
            RiskAssessment.supplier_id == supplier.id,
            RiskAssessment.status == AssessmentStatus.AWAITING_ANALYSIS)).first():
        raise Refusal(N_("An assessment of this supplier is still waiting for its thorough "
                         "analysis; close it first."))
    result = evaluate(inputs, settings.risk)
    assessment = RiskAssessment(
        supplier_id=supplier.id, assessed_by=actor.id, assessed_at=moment, total=result.total,
        level=result.level, status=AssessmentStatus.AWAITING_ANALYSIS, inputs=inputs.to_json())
    db.add(assessment)
    db.flush()
    for item in result.factors:
        db.add(RiskFactorScore(
            assessment_id=assessment.id, factor=item.factor, score=item.score,
            weight=settings.risk.weight(item.factor),
            reasons=json.dumps([[reason.template, reason.params] for reason in item.reasons])))
    record_event(db, keys.audit, action=SupplierAction.RISK_ASSESSED, actor_kind=actor.kind,
                 actor_id=actor.id, target_id=assessment.id)
    if result.level != RiskLevel.HIGH:
        _close(db, assessment, settings, keys, actor, moment)
    return assessment


def analysis_missing(analysis: ThoroughAnalysis | None) -> list[str]:
    """What a thorough analysis still lacks before a high assessment may close (English
    templates)."""
    if analysis is None:
        return [N_("No thorough analysis has been recorded.")]
    missing = [template for text, template in (
        (analysis.questions, N_("The questions are missing.")),
        (analysis.findings, N_("The findings are missing.")),
        (analysis.evidence, N_("The evidence references are missing.")),
        (analysis.conclusion, N_("The conclusion is missing.")),
    ) if not text.strip()]
    if not (analysis.dialogue_on and analysis.dialogue_with and analysis.dialogue_how):
        missing.append(N_("The dialogue with affected workers or their representatives is "
                          "not recorded (Transparency Act §4 e)."))
    return missing


def close_assessment(db: Session, assessment: RiskAssessment, settings: Settings, *,
                     keys: ServerKeys, actor: Actor, now: datetime | None = None) -> None:
    """Close a high assessment once its thorough analysis is complete (audited)."""
    if assessment.status == AssessmentStatus.CLOSED:
        raise Refusal(N_("The assessment is already closed."))
    missing = analysis_missing(db.get(ThoroughAnalysis, assessment.id))
    if assessment.level == RiskLevel.HIGH and missing:
        raise Refusal(N_("A high risk needs a complete thorough analysis before the "
                         "assessment can be closed."))
    _close(db, assessment, settings, keys, actor, now or utcnow())


def _close(db: Session, assessment: RiskAssessment, settings: Settings, keys: ServerKeys,
           actor: Actor, moment: datetime) -> None:
    assessment.status, assessment.closed_at = AssessmentStatus.CLOSED, moment
    assessment.next_due_on = _due(settings, assessment.level, moment.date())
    record_event(db, keys.audit, action=SupplierAction.RISK_ASSESSMENT_CLOSED,
                 actor_kind=actor.kind, actor_id=actor.id, target_id=assessment.id)


def assessments_of(db: Session, supplier_id: str) -> list[RiskAssessment]:
    return list(db.scalars(select(RiskAssessment).where(
        RiskAssessment.supplier_id == supplier_id)
        .order_by(RiskAssessment.assessed_at.desc(), RiskAssessment.id)))


def factor_scores(db: Session, assessment_id: str) -> list[tuple[RiskFactorScore,
                                                                 list[Reason]]]:
    rows = db.scalars(select(RiskFactorScore).where(
        RiskFactorScore.assessment_id == assessment_id))
    order = {factor: index for index, factor in enumerate(FACTORS)}
    return sorted(((row, [Reason(template, params)
                          for template, params in json.loads(row.reasons)]) for row in rows),
                  key=lambda item: order[item[0].factor])


@dataclass(frozen=True)
class DueReassessment:
    supplier_id: str
    name: str
    # None: a large and important supplier never assessed (due since it was registered).
    level: RiskLevel | None
    due_on: date


def _latest_closed_ids() -> Any:
    """Per supplier, the latest closed assessment's closing time (a subquery)."""
    return (select(RiskAssessment.supplier_id, func.max(RiskAssessment.closed_at).label("at"))
            .where(RiskAssessment.status == AssessmentStatus.CLOSED)
            .group_by(RiskAssessment.supplier_id).subquery())


def _latest_closed_rows(db: Session) -> list[tuple[RiskAssessment, str]]:
    latest = _latest_closed_ids()
    return [(row[0], row[1]) for row in db.execute(
        select(RiskAssessment, Supplier.name)
        .join(latest, (latest.c.supplier_id == RiskAssessment.supplier_id)
              & (latest.c.at == RiskAssessment.closed_at))
        .join(Supplier, Supplier.id == RiskAssessment.supplier_id))]


def reassessments_due(db: Session, today: date,
                      settings: Settings | None = None) -> list[DueReassessment]:
    """Suppliers whose latest closed assessment is due again on or before `today`, and large
    and important suppliers (register.large_and_important_condition) never assessed, due
    since they were registered; by due date. A supplier with an assessment waiting for its
    analysis is in hand, not due. Without `settings`, the current app's are used."""
    settings = settings if settings is not None else settings_of()
    waiting = set(db.scalars(select(RiskAssessment.supplier_id).where(
        RiskAssessment.status == AssessmentStatus.AWAITING_ANALYSIS)))
    due = [DueReassessment(row.supplier_id, name, row.level, row.next_due_on)
           for row, name in _latest_closed_rows(db)
           if row.next_due_on is not None and row.next_due_on <= today
           and row.supplier_id not in waiting]
    never = db.execute(select(Supplier.id, Supplier.name, Supplier.created_at).where(
        large_and_important_condition(settings),
        Supplier.id.not_in(select(RiskAssessment.supplier_id))))
    due += [DueReassessment(row.id, row.name, None, row.created_at.date()) for row in never]
    return sorted(due, key=lambda item: (item.due_on, item.name, item.supplier_id))


def reassessments_due_count(db: Session, today: date,
                            settings: Settings | None = None) -> int:
    """`len(reassessments_due(...))`, counted in the database: the dashboard shows only the
    number, and building the list read every due supplier's row (40 of the dashboard's 90 ms
    at 10 000 suppliers, issue 15)."""
    settings = settings if settings is not None else settings_of()
    latest = _latest_closed_ids()
    waiting = select(RiskAssessment.supplier_id).where(
        RiskAssessment.status == AssessmentStatus.AWAITING_ANALYSIS)
    closed_due = db.scalar(
        select(func.count()).select_from(RiskAssessment)
        .join(latest, (latest.c.supplier_id == RiskAssessment.supplier_id)
              & (latest.c.at == RiskAssessment.closed_at))
        .join(Supplier, Supplier.id == RiskAssessment.supplier_id)
        .where(RiskAssessment.next_due_on.is_not(None), RiskAssessment.next_due_on <= today,
               RiskAssessment.supplier_id.not_in(waiting)))
    never = db.scalar(select(func.count()).select_from(Supplier).where(
        large_and_important_condition(settings),
        Supplier.id.not_in(select(RiskAssessment.supplier_id))))
    return int(closed_due or 0) + int(never or 0)


def suppliers_by_level(db: Session) -> dict[str, int]:
    """How many suppliers each level has, by their latest closed assessment (counted in the
    database, over the same rows as `_latest_closed_rows`)."""
    counts = {level.value: 0 for level in RiskLevel}
    latest = _latest_closed_ids()
    for level, count in db.execute(
            select(RiskAssessment.level, func.count())
            .join(latest, (latest.c.supplier_id == RiskAssessment.supplier_id)
                  & (latest.c.at == RiskAssessment.closed_at))
            .join(Supplier, Supplier.id == RiskAssessment.supplier_id)
            .group_by(RiskAssessment.level)):
        counts[RiskLevel(level).value] += int(count)
    return counts


def dashboard_figures(db: Session, today: date,
                      settings: Settings | None = None) -> dict[str, Any]:
    """For the supplier dashboard: reassessments due, suppliers by risk level, open Code of
    Conduct gaps, and assessments waiting for their thorough analysis."""
    return {
        "reassessments_due": reassessments_due_count(db, today, settings),
        "by_level": suppliers_by_level(db),
        "open_gaps": open_gap_count(db),
        "awaiting_analysis": int(db.scalar(select(func.count()).select_from(RiskAssessment)
                                           .where(RiskAssessment.status
                                                  == AssessmentStatus.AWAITING_ANALYSIS))
                                 or 0),
    }


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


def large_suppliers_assessed_by_level(db: Session, settings: Settings,
                                      year: int) -> dict[str, int]:
    """For the annual account (Transparency Act §5, issue 13 §2): the large and important
    suppliers (`register.large_and_important_condition`, as the register stands) with a risk
    assessment closed in `year`, each counted once, by the level of its latest assessment
    closed in the year (latest by closing time, then by id as `latest_closed` orders them).
    A supplier assessed twice counts once; a supplier that is not large and important is not
    counted, though it may be assessed."""
    start, end = _year_bounds(year)
    ranked = (select(RiskAssessment.supplier_id, RiskAssessment.level,
                     func.row_number().over(
                         partition_by=RiskAssessment.supplier_id,
                         order_by=(RiskAssessment.closed_at.desc(), RiskAssessment.id),
                     ).label("rank"))
              .join(Supplier, Supplier.id == RiskAssessment.supplier_id)
              .where(RiskAssessment.status == AssessmentStatus.CLOSED,
                     RiskAssessment.closed_at >= start, RiskAssessment.closed_at < end,
                     large_and_important_condition(settings))
              .subquery())
    counts = {level.value: 0 for level in RiskLevel}
    for level, count in db.execute(
            select(ranked.c.level, func.count()).where(ranked.c.rank == 1)
            .group_by(ranked.c.level)):
        counts[RiskLevel(level).value] = int(count)
    return counts


def thorough_analysis_count(db: Session, year: int) -> int:
    """For the annual account: high assessments closed in `year` after a thorough analysis."""
    start, end = _year_bounds(year)
    return int(db.scalar(
        select(func.count()).select_from(RiskAssessment)
        .join(ThoroughAnalysis, ThoroughAnalysis.assessment_id == RiskAssessment.id)
        .where(RiskAssessment.status == AssessmentStatus.CLOSED,
               RiskAssessment.closed_at >= start, RiskAssessment.closed_at < end)) or 0)

