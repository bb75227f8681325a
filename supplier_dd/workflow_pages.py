"""What the workflow's views share: the supplier or a 404, and answering a refusal."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.db import db_session, discard_changes, utcnow
from portal.refusals import Refusal
from supplier_dd.models import Supplier


def supplier_or_404(supplier_id: str) -> Supplier:
    supplier = db_session().get(Supplier, supplier_id)
    if supplier is None:
        abort(404)
    return supplier


def today() -> date:
    return utcnow().date()


def see_other(url: str) -> Response:
    return redirect(url, code=303)


def refused(error: Refusal, url: str) -> Response:
    """Say why; nothing the service may have changed is kept."""
    discard_changes()
    flash(error.translated(), "error")
    return see_other(url)


def invalid(url: str) -> Response:
    discard_changes()
    flash(_("The form was not filled in correctly. Nothing was changed."), "error")
    return see_other(url)
