"""Every route of the staff `cases` blueprint in one table, so the whole URL space of case
handling reads at a glance (Indico's `blueprint.py` habit). The view modules only define
functions; each keeps its role check as a decorator beside its code. Endpoint names are the
function names (`cases.case_page`, `cases.reply`, ...), which templates and tests use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState

from admin.cases import (
    actions,
    assignee,
    concerned_person,
    escalation,
    leader_intake,
    move_to_request,
    oral_reports,
    sharing,
    standard_replies,
    views,
    workplace,
)
from admin.cases.relevance import views as relevance
from portal.staff_drafts import Keeper, keep_text_of

GET, POST = ("GET",), ("POST",)

ROUTES: tuple[tuple[str, Callable[..., Any], tuple[str, ...]], ...] = (
    # Reading: the list, a case, its files.
    ("/cases", views.case_list, GET),
    ("/cases/<case_id>", views.case_page, GET),
    ("/cases/<case_id>/attachments/<attachment_id>", views.attachment, GET),
    # The original with its metadata, after a warning (issue 14 §10).
    ("/cases/<case_id>/attachments/<attachment_id>/evidence-copy", views.evidence_copy,
     ("GET", "POST")),
    # A report received orally or in a meeting.
    ("/cases/new", oral_reports.register, ("GET", "POST")),
    # What a handler does to a case.
    ("/cases/<case_id>/messages", actions.reply, POST),
    # A standard reply put into the reply box, in the reporter's language; sends nothing.
    ("/cases/<case_id>/standard-reply", standard_replies.use_standard_reply, GET),
    ("/cases/<case_id>/notes", actions.note, POST),
    ("/cases/<case_id>/acknowledge", actions.acknowledge_case, POST),
    ("/cases/<case_id>/status", actions.status, POST),
    ("/cases/<case_id>/status/confirm-close", actions.confirm_close, GET),
    ("/cases/<case_id>/outcome", actions.outcome, POST),
    ("/cases/<case_id>/supplier", actions.supplier, POST),
    ("/cases/<case_id>/legal-hold", actions.legal_hold, POST),
    ("/cases/<case_id>/legal-hold/confirm-release", actions.confirm_release, GET),
    ("/cases/<case_id>/meeting-minutes", actions.meeting_minutes, POST),
    # A question filed in the wrong place becomes an information request (issue 13 §1).
    ("/cases/<case_id>/move-to-information-request", move_to_request.move_to_request, POST),
    # Who has taken it on (issue 14 §8).
    ("/cases/<case_id>/assignee", assignee.assign, POST),
    # Who may open it.
    ("/cases/<case_id>/grant", sharing.grant, POST),
    ("/cases/<case_id>/exclude", sharing.exclude, POST),
    ("/cases/<case_id>/step-aside", sharing.step_aside, GET),
    ("/cases/<case_id>/exclude/confirm", sharing.confirm_exclude, GET),
    ("/cases/<case_id>/reinstate", sharing.reinstate, POST),
    ("/cases/<case_id>/requests/<request_id>", sharing.decide_request, POST),
    ("/cases/<case_id>/requests/<request_id>/confirm", sharing.confirm_approval, GET),
    # A breach before a manager.
    ("/cases/<case_id>/escalate", escalation.escalate_case, POST),
    ("/cases/<case_id>/escalations/<escalation_id>/decision", escalation.decide, POST),
    # Informing the person concerned (GDPR Art. 14).
    ("/cases/<case_id>/concerned-person", concerned_person.concerned_person, POST),
    # Working-environment duties (AML ch. 2A; issue 11 §7): a concern told to a leader, the
    # link of a report of retaliation to the earlier case, the check of a known reporter's
    # working environment.
    ("/cases/leader-intake", leader_intake.register_leader_intake_view, ("GET", "POST")),
    ("/cases/<case_id>/links", workplace.link_case, POST),
    ("/cases/<case_id>/links/<link_id>/remove", workplace.unlink_case, POST),
    ("/cases/<case_id>/work-environment/open", workplace.open_work_environment_check, POST),
    ("/cases/<case_id>/work-environment", workplace.record_work_environment, POST),
    # Relevance and identity (issue 11 §8): removing an irrelevant item, disclosing identity.
    ("/cases/<case_id>/redactions/<item_kind>/<item_id>", relevance.redact_item, POST),
    ("/cases/<case_id>/identity/disclosures", relevance.disclose_identity, POST),
    ("/cases/<case_id>/identity/disclosures/<disclosure_id>/tell", relevance.tell_of_disclosure,
     POST),
)


# Text kept through a sign-in when the handler's session ended while they wrote it (issue 14
# audit gap 5; portal.staff_drafts): endpoint -> the case page's form and field it returns to.
KEPT_TEXT = {
    "reply": Keeper(form="reply_form", field="body", back="cases.case_page"),
    "note": Keeper(form="note_form", field="body", back="cases.case_page"),
    "meeting_minutes": Keeper(form="meeting_form", field="minutes", back="cases.case_page"),
}


def add_routes(bp: Blueprint) -> None:
    """Attach every route of the table to `bp`."""
    for rule, view, methods in ROUTES:
        bp.add_url_rule(rule, view_func=view, methods=list(methods))

    @bp.record_once
    def _keep_text(state: BlueprintSetupState) -> None:
        for endpoint, keeper in KEPT_TEXT.items():
            keep_text_of(cast(Flask, state.app), f"{bp.name}.{endpoint}", keeper)
