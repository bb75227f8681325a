"""docs/deployment.md matches the recipes (issue 17 §5): every deploy/ file it names exists,
every recipe is named in it (or, for the split-host example, in its own README), and every
`aktsom` command it tells an operator to run exists."""

from __future__ import annotations

import re

from admin.cli import cli
from tests.deploy.helpers import DEPLOY, ROOT

GUIDE = ROOT / "docs" / "deployment.md"
SPLIT_README = DEPLOY / "split-host" / "README.md"
_DEPLOY_PATH = re.compile(r"\bdeploy/[\w./-]*\w")


def named_paths(text: str) -> set[str]:
    return set(_DEPLOY_PATH.findall(text))


def test_every_file_the_guide_names_exists() -> None:
    named = named_paths(GUIDE.read_text("utf-8"))
    assert len(named) >= 10
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert missing == []


def test_every_recipe_is_in_the_guide() -> None:
    named = named_paths(GUIDE.read_text("utf-8"))
    recipes = {str(path.relative_to(ROOT)) for path in DEPLOY.rglob("*") if path.is_file()
               and "split-host" not in path.parts}
    assert sorted(recipes - named) == []
    assert "deploy/split-host/README.md" in named


def test_the_split_host_readme_names_its_files() -> None:
    text = SPLIT_README.read_text("utf-8")
    for path in (DEPLOY / "split-host").iterdir():
        if path.name != "README.md":
            assert f"`{path.name}`" in text, path.name
    for relative in re.findall(r"`(\.\./[\w./-]+)`", text):
        assert (DEPLOY / "split-host" / relative).exists(), relative


def test_every_aktsom_command_in_the_guide_exists() -> None:
    text = GUIDE.read_text("utf-8")
    commands = set(re.findall(r"(?:^|\| |`)aktsom (\w[\w-]*)", text, re.MULTILINE))
    assert {"init", "doctor", "units", "users"} <= commands
    assert sorted(commands - set(cli.commands)) == []
