"""The group account and the company accounts share one protection of the company totals
(issue 13 §3, the year's joint decision of admin/annual/joint.py): a company total hidden in
the group's `reports.by_company` is hidden in that company's own account too, so the group
total less the other accounts' totals does not give it away; a small total's breakdowns are
withheld, and a hidden total's shown breakdown cells never add up to it."""

from __future__ import annotations

from flask import Flask

from admin.annual.figures import AccountFigures
from portal.db import session_factory, transaction
from portal.models import OrgUnit
from portal.small_counts import CellStatus
from tests.admin.case_support import World
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.test_annual_figures import figures, fill, stat

K = 3


def _received(result: AccountFigures) -> tuple[CellStatus, int | None]:
    cell = result.table("reports.received").row("total").current
    return cell.status, cell.value


def _possible(status: CellStatus, high: int) -> range:
    """What a reader knows of one hidden count from its mark alone."""
    if status is CellStatus.SMALL:
        return range(1, K)
    if status is CellStatus.COMPLEMENTARY:
        return range(K, high + 1)
    return range(high + 1)


def test_a_hidden_company_total_cannot_be_derived_from_the_other_accounts(
        world: World, portal_app: Flask) -> None:
    """2025 by hand: company A 14 reports, B 5, the group company 1 (group total 20).
    In the group's by_company, 1 is small and B's 5 is hidden with it (otherwise 20 - 14 = 6
    less 5 gives 1); each company's own account must show the same."""
    fill(portal_app, world)
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        db.add(stat(2025, world.group_unit_id))
        codes = {unit.id: unit.code for unit in db.query(OrgUnit)}
    group = figures(portal_app, k=K, unit_id=None)
    accounts = {unit_id: figures(portal_app, k=K, unit_id=unit_id)
                for unit_id in (world.unit_id, world.other_unit_id, world.group_unit_id)}
    by_company = {row.key: row.current for row in group.table("reports.by_company").rows}
    assert _received(group) == (CellStatus.SHOWN, 20)
    assert by_company[codes[world.unit_id]].value == 14
    assert by_company[codes[world.other_unit_id]].status is CellStatus.COMPLEMENTARY
    assert by_company[codes[world.group_unit_id]].status is CellStatus.SMALL
    # One decision: each company's own total has the status the group's table gives it.
    for unit_id, account in accounts.items():
        cell = by_company[codes[unit_id]]
        assert _received(account) == (cell.status, cell.value), codes[unit_id]
    # The group company's 1 is small: its breakdowns are withheld whole. B's 5 are all
    # forced labour: the cell is hidden with the total it equals, its zeros are shown.
    for item in accounts[world.group_unit_id].tables:
        if item.total_of == "reports.received":
            assert {row.current.status for row in item.rows} == {CellStatus.WITHHELD}, item.key
    other = accounts[world.other_unit_id]
    for item in other.tables:
        if item.total_of == "reports.received":
            shown = sum(row.current.value or 0 for row in item.rows if row.current.shown)
            assert shown == 0, item.key  # nothing shown adds up to the hidden 5
    # A reader with every account: the group total less the shown company totals leaves 6 for
    # the hidden ones; every value of B that fits its mark and the others' leaves two or more.
    total = 20
    shown = sum(_received(account)[1] or 0 for account in accounts.values())
    hidden = {unit_id: _received(account)[0] for unit_id, account in accounts.items()
              if _received(account)[0] is not CellStatus.SHOWN}
    rest = total - shown
    assert rest == 6 and set(hidden) == {world.other_unit_id, world.group_unit_id}
    possible_b = {b for b in _possible(hidden[world.other_unit_id], rest)
                  if rest - b in _possible(hidden[world.group_unit_id], rest)}
    assert possible_b == {4, 5}
    # The previous year (A 8, nobody else) is shown in full in every account.
    assert other.table("reports.received").row("total").previous.value == 0
