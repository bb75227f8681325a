from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask

from tests.factories import Handler, make_handler, make_recovery_key, make_unit


@dataclass
class Organisation:
    unit_id: str
    other_unit_id: str
    group_unit_id: str
    alice: Handler
    bob: Handler
    grace: Handler
    recovery_sheet: str


@pytest.fixture
def organisation(portal_app: Flask) -> Organisation:
    """Two companies and the group level: Alice and Bob handle Nordic, Grace the group."""
    unit = make_unit(portal_app, "NORDIC", "Nordic Security AS")
    other = make_unit(portal_app, "BALTIC", "Baltic Security UAB")
    group = make_unit(portal_app, "GROUP", "Group compliance", is_group=True)
    return Organisation(
        unit_id=unit,
        other_unit_id=other,
        group_unit_id=group,
        alice=make_handler(portal_app, "Alice Handler", [unit]),
        bob=make_handler(portal_app, "Bob Handler", [unit]),
        grace=make_handler(portal_app, "Grace Group", [group]),
        recovery_sheet=make_recovery_key(portal_app),
    )
