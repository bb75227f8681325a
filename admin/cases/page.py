"""Rendering the case page for its two audiences.

The handler page decrypts the case with the handler's keys; the manager page never touches
the case keys at all, only the escalations' own key (see portal.cases.escalations).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from flask import after_this_request, flash, render_template
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select

from admin.cases.assignee import assignee_context
from admin.cases.concerned_person import concerned_person_context
from admin.cases.forms import (
    ActionForm,
    ApprovalDecisionForm,
    DecisionForm,
    EscalateForm,
    GrantForm,
    LegalHoldForm,
    LinkForm,
    MeetingMinutesForm,
    NoteForm,
    OutcomeForm,
    ReplyForm,
    StatusForm,
    SupplierForm,
    UserChoiceForm,
    WorkEnvironmentForm,
)
from admin.cases.labels import all_labels
from admin.cases.overview import language_name, next_step, removed_labels
from admin.cases.relevance.forms import DisclosureForm
from admin.cases.relevance.views import relevance_context
from admin.cases.standard_replies import StandardReplyDraft, standard_reply_choices
from admin.cases.workplace import workplace_context
from admin.privacy.forms import ConcernedPersonForm
from portal.access import StaffContext
from portal.approvals import may_decide, pending
from portal.audit import Actor
from portal.cases.access_grants import case_holder_ids, grantable_handlers
from portal.cases.clocks import clocks_of, meeting_pending
from portal.cases.escalations import OpenedEscalation, escalations_for_handler, managers
from portal.cases.handling import HandlerCase, allowed_statuses, answer_fields
from portal.cases.legal_holds import hold_of
from portal.cases.reading import open_case_view
from portal.db import db_session, utcnow
from portal.extensions import server_keys_of, settings_of
from portal.models import Case, CaseExclusion, OrgUnit, User
from portal.staff_drafts import clear_draft_cookie, take_draft
from portal.states import (
    CLOSING_REASON_LABELS,
    LEGAL_HOLD_REASON_LABELS,
    ActorKind,
    ApprovalKind,
)
from supplier_dd.register import supplier_names
from supplier_dd.reviews import review_state


def _names(user_ids: set[str]) -> dict[str, str]:
    if not user_ids:
        return {}
    rows = db_session().execute(select(User.id, User.name).where(User.id.in_(user_ids)))
    return {user_id: name for user_id, name in rows}


def _unit_name(case: Case) -> str | None:
    if case.unit_id is None:
        return None
    unit = db_session().get(OrgUnit, case.unit_id)
    return unit.name if unit else None


def _breach_value(case: Case) -> str:
    if case.human_rights_breach is None:
        return "unknown"
    return "yes" if case.human_rights_breach else "no"


def _references(case_ids: list[str]) -> dict[str, str]:
    """The references of linked cases, so a link names the case as handlers know it."""
    if not case_ids:
        return {}
    rows = db_session().execute(select(Case.id, Case.reference).where(Case.id.in_(case_ids)))
    return {case_id: reference for case_id, reference in rows if reference}


def _supplier_form(case: Case) -> SupplierForm:
    """The picker over the register (names only, issue 12 §7); an unmatched free reference
    is not offered, so saving the form as it stands never keeps it."""
    form = SupplierForm(formdata=None, data={"supplier_id": case.supplier_id or ""})
    form.supplier_id.choices = [("", _("No supplier"))] + supplier_names(db_session())
    return form


@dataclass(frozen=True)
class SupplierLink:
    """What the case's handlers see of the linked supplier: its name, or the old free
    reference that matches no supplier, and only whether a contract review of it is open or
    decided (issue 12 §6: never its content)."""

    name: str | None
    unmatched_reference: str | None
    review: str | None


def supplier_link(case: Case) -> SupplierLink | None:
    if case.supplier_id is None:
        return None
    db = db_session()
    name = dict(supplier_names(db)).get(case.supplier_id)
    if name is None:
        return SupplierLink(name=None, unmatched_reference=case.supplier_id, review=None)
    return SupplierLink(name=name, unmatched_reference=None,
                        review=review_state(db, case.supplier_id))


def _note_form() -> NoteForm:
    """The note's text box shares its field name `body` with the reply's (design §6), so it
    gets an id of its own: one label, one field, and an error that points at the right box."""
    form = NoteForm(formdata=None)
    form.body.id = form.body.label.field_id = "note-body"
    return form


# A form that failed validation goes back into the page in place of the empty one, in the
# group that holds it (opened), with what was typed and its errors (issue 14 §9).
FAILED_FORM_PLACES: dict[type[FlaskForm], tuple[str, str]] = {
    ReplyForm: ("reply_form", "reply"), NoteForm: ("note_form", "note"),
    MeetingMinutesForm: ("meeting_form", "reply"), StatusForm: ("status_form", "handling"),
    OutcomeForm: ("outcome_form", "handling"), SupplierForm: ("supplier_form", "handling"),
    LegalHoldForm: ("hold_form", "handling"), EscalateForm: ("escalate_form", "escalation"),
    GrantForm: ("grant_form", "access"), LinkForm: ("link_form", "duties"),
    WorkEnvironmentForm: ("work_check_form", "duties"),
    ConcernedPersonForm: ("concerned_person_form", "duties"),
    DisclosureForm: ("disclosure_form", "identity"),
}


def _put_back(forms: dict[str, object], failed: FlaskForm) -> str | None:
    """Replace the page's empty form by `failed` (keeping the page form's labelled choices
    and ids); the group to open, or None when `failed` has no place on the page."""
    place = FAILED_FORM_PLACES.get(type(failed))
    if place is None:
        return None
    key, group = place
    empty = forms[key]
    for item in failed:
        shown = getattr(empty, item.short_name, None)
        if shown is None:
            continue
        if hasattr(shown, "choices"):
            item.choices = shown.choices
        item.id = shown.id
        item.label.field_id = shown.label.field_id
    forms[key] = failed
    return group


def _forms(staff: StaffContext, opened: HandlerCase,
           labels: dict[str, dict[str, str]]) -> dict[str, object]:
    db = db_session()
    keys = server_keys_of()
    case = opened.case
    # formdata=None: the page is also rendered in answer to a POST whose form failed
    # validation, and no other form may pick up what was posted for that one.
    reply = ReplyForm(formdata=None)
    # Nothing pre-selected: the handler says each time whether a reply is the feedback.
    status = StatusForm(formdata=None)
    # No pre-selected move: closing a case by pressing the button unread must not happen.
    status.status.choices = [("", _("Choose…"))] + [
        (code, labels["status"][code]) for code in allowed_statuses(case)
    ]
    outcome = OutcomeForm(formdata=None, data={"outcome": case.outcome or "",
                                               "human_rights_breach": _breach_value(case)})
    outcome.outcome.choices = [("", _("Not decided"))] + list(labels["outcome"].items())
    grant = GrantForm(formdata=None, prefix="grant")
    # Handlers beyond the company and the group level are marked: sharing needs a reason.
    grant.user_id.choices = [
        (user.id, _("%(name)s (outside this company: a reason is needed)", name=user.name)
         if beyond else user.name)
        for user, beyond in grantable_handlers(db, keys, opened, staff.user)]
    holders = case_holder_ids(db, case.id)
    requests = (pending(db, ApprovalKind.CASE_EXCLUSION, case_id=case.id)
                + pending(db, ApprovalKind.CASE_REINSTATEMENT, case_id=case.id))
    left_out = list(db.scalars(select(CaseExclusion.user_id)
                               .where(CaseExclusion.case_id == case.id)))
    names = _names(set(holders) | set(left_out) | {item.subject_id for item in requests}
                   | {item.requested_by for item in requests})
    exclude = UserChoiceForm(formdata=None, prefix="exclude")
    # No one pre-selected, and not oneself (issue 14 §9): leaving someone out is for good.
    exclude.user_id.choices = [("", _("Choose…"))] + [
        (user_id, names.get(user_id, "?")) for user_id in holders if user_id != staff.user.id]
    reinstate = UserChoiceForm(formdata=None, prefix="reinstate")
    reinstate.user_id.choices = [(user_id, names.get(user_id, "?")) for user_id in left_out]
    me = Actor(ActorKind.USER, staff.user.id)
    escalate = EscalateForm(formdata=None)
    escalate.manager_id.choices = [(user.id, user.name) for user in managers(db, keys)
                                   if user.id != staff.user.id]
    return {
        "reply_form": reply, "note_form": _note_form(), "action_form": ActionForm(formdata=None),
        "meeting_form": MeetingMinutesForm(formdata=None), "meeting_pending": meeting_pending(case),
        "status_form": status, "outcome_form": outcome,
        "supplier_form": _supplier_form(case),
        "hold_form": LegalHoldForm(formdata=None),
        "legal_hold": hold_of(db, case) if case.legal_hold else None,
        "hold_labels": LEGAL_HOLD_REASON_LABELS,
        "hold_max_days": settings_of().legal_hold_max_days,
        "grant_form": grant, "exclude_form": exclude, "escalate_form": escalate,
        "decision_form": DecisionForm(formdata=None), "reinstate_form": reinstate,
        # Four eyes (security finding 14): who asked to leave whom out, or take them back.
        "access_requests": [(item, may_decide(item, me)) for item in requests],
        "access_names": names, "approval_form": ApprovalDecisionForm(formdata=None),
    }


# Which group of the page holds each form a kept draft can go back into.
_DRAFT_GROUPS = {"reply_form": "reply", "note_form": "note", "meeting_form": "reply"}


def _put_back_draft(staff: StaffContext, forms: dict[str, object]) -> str | None:
    """What the handler was sending when their session ended, back in its box after they
    signed in again, unsent (issue 14 audit gap 5; portal.staff_drafts); the group to open."""
    draft = take_draft(staff.user.id, staff.user.session_generation)
    if draft is None:
        return None
    after_this_request(clear_draft_cookie)
    group = _DRAFT_GROUPS.get(draft.form)
    field = getattr(forms.get(draft.form), draft.field, None)
    if group is None or field is None:
        return None
    field.data = draft.text
    flash(_("This has not been sent yet: your session had ended. Check it, then send it."),
          "info")
    return group


def handler_page(staff: StaffContext, opened: HandlerCase,
                 failed: FlaskForm | None = None,
                 standard_reply: StandardReplyDraft | None = None) -> str:
    """Everything the case's keys open: answers, dialogue, notes, files, escalations. With
    `failed`, the page answers a POST whose form did not validate: that form is shown filled
    in, with its errors, in its group opened. With `standard_reply`, the reply box holds that
    standard reply in the reporter's language, for the handler to read and send (issue 16
    §7, admin/cases/standard_replies.py)."""
    db = db_session()
    settings = settings_of()
    labels = all_labels(settings)
    case = opened.case
    view = open_case_view(db, case, opened.keys)
    escalations = escalations_for_handler(db, opened)
    authors = {message.author_id for message in view.messages if message.author_id}
    authors |= {item.escalation.manager_id for item in escalations}
    authors |= {item.escalation.escalated_by for item in escalations
                if item.escalation.escalated_by}
    forms = {**_forms(staff, opened, labels), **concerned_person_context(opened),
             **workplace_context(staff, opened), **relevance_context(opened)}
    open_group = _put_back(forms, failed) if failed is not None else None
    if standard_reply is not None:
        forms["reply_form"] = standard_reply.form
        open_group = "reply"
    elif failed is None:
        open_group = _put_back_draft(staff, forms)
    awaiting = cast(list[tuple[object, bool]], forms["access_requests"])
    if open_group is None and any(may for _request, may in awaiting):
        open_group = "access"  # a request about access awaits this handler's decision
    clocks = clocks_of(case)
    return render_template(
        "admin/cases/case.html", case=case, view=view, answers=answer_fields(view.answers),
        clocks=clocks, now=utcnow(), labels=labels, unit_name=_unit_name(case),
        names=_names(authors), escalations=escalations, user=staff.user,
        supplier_link=supplier_link(case), **forms, **assignee_context(staff, opened),
        open_group=open_group, failed_form=failed,
        next_step=next_step(case, clocks), reporter_language=language_name(view.language),
        metadata_words=removed_labels, closing_reason_labels=CLOSING_REASON_LABELS,
        link_references=_references([item.case_id for item in forms["case_links"]]),
        standard_reply_choices=standard_reply_choices(), standard_reply=standard_reply,
    )


def manager_page(staff: StaffContext, case_id: str,
                 escalations: list[OpenedEscalation]) -> str:
    """Only the escalations put before this manager, with the decision form."""
    case = db_session().get(Case, case_id)
    if case is None:  # pragma: no cover (an escalation's row cascades with its case)
        raise LookupError("escalation without a case")
    labels = all_labels(settings_of())
    return render_template(
        "admin/cases/escalation.html", case_id=case_id,
        reference=case.reference or case.id[:8], supplier_link=supplier_link(case),
        unit_name=_unit_name(case), escalations=escalations, labels=labels,
        decision_form=DecisionForm(),
        names=_names({item.escalation.escalated_by for item in escalations
                      if item.escalation.escalated_by}),
    )
