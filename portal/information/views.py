"""The public information-request form: GET|POST /information-request (design §6).
Works with JavaScript off; rate limited like reports; CSRF like every form."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.db import db_session, discard_changes
from portal.extensions import server_keys_of, settings_of
from portal.hardening import not_an_attempt
from portal.information.forms import GROUP, InformationRequestForm, contact_choices
from portal.information.service import (
    ANSWER_WEEKS,
    EXTENDED_MONTHS,
    ChannelNotReady,
    file_request,
)
from portal.models import OrgUnit
from portal.refusals import Refusal

bp = Blueprint("information", __name__)
# The reference of the request just filed, kept for the redirect that follows (PRG).
_FILED = "information_request_filed"


def _choices(form: InformationRequestForm) -> None:
    units = db_session().execute(
        select(OrgUnit.id, OrgUnit.name).where(OrgUnit.is_group.is_(False))
        .order_by(OrgUnit.name)).all()
    form.unit.choices = [("", _("Choose…"))] + [(row.id, row.name) for row in units] + [
        (GROUP, _("The group as a whole"))]
    form.contact_kind.choices = contact_choices()


def _page(form: InformationRequestForm, status: int = 200) -> tuple[str, int]:
    settings = settings_of()
    return render_template("information/request.html", form=form,
                           organisation=settings.organisation_name, weeks=ANSWER_WEEKS,
                           months=EXTENDED_MONTHS,
                           keep_days=settings.information_request_retention_days), status


@bp.route("/information-request", methods=["GET", "POST"])
def information_request() -> Response | tuple[str, int]:
    form = InformationRequestForm()
    _choices(form)
    if not form.validate_on_submit():
        if form.is_submitted():
            not_an_attempt()
            return _page(form, 422)
        return _page(form)
    try:
        filed = file_request(
            db_session(), server_keys_of(), settings_of(),
            unit_id=None if form.unit.data == GROUP else form.unit.data,
            name=form.name.data or "", contact_kind=form.contact_kind.data or "",
            contact=form.contact.data or "", question=form.question.data or "",
            language=str(get_locale()))
    except Refusal as refusal:
        discard_changes()
        form.contact.errors = [refusal.translated()]
        return _page(form, 422)
    except ChannelNotReady:
        discard_changes()
        flash(_("Information requests cannot be received here right now. Nothing was stored. "
                "Please write to the company instead."), "error")
        return _page(form, 503)
    session[_FILED] = filed.reference
    return redirect(url_for("information.filed"), code=303)


@bp.get("/information-request/sent")
def filed() -> Response | str:
    reference = session.get(_FILED)
    if not reference:
        return redirect(url_for("information.information_request"), code=303)
    return render_template("information/sent.html", reference=reference, weeks=ANSWER_WEEKS,
                           months=EXTENDED_MONTHS)
