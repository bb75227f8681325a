"""Small pieces the supplier module's compliance pages share: the acting user, a supplier or
404, dates from form fields, and refusals answered on the page."""

from __future__ import annotations

from datetime import date

from flask import abort
from flask_babel import gettext as _

from portal.access import require_staff
from portal.audit import Actor
from portal.db import db_session, discard_changes
from portal.refusals import Refusal
from portal.states import ActorKind
from supplier_dd.models import Supplier


class FormProblem(ValueError):
    """A field the page could not read; the message is already translated."""


def actor() -> Actor:
    return Actor(ActorKind.USER, require_staff().user.id)


def supplier_or_404(supplier_id: str) -> Supplier:
    supplier = db_session().get(Supplier, supplier_id)
    if supplier is None:
        abort(404)
    return supplier


def form_date(value: str | None, label: str, *, required: bool = True) -> date | None:
    """A YYYY-MM-DD field (an `<input type="date">` sends that), else a `FormProblem`."""
    text = (value or "").strip()
    if not text:
        if required:
            raise FormProblem(_("Enter %(field)s as a date (YYYY-MM-DD).", field=label))
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FormProblem(_("Enter %(field)s as a date (YYYY-MM-DD).", field=label)) from None


def refused(error: Refusal | FormProblem) -> str:
    """The message for the page; whatever the service changed before refusing is dropped."""
    discard_changes()
    return error.translated() if isinstance(error, Refusal) else str(error)
