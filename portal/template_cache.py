"""Templates compile once per process, however many apps it builds.

Each Flask app has a Jinja environment of its own, and each environment compiled every template
anew: a process that builds the reporter and the staff app compiled the shared layout twice, and
the test suite, which builds an app per test, spent a quarter of its time in Jinja's compiler.
Jinja's bytecode cache keys a compiled template by its name, its file and a checksum of its
source, so a template changed on disk is compiled again. What it does not key is how the
environment compiles (delimiters, extensions, autoescaping): one cache per set of those options
keeps two differently configured environments from sharing code.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from flask import Flask
from jinja2 import BytecodeCache, Environment
from jinja2.bccache import Bucket


class _ProcessBytecodeCache(BytecodeCache):
    """Compiled templates in memory, for every environment with the same compiler options."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        compiled = self._compiled.get(bucket.key)
        if compiled is not None:
            # Checks Jinja's magic header and the source checksum; a mismatch leaves the
            # bucket empty and the template is compiled again.
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_CACHES: dict[Hashable, _ProcessBytecodeCache] = {}


def compiler_options(environment: Environment) -> Hashable:
    """Everything of an environment that changes the code a template compiles to."""
    autoescape = environment.autoescape
    # Flask's autoescape is a bound method of each app: the function decides, not the app.
    autoescape = getattr(autoescape, "__func__", autoescape)
    return (
        tuple(sorted(environment.extensions)),
        environment.block_start_string, environment.block_end_string,
        environment.variable_start_string, environment.variable_end_string,
        environment.comment_start_string, environment.comment_end_string,
        environment.line_statement_prefix, environment.line_comment_prefix,
        environment.trim_blocks, environment.lstrip_blocks,
        environment.newline_sequence, environment.keep_trailing_newline,
        environment.optimized, environment.is_async, environment.finalize, autoescape,
        bool(getattr(environment, "newstyle_gettext", False)),
    )


def init_template_cache(app: Flask) -> None:
    """Share compiled templates with the other apps of this process. Call it last in the
    app factory, after every extension has configured the environment."""
    environment: Any = app.jinja_env
    environment.bytecode_cache = _CACHES.setdefault(compiler_options(environment),
                                                    _ProcessBytecodeCache())
