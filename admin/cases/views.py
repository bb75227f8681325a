"""Reading cases: the list (metadata only), the case page and attachment downloads.

Handlers see the cases they hold a key for; a manager sees only what was escalated to them
(the summary and the decision form), never the report; admin, auditor and compliance roles
get no case route at all (style §14).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_babel import format_date, to_user_timezone
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from admin.cases.attention import attention_context
from admin.cases.blueprint import opened_case_or_404
from admin.cases.forms import EvidenceCopyForm, FilterForm
from admin.cases.labels import all_labels
from admin.cases.page import handler_page, manager_page
from crypto import InvalidCiphertext
from portal.access import StaffContext, require_staff, roles_required
from portal.audit import record_event
from portal.cases.attachments import attachment_meta
from portal.cases.case_views import record_case_view
from portal.cases.concerned_person import overdue_case_ids
from portal.cases.escalations import escalations_for_manager, pending_for_manager
from portal.cases.handling import HandlerCase, open_for_handler
from portal.cases.keys import holds_case
from portal.cases.listing import CaseFilters, PageCursor, list_cases
from portal.cases.sealing import open_attachment, sealed_size
from portal.cases.tombstones import removed_on
from portal.cases.work_environment import open_check_case_ids, open_checks_for
from portal.db import db_session, utcnow
from portal.downloads import attachment_download
from portal.extensions import server_keys_of, settings_of
from portal.filenames import safe_filename
from portal.models import Attachment, OrgUnit, Role
from portal.states import ActorKind, AttachmentVariant, AuditAction, CaseStatus, Channel
from portal.stats import case_figures
from portal.storage import file_store


def _choice(value: str | None, allowed: set[str]) -> str | None:
    return value if value in allowed else None


_PAGE_ARGUMENTS = ("page", "after", "before")


def _dates_formatted_once() -> Callable[[datetime | None], str]:
    """The list's date formatter: each distinct day is formatted once per page, not three
    times per row (date formatting was 41-49 % of the list, issue 15 §5)."""
    formatted: dict[date, str] = {}

    def date_of(moment: datetime | None) -> str:
        if moment is None:
            return ""
        day = to_user_timezone(moment).date()
        if day not in formatted:
            formatted[day] = format_date(day)
        return formatted[day]

    return date_of


@roles_required(Role.HANDLER, Role.MANAGER)
def case_list() -> str:
    """The user's cases, most urgent first, 50 per page; and escalations awaiting them."""
    staff = require_staff()
    db = db_session()
    settings = settings_of()
    labels = all_labels(settings)
    units = db.execute(select(OrgUnit.id, OrgUnit.name).order_by(OrgUnit.name)).all()
    form = FilterForm(formdata=request.args)
    every = [("", _("All"))]
    form.unit.choices = every + [(unit_id, name) for unit_id, name in units]
    form.status.choices = every + [(code, labels["status"][code]) for code in CaseStatus]
    form.category.choices = every + list(labels["category"].items())
    form.channel.choices = every + [(code, labels["channel"][code]) for code in Channel]
    filters = CaseFilters(
        unit_id=_choice(form.unit.data, {unit_id for unit_id, _name in units}),
        status=_choice(form.status.data, set(CaseStatus)),
        category=_choice(form.category.data, set(labels["category"])),
        channel=_choice(form.channel.data, set(Channel)),
        overdue=bool(form.overdue.data),
        query=(form.q.data or "")[:60],
        assigned_to=staff.user.id if form.mine.data else None,
        unread_by=staff.user.id if form.unread.data else None,
    )
    now = utcnow()
    page = list_cases(db, staff.user.id, filters, now=now,
                      page=request.args.get("page", default=1, type=int) or 1,
                      after=PageCursor.parse(request.args.get("after")),
                      before=PageCursor.parse(request.args.get("before")))
    query: dict[str, Any] = {key: value for key, value in request.args.items()
                             if key not in _PAGE_ARGUMENTS and value}

    def page_url(number: int, **cursor: PageCursor | None) -> str:
        """A page's link: its number, and the cursor next to it when there is one (a keyset
        page: as cheap deep in the list as on page 1, issue 15 §5)."""
        values: dict[str, Any] = {**query, "page": number}
        values.update((name, str(value)) for name, value in cursor.items() if value is not None)
        return url_for("cases.case_list", **values)

    escalations = (pending_for_manager(db, staff.user.id)
                   if staff.user.has_role(Role.MANAGER) else [])
    # The year's clock figures as the annual account counts and protects them (the one
    # small-count rule, portal.small_counts, with the account's k), so "closed without
    # acknowledgement/feedback" is seen all year (issue 11 §1); no statistics page exists yet.
    figures = (case_figures(db, now.year, now=now, k=settings.annual_small_count)
               if staff.user.has_role(Role.HANDLER) else None)
    # The working-environment task of AML §2A-3(2), counted and marked like a clock.
    open_tasks = open_check_case_ids(db, [row.id for row in page.rows])
    return render_template("admin/cases/list.html", form=form, page=page, labels=labels,
                           page_url=page_url, date_of=_dates_formatted_once(),
                           escalations=escalations, figures=figures,
                           # A manager's start page (issue 14 §8): the section is always there.
                           is_manager=staff.user.has_role(Role.MANAGER),
                           can_register=staff.user.has_role(Role.HANDLER),
                           # The Art. 14 task overdue (issue 11 §4): a badge on the row.
                           concerned_person_overdue=overdue_case_ids(
                               db, [row.id for row in page.rows], now),
                           open_tasks=open_tasks,
                           open_task_count=open_checks_for(db, staff.user.id),
                           **attention_context(db, staff.user.id, page.rows))


@roles_required(Role.HANDLER, Role.MANAGER)
def case_page(case_id: str) -> str | tuple[str, int]:
    """The whole case for its handlers; the escalation alone for the manager it went to."""
    staff = require_staff()
    db = db_session()
    if staff.user.has_role(Role.HANDLER):
        opened = open_for_handler(db, case_id, staff.user, staff.private_key)
        if opened is not None:
            # Seen up to here, and who read the report (issue 14 §8, §11).
            record_case_view(db, server_keys_of().audit, case_id=opened.case.id,
                             user_id=staff.user.id, now=utcnow())
            return handler_page(staff, opened)
        if holds_case(db, case_id, staff.user.id):
            # Wrapped to a key pair the user no longer has (an admin reset the password).
            return render_template("admin/cases/key_unavailable.html"), 403
    if staff.user.has_role(Role.MANAGER):
        escalations = escalations_for_manager(db, case_id, staff.user, staff.private_key)
        if escalations:
            record_case_view(db, server_keys_of().audit, case_id=case_id,
                             user_id=staff.user.id, now=utcnow())
            return manager_page(staff, case_id, escalations)
    # No case, or not this user's: the same answer, so a URL reveals nothing.
    raise NotFound()


def _damaged() -> Response:
    return make_response(render_template("admin/cases/damaged.html"), 409)


# The name an evidence copy is saved under, so it is never mistaken for the cleaned copy
# (issue 14 §10).
EVIDENCE_PREFIX = "ORIGINAL-WITH-METADATA-"


def _attachment_of(case_id: str, attachment_id: str) -> tuple[StaffContext, HandlerCase,
                                                                Attachment]:
    staff, opened = opened_case_or_404(case_id)
    item = db_session().scalar(select(Attachment).where(Attachment.id == attachment_id,
                                                        Attachment.case_id == opened.case.id))
    if item is None:
        abort(404)
    return staff, opened, item


def _download(staff: StaffContext, opened: HandlerCase, item: Attachment, *,
              action: AuditAction, prefix: str = "") -> Response:
    """The file streamed from the decryptor: its start is verified before the response
    begins (damage there is the 409 page), damage further on cuts the transfer short
    (portal.cases.sealing)."""
    db = db_session()
    key = opened.keys.key(item.key_kind, item.key_generation)
    if key is None:
        return _damaged()
    # Recorded before the file is opened, so nothing can fail between opening and answering
    # (an open file would be left to the garbage collector); the 409 of a damaged file rolls
    # the event back with the rest of the request.
    record_event(db, server_keys_of().audit, action=action,
                 actor_kind=ActorKind.USER, actor_id=staff.user.id, case_id=opened.case.id,
                 target_id=item.id)
    try:
        meta: dict[str, Any] = attachment_meta(key, item)
        if removed_on(meta) is not None:
            abort(404)  # removed as irrelevant: its bytes are gone (issue 11 §8)
        content = open_attachment(file_store(), key, item, size=sealed_size(meta, item),
                                  meta=meta)
    except (InvalidCiphertext, FileNotFoundError):
        return _damaged()
    # Cleaned again: a name stored before names were cleaned must not make a 500 of it.
    name = safe_filename(str(meta.get("name") or ""), fallback="attachment")
    return attachment_download(content, safe_filename(prefix + name, fallback=prefix + "file"))


@roles_required(Role.HANDLER)
def attachment(case_id: str, attachment_id: str) -> Response:
    """A file of the case, always as a download (never rendered by the browser). The
    original with its metadata is reached only through the evidence-copy step."""
    staff, opened, item = _attachment_of(case_id, attachment_id)
    if item.variant == AttachmentVariant.ORIGINAL:
        return redirect(url_for("cases.evidence_copy", case_id=case_id,
                                attachment_id=attachment_id), 303)
    return _download(staff, opened, item, action=AuditAction.CASE_ATTACHMENT_DOWNLOADED)


@roles_required(Role.HANDLER)
def evidence_copy(case_id: str, attachment_id: str) -> Response | str:
    """The original of a file as received, with its metadata (kept only where the reporter
    chose to keep it): a warning page (GET), then the download (POST, with the CSRF token),
    under a name that says what it is, recorded in the audit log as its own action."""
    staff, opened, item = _attachment_of(case_id, attachment_id)
    if item.variant != AttachmentVariant.ORIGINAL:
        abort(404)
    if request.method == "POST":
        if not EvidenceCopyForm().validate_on_submit():
            abort(400)
        return _download(staff, opened, item, action=AuditAction.CASE_EVIDENCE_COPY_DOWNLOADED,
                         prefix=EVIDENCE_PREFIX)
    return render_template("admin/cases/evidence_copy.html", case=opened.case,
                           attachment_id=item.id, form=EvidenceCopyForm(),
                           prefix=EVIDENCE_PREFIX)
