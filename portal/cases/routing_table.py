"""The organisation as the routing sees it, read in a fixed number of queries (issue 15 §3).

`portal.cases.keys.route_case` asks the database for one company's handlers at a time, which
is right for a submission (one company). A page that shows every company (the landing page,
the report form's readers and choices) would ask once per company; this table reads the
companies, the handlers with their roles and units, and the recovery key once, checks each
handler's certificate once, and then answers the same questions as `route_case` in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.keys import Routing, active_recovery_key
from portal.key_directory import certified_authority
from portal.models import OrgUnit, RecoveryKey, Role, UnitMembership, User, UserRole
from portal.serverkeys import ServerKeys


@dataclass(frozen=True)
class RoutingTable:
    """Companies (not the group), group unit ids, and for each unit the handlers whose
    certificate lets them receive its reports, in `handlers_of_units`' order (name, id)."""

    units: list[OrgUnit]
    group_unit_ids: list[str]
    handlers_by_unit: dict[str, list[User]]
    group_handlers: list[User]
    # The active recovery key if it holds its certificate (`active_recovery_key`).
    recovery_key: RecoveryKey | None

    def handlers_of(self, unit_id: str) -> list[User]:
        """The company's own certified handlers (no group fallback)."""
        return self.handlers_by_unit.get(unit_id, [])

    def route(self, unit_id: str | None, excluded_user_ids: set[str]) -> Routing:
        """What `route_case` answers, without a query."""
        if unit_id is not None:
            chosen = [user for user in self.handlers_of(unit_id)
                      if user.id not in excluded_user_ids]
            if chosen:
                return Routing(chosen, routed_to_group=False)
        group = [user for user in self.group_handlers if user.id not in excluded_user_ids]
        return Routing(group, routed_to_group=True)


def read_routing_table(db: Session, keys: ServerKeys) -> RoutingTable:
    """Read the table: units, handlers (with roles and memberships, loaded in bulk by their
    relationships) and the recovery key; the same number of queries for 1 or 500 companies."""
    all_units = list(db.scalars(select(OrgUnit).order_by(OrgUnit.name, OrgUnit.id)))
    units = [unit for unit in all_units if not unit.is_group]
    group_ids = [unit.id for unit in all_units if unit.is_group]
    handlers = db.scalars(
        select(User)
        .where(User.disabled.is_(False),
               User.id.in_(select(UserRole.user_id).where(UserRole.role == Role.HANDLER)),
               User.id.in_(select(UnitMembership.user_id)))
        # handlers_of_units' order, in the database's collation.
        .order_by(User.name, User.id)
    ).all()
    by_unit: dict[str, list[User]] = {}
    group: list[User] = []
    for user in handlers:
        # The certificate is checked once per handler, not once per company.
        authority = certified_authority(keys, user)
        if (authority is None or Role.HANDLER.value not in authority.roles
                or not user.has_role(Role.HANDLER)):
            continue
        units_of_user = authority.units & user.unit_ids
        for unit_id in sorted(units_of_user):
            by_unit.setdefault(unit_id, []).append(user)
        if units_of_user & set(group_ids):
            group.append(user)
    return RoutingTable(units=units, group_unit_ids=group_ids, handlers_by_unit=by_unit,
                        group_handlers=group, recovery_key=active_recovery_key(db, keys))
