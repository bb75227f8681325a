"""The staff navigation, declared by the blueprints that own the pages (style habit 18).

Each blueprint declares its entries beside its routes with `declare_menu`; the staff layout
(`templates/staff/layout.html`) shows the entries the signed-in user's roles allow, in
`order`. A module that joins later (suppliers, the annual account) declares its own entries
and never edits the layout. It lives in `portal` so `supplier_dd` can declare entries too.

The order numbers leave room between entries: case work first (100), then the modules that
join later (200-399), administration (400-599), the user's own account and signing out last
(900 and up).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from flask import Blueprint, Flask
from flask.sansio.app import App
from flask.sansio.blueprints import BlueprintSetupState

from portal.models import Role, User

_REGISTRY = "aktsom.staff_menu"


@dataclass(frozen=True)
class MenuEntry:
    """One item of the staff navigation.

    `label` is a `lazy_gettext` string, so it is translated each time a page is rendered, in
    that request's language. `roles=None` shows the entry to every signed-in staff member;
    otherwise to users holding at least one of `roles`. The menu only hides links: each view
    still checks the roles itself. A `post` entry is a button in a form with the CSRF token
    (for actions such as signing out, which must never be a plain link).
    """

    endpoint: str
    label: str
    roles: tuple[Role, ...] | None = None
    order: int = 500
    method: Literal["get", "post"] = "get"

    def visible_to(self, user: User) -> bool:
        """True if `user` may see this entry."""
        return self.roles is None or any(user.has_role(role) for role in self.roles)


def declare_menu(target: Flask | Blueprint, entries: Iterable[MenuEntry]) -> None:
    """Add `entries` to the staff menu of `target`, or of every app `target` (a blueprint)
    is registered on: the entries go with the routes they point to."""
    declared = tuple(entries)
    if isinstance(target, Blueprint):

        def _on_register(state: BlueprintSetupState) -> None:
            _add(state.app, declared)

        target.record_once(_on_register)
    else:
        _add(target, declared)


def _add(app: App, entries: tuple[MenuEntry, ...]) -> None:
    registry: list[MenuEntry] = app.extensions.setdefault(_REGISTRY, [])
    registry.extend(entries)


def menu_for(app: Flask, user: User) -> list[MenuEntry]:
    """The entries of `app`'s staff menu that `user` sees, in order (ties: declaration)."""
    registry: list[MenuEntry] = app.extensions.get(_REGISTRY, [])
    return sorted((entry for entry in registry if entry.visible_to(user)),
                  key=lambda entry: entry.order)


def init_staff_menu(app: Flask) -> None:
    """Give templates `staff_menu(user)`; a function, so pages without the navigation (the
    sign-in page) never compute it."""

    def staff_menu(user: User) -> list[MenuEntry]:
        return menu_for(app, user)

    @app.context_processor
    def _menu_context() -> dict[str, Callable[[User], list[MenuEntry]]]:
        return {"staff_menu": staff_menu}
