"""Imported only by the fork server that makes the cleaning children (`metadata_sandbox`).

A child of the `forkserver` start method is told how the parent's ``__main__`` was started
and, before it runs anything, re-runs that script as ``__mp_main__`` so that a target
defined there could be unpickled. In `aktsom serve` the main script is the `aktsom` entry
point, which imports the whole application: measured at 1.2 s of CPU per child on this
machine (issue 15), against about 1 ms for cleaning a 1 MiB JPEG. (Python passes no main
path to the fork server itself, so preloading ``__main__`` there does not help.)

The cleaners are module-level functions of `portal.metadata*`, already imported here, and
never live in ``__main__``; so the children of this fork server skip that step. Nothing else
of the start-up changes: the child still unpickles its target by name, sets its own resource
limits and is killed by the parent on time-out (`metadata_sandbox`).
"""

from __future__ import annotations

import gc
from collections.abc import Mapping
from multiprocessing import spawn
from typing import Any

import portal.metadata  # noqa: F401 - imported once here, so each child starts with it

_MAIN_MODULE_KEYS = frozenset({"init_main_from_path", "init_main_from_name"})
_prepare = spawn.prepare


def prepare_without_main(data: Mapping[str, Any]) -> None:
    """`multiprocessing.spawn.prepare` without re-running the parent's main script."""
    _prepare({key: value for key, value in data.items() if key not in _MAIN_MODULE_KEYS})


# This module is imported only in the fork server (never in the web server), so this changes
# how the fork server's own children start and nothing else.
spawn.prepare = prepare_without_main

# The fork server holds the application's modules (importing `portal.metadata` imports the
# `portal` package); frozen, the collector in a child never walks them, so a child does not
# copy the pages that hold them.
gc.freeze()
