"""Every route of the supplier workflow (action plans, contract reviews, meetings; issue 12
§5, §6, §8) in one table, added to the supplier blueprint by `supplier_dd.views`. The view
modules only define functions, each with its role check beside its code. Endpoint names are
the function names (`suppliers.action_plan`, ...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.staff_menu import MenuEntry, declare_menu
from portal.states import Role
from supplier_dd import action_views, meeting_views, review_views

GET, POST = ("GET",), ("POST",)

ROUTES: tuple[tuple[str, Callable[..., Any], tuple[str, ...]], ...] = (
    # Action plans (compliance), and the workflow's counts (compliance, auditors).
    ("/suppliers/<supplier_id>/actions", action_views.action_plan, GET),
    ("/suppliers/<supplier_id>/actions", action_views.add_action_item, POST),
    ("/suppliers/actions/<action_id>", action_views.update_action_item, POST),
    ("/suppliers/workflow-figures", action_views.workflow_figures, GET),
    # Contract reviews: compliance opens and assigns, the manager assesses and decides.
    ("/suppliers/reviews/", review_views.reviews, GET),
    ("/suppliers/reviews/<review_id>", review_views.review, GET),
    ("/suppliers/<supplier_id>/reviews", review_views.open_review_by_hand, POST),
    ("/suppliers/reviews/<review_id>/manager", review_views.assign_review, POST),
    ("/suppliers/reviews/<review_id>/harm", review_views.review_harm, POST),
    ("/suppliers/reviews/<review_id>/decision", review_views.decide_review, POST),
    # Meetings with the large and important suppliers (compliance).
    ("/suppliers/meetings/", meeting_views.meetings, GET),
    ("/suppliers/<supplier_id>/meetings", meeting_views.supplier_meetings, GET),
    ("/suppliers/<supplier_id>/meetings", meeting_views.record_supplier_meeting, POST),
    ("/suppliers/meetings/<meeting_id>/follow-ups", meeting_views.add_meeting_follow_up, POST),
)


def add_workflow_routes(bp: Blueprint) -> None:
    """Attach every route of the table to `bp`, and the menu entries that lead to them."""
    for rule, view, methods in ROUTES:
        bp.add_url_rule(rule, view_func=view, methods=list(methods))
    declare_menu(bp, [
        MenuEntry("suppliers.reviews", _l("Contract reviews"),
                  roles=(Role.COMPLIANCE, Role.MANAGER), order=310),
        MenuEntry("suppliers.meetings", _l("Supplier meetings"), roles=(Role.COMPLIANCE,),
                  order=320),
        MenuEntry("suppliers.workflow_figures", _l("Supplier follow-up in figures"),
                  roles=(Role.COMPLIANCE, Role.AUDITOR), order=330),
    ])
