"""The public information-request form: GET|POST /information-request (design §6).
Works with JavaScript off; CSRF like every form; rate limited like reports: per form session,
not per address (issue 14 §6), and a refused post gets the form back with what was typed."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Flask, flash, redirect, render_template, session, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.db import db_session, discard_changes
from portal.extensions import server_keys_of, settings_of
from portal.hardening import (
    answer_csrf_failures_with_form,
    answer_limits_with_form,
    limit_key,
    not_an_attempt,
)
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
_ENDPOINT = "information.information_request"
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


def _limited() -> tuple[str, int]:
    """The form again, filled in from the post (company, question, name, how to answer and
    the address), when the rate limit refuses it: a requester who is held back keeps what
    they wrote instead of a bare 429 page (issue 13 §1)."""
    form = InformationRequestForm()
    _choices(form)
    # The report form's words (the same msgid): nothing was sent, what was typed is kept.
    flash(_("Too many attempts in a short time, so this has not been sent yet. Wait a "
            "few minutes, then send again: what you wrote is still below."), "error")
    return _page(form, 429)


def _expired() -> tuple[str, int]:
    """The form again, filled in from the post, when its CSRF check fails (the form older
    than the token's lifetime, or the session cookie lost): nothing is filed (issue 14 §2)."""
    form = InformationRequestForm()
    _choices(form)
    # The report form's words (the same msgid).
    flash(_("This form had expired; check your text and send it again."), "error")
    return _page(form, 400)


def _form_session() -> str | None:
    """Limited per browser session (the CSRF token of its form, hashed by portal.hardening),
    as /report is, never per address: behind an onion service every requester has the same
    address, so one flooder would lock out every other requester (issue 14 §6). A client
    that drops its cookies gets a new bucket; the global slowdown holds a flood back."""
    token = session.get("csrf_token")
    return f"form:{token}" if token else None


@bp.record_once
def _limits(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    limit_key(app, _ENDPOINT, _form_session)
    answer_limits_with_form(app, _ENDPOINT, _limited)
    answer_csrf_failures_with_form(app, _ENDPOINT, _expired)
