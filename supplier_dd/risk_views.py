"""Risk pages (issue 12 §3-4), compliance only, on the `suppliers` blueprint: a supplier's
assessments with every factor's score and reasons, a new assessment, closing one, its
thorough analysis, and the country table with overrides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from portal.access import roles_required
from portal.db import db_session, discard_changes, utcnow
from portal.extensions import server_keys_of, settings_of
from portal.refusals import Refusal
from portal.states import Role
from supplier_dd.analysis import AnalysisEntry, analysis_of, record_analysis
from supplier_dd.countries import (
    MAX_IMPORT_BYTES,
    country_table,
    country_value,
    import_ratings,
    remove_override,
    set_override,
)
from supplier_dd.countries_cli import parse_file, read_upload_text
from supplier_dd.models.risk import (
    AssessmentStatus,
    CountryIndex,
    DialogueCounterpart,
    DialogueMethod,
    RiskAssessment,
    RiskFactor,
    RiskLevel,
)
from supplier_dd.page_support import FormProblem, actor, form_date, refused, supplier_or_404
from supplier_dd.register import certifications_of, is_large_and_important
from supplier_dd.risk import (
    Reason,
    Transparency,
    analysis_missing,
    assessments_of,
    close_assessment,
    factor_scores,
    gather_inputs,
    record_assessment,
)
from supplier_dd.views import bp

FACTOR_LABELS = {
    RiskFactor.GEOGRAPHY: _l("Geography (country)"),
    RiskFactor.INDUSTRY: _l("Industry (sector)"),
    RiskFactor.HISTORY: _l("History (cases, earlier results, actions)"),
    RiskFactor.CERTIFICATIONS: _l("Valid certifications"),
    RiskFactor.TRANSPARENCY: _l("Transparency of the supplier"),
}
LEVEL_LABELS = {RiskLevel.LOW: _l("low"), RiskLevel.MEDIUM: _l("medium"),
                RiskLevel.HIGH: _l("high")}
STATUS_LABELS = {AssessmentStatus.AWAITING_ANALYSIS: _l("waiting for the thorough analysis"),
                 AssessmentStatus.CLOSED: _l("assessment closed")}
TRANSPARENCY_LABELS = {
    "mapping_shared": _l("Supply-chain mapping shared"),
    "self_assessment": _l("Self-assessment answered"),
    "own_channel": _l("Has its own whistleblowing channel"),
    "published_account": _l("Publishes a due-diligence account"),
}
COUNTERPART_LABELS = {
    DialogueCounterpart.WORKERS: _l("Affected workers"),
    DialogueCounterpart.REPRESENTATIVES: _l("Workers' elected representatives"),
    DialogueCounterpart.TRADE_UNION: _l("A trade union"),
    DialogueCounterpart.LOCAL_ORGANISATION: _l("A local organisation speaking for workers"),
}
METHOD_LABELS = {
    DialogueMethod.ON_SITE: _l("Interviews on site"),
    DialogueMethod.REMOTE: _l("Interviews at a distance"),
    DialogueMethod.SURVEY: _l("An anonymous survey"),
    DialogueMethod.THIRD_PARTY: _l("Through an independent third party"),
}


def words(reason: Reason) -> str:
    """A stored reason in the request's language; a list parameter (product-group labels)
    is translated item by item and joined."""
    params = {name: ", ".join(_(str(item)) for item in value) if isinstance(value, list)
              else value for name, value in reason.params.items()}
    return str(_(reason.template, **params))


@dataclass(frozen=True)
class FactorLine:
    label: str
    score: int
    weight: float
    reasons: list[str]


def _lines(assessment: RiskAssessment) -> list[FactorLine]:
    return [FactorLine(str(FACTOR_LABELS[row.factor]), row.score, row.weight,
                       [words(reason) for reason in reasons])
            for row, reasons in factor_scores(db_session(), assessment.id)]


@bp.route("/suppliers/<supplier_id>/risk", methods=["GET", "POST"])
@roles_required(Role.COMPLIANCE)
def risk(supplier_id: str) -> str | Response:
    """The supplier's assessments, newest first, with every factor's reasons; a new one."""
    supplier = supplier_or_404(supplier_id)
    db, settings = db_session(), settings_of()
    error = None
    if request.method == "POST":
        try:
            transparency = Transparency(**{name: bool(request.form.get(name))
                                           for name in TRANSPARENCY_LABELS})
            inputs = gather_inputs(db, supplier, settings, utcnow().date(),
                                   transparency=transparency)
            assessment = record_assessment(db, supplier, inputs, settings,
                                           keys=server_keys_of(), actor=actor())
        except (Refusal, FormProblem) as problem:
            error = refused(problem)
        else:
            flash(_("The assessment is recorded: %(level)s risk.",
                    level=LEVEL_LABELS[assessment.level]), "success")
            return redirect(url_for("suppliers.risk", supplier_id=supplier.id), code=303)
    assessments = assessments_of(db, supplier.id)
    return render_template(
        "supplier_dd/risk.html", supplier=supplier, assessments=assessments,
        lines={item.id: _lines(item) for item in assessments[:5]},
        country=country_value(db, supplier.country),
        certificates=certifications_of(db, supplier), today=utcnow().date(),
        large=is_large_and_important(supplier, settings),
        transparency_labels=TRANSPARENCY_LABELS, level_labels=LEVEL_LABELS,
        status_labels=STATUS_LABELS, error=error, posted=request.form if error else None)


@bp.post("/suppliers/<supplier_id>/risk/<assessment_id>/close")
@roles_required(Role.COMPLIANCE)
def close_risk_assessment(supplier_id: str, assessment_id: str) -> Response:
    """Close an assessment (a high one only after its complete thorough analysis)."""
    supplier = supplier_or_404(supplier_id)
    assessment = db_session().get(RiskAssessment, assessment_id)
    if assessment is None or assessment.supplier_id != supplier.id:
        flash(_("That assessment does not exist."), "error")
    else:
        try:
            close_assessment(db_session(), assessment, settings_of(), keys=server_keys_of(),
                             actor=actor())
        except Refusal as problem:
            flash(refused(problem), "error")
        else:
            flash(_("The assessment is closed."), "success")
    return redirect(url_for("suppliers.risk", supplier_id=supplier.id), code=303)


def _analysed(supplier_id: str) -> RiskAssessment | None:
    """The assessment waiting for its analysis, else the latest high one."""
    for assessment in assessments_of(db_session(), supplier_id):
        if assessment.status == AssessmentStatus.AWAITING_ANALYSIS:
            return assessment
    return next((item for item in assessments_of(db_session(), supplier_id)
                 if item.level == RiskLevel.HIGH), None)


def _entry() -> AnalysisEntry:
    form = request.form
    counterpart, method = form.get("dialogue_with", ""), form.get("dialogue_how", "")
    if counterpart and counterpart not in {item.value for item in DialogueCounterpart}:
        raise FormProblem(_("Choose with whom the dialogue was held."))
    if method and method not in {item.value for item in DialogueMethod}:
        raise FormProblem(_("Choose how the dialogue was held."))
    return AnalysisEntry(
        questions=form.get("questions", ""), findings=form.get("findings", ""),
        evidence=form.get("evidence", ""), conclusion=form.get("conclusion", ""),
        dialogue_on=form_date(form.get("dialogue_on"), _("the date of the dialogue"),
                              required=False),
        dialogue_with=DialogueCounterpart(counterpart) if counterpart else None,
        dialogue_how=DialogueMethod(method) if method else None)


@bp.route("/suppliers/<supplier_id>/analysis", methods=["GET", "POST"])
@roles_required(Role.COMPLIANCE)
def risk_analysis(supplier_id: str) -> str | Response:
    """The thorough analysis of the supplier's high assessment. Compliance only: it is
    business due-diligence content, not for administrators, handlers or auditors."""
    supplier = supplier_or_404(supplier_id)
    assessment = _analysed(supplier.id)
    error = None
    if request.method == "POST":
        if assessment is None:
            abort(404)
        try:
            record_analysis(db_session(), assessment, _entry(), keys=server_keys_of(),
                            actor=actor())
        except (Refusal, FormProblem) as problem:
            error = refused(problem)
        else:
            flash(_("The analysis is saved."), "success")
            return redirect(url_for("suppliers.risk_analysis", supplier_id=supplier.id),
                            code=303)
    analysis = analysis_of(db_session(), assessment.id) if assessment else None
    missing = ([str(_(text)) for text in analysis_missing(analysis)]
               if assessment is not None else [])
    return render_template(
        "supplier_dd/analysis.html", supplier=supplier, assessment=assessment,
        analysis=analysis, missing=missing, counterparts=COUNTERPART_LABELS,
        methods=METHOD_LABELS, level_labels=LEVEL_LABELS, error=error,
        posted=request.form if error else None, today=date.today())


@bp.route("/suppliers/countries", methods=["GET", "POST"])
@roles_required(Role.COMPLIANCE)
def countries() -> str | Response:
    """The country table behind the geography factor, and overrides with a reason."""
    error = None
    if request.method == "POST":
        score = request.form.get("score", "")
        try:
            if score not in ("1", "2", "3", "4", "5"):
                raise FormProblem(_("Choose a score from 1 to 5."))
            set_override(db_session(), request.form.get("country", ""), int(score),
                         request.form.get("reason", ""), server_keys_of(), actor())
        except (Refusal, FormProblem) as problem:
            error = refused(problem)
        else:
            flash(_("The override is saved."), "success")
            return redirect(url_for("suppliers.countries"), code=303)
    return render_template("supplier_dd/countries.html", table=country_table(db_session()),
                           error=error, posted=request.form if error else None,
                           layouts=COUNTRY_LAYOUTS)


COUNTRY_LAYOUTS = {
    CountryIndex.WGI: _l("World Bank Worldwide Governance Indicators (CSV)"),
    CountryIndex.ITUC: _l("ITUC Global Rights Index: country,rating (CSV)"),
    CountryIndex.SIMPLE: _l("Simple table: country,score (CSV)"),
}


@bp.post("/suppliers/countries/import")
@roles_required(Role.COMPLIANCE)
def import_country_table() -> str | Response:
    """Upload a publisher's file into the country table: every row or none, with the bad rows
    listed. The same limits as the supplier list: one named file field (`country_table`,
    admin/__init__.py), at most `supplier_import_max_bytes`, read as text and parsed, never
    stored."""
    db, settings = db_session(), settings_of()
    form = request.form
    error, row_errors, skipped = None, [], []
    try:
        kind = next((item for item in COUNTRY_LAYOUTS if item.value == form.get("layout")),
                    None)
        if kind is None:
            raise FormProblem(_("Choose the layout of the file."))
        year_text = form.get("year", "").strip()
        if year_text and not (year_text.isdigit() and 1990 <= int(year_text) <= 2100):
            raise FormProblem(_("Enter the index year as a year (for example 2025)."))
        upload = request.files.get("country_table")
        if upload is None or not upload.filename:
            raise FormProblem(_("Choose a file to import."))
        limit = min(settings.supplier_import_max_bytes, MAX_IMPORT_BYTES)
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            raise FormProblem(_("The file is larger than %(max)s bytes.", max=limit))
        parsed = parse_file(read_upload_text(data), kind,
                            year=int(year_text) if year_text else None,
                            source=form.get("source", "").strip()[:200] or None,
                            licence=form.get("licence", "").strip()[:200] or None)
        row_errors = [(item.line, str(_(item.template, **item.params)))
                      for item in parsed.errors]
        skipped = parsed.skipped
        count = import_ratings(db, parsed, kind, server_keys_of(), actor())
    except (Refusal, FormProblem) as problem:
        discard_changes()
        error = refused(problem)
    else:
        flash(_("Imported %(count)s country ratings.", count=count), "success")
        return redirect(url_for("suppliers.countries"), code=303)
    return render_template("supplier_dd/countries.html", table=country_table(db),
                           error=error, import_errors=row_errors, skipped=skipped,
                           layouts=COUNTRY_LAYOUTS, posted=None, import_posted=form)


@bp.post("/suppliers/countries/<country>/override/remove")
@roles_required(Role.COMPLIANCE)
def remove_country_override(country: str) -> Response:
    """Back to the table's value for the country."""
    try:
        remove_override(db_session(), country.upper()[:2], server_keys_of(), actor())
    except Refusal as problem:
        flash(refused(problem), "error")
    else:
        flash(_("The override is removed."), "success")
    return redirect(url_for("suppliers.countries"), code=303)


