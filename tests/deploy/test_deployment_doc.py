"""docs/deployment.md matches the recipes (issue 17 §5): every deploy/ file it names exists,
every recipe is named in it (or, for the split-host example, in its own README), and every
`aktsom` command it tells an operator to run exists."""

from __future__ import annotations

import dataclasses
import re
import shlex

import click

from admin.cli import cli
from admin.scheduled_jobs import SCHEDULED_JOBS
from config.settings import Argon2Costs, Settings
from tests.deploy.helpers import (
    DEPLOY,
    GUIDE,
    ROOT,
    SPLIT_README,
    copied_files,
    shell_commands,
    unit_values,
)

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


# Beyond file and command names (gap 7 of the issue 17 audit): units, settings, options,
# ports and the claims the guide makes about the recipes. Each test below failed on the guide
# of main 25ff659 or guards a claim that did.

ARCHITECTURE = ROOT / "docs" / "architecture.md"
UNITS = DEPLOY / "systemd"
TORRC = DEPLOY / "tor" / "aktsom-onion.torrc"
SYSTEMD = "/etc/systemd/system/"
# Units of Debian's own packages that the guide starts or reloads.
DEBIAN_UNITS = {"nginx.service", "tor.service"}
_SYSTEMCTL_VERBS = {"enable", "disable", "start", "stop", "restart", "reload", "status"}


def guide_text() -> str:
    return GUIDE.read_text("utf-8")


def inline_commands(text: str, program: str) -> list[list[str]]:
    """Commands quoted inline in prose and tables, e.g. `systemctl restart aktsom`."""
    return [shlex.split(span) for span in re.findall(rf"`({program} [^`]+)`", text)]


def systemctl_units(command: list[str]) -> tuple[str, list[str]]:
    verb = next(word for word in command[1:] if not word.startswith("-"))
    names = [word for word in command[command.index(verb) + 1:] if not word.startswith("-")]
    return verb, [name if "." in name else f"{name}.service" for name in names]


def test_every_unit_the_guide_runs_exists_and_is_installed_by_it() -> None:
    text = guide_text()
    commands = shell_commands(text)
    installed = copied_files(commands)
    used = 0
    for command in [*commands, *inline_commands(text, "systemctl")]:
        if command[0] != "systemctl" or command[1] == "daemon-reload":
            continue
        verb, names = systemctl_units(command)
        assert verb in _SYSTEMCTL_VERBS, command
        for name in names:
            used += 1
            if name in DEBIAN_UNITS:
                continue
            assert (UNITS / name).is_file(), name
            assert installed.get(SYSTEMD + name) == f"deploy/systemd/{name}", name
            if name.endswith(".timer"):
                service = name.replace(".timer", ".service")
                assert installed.get(SYSTEMD + service) == f"deploy/systemd/{service}", name
    assert used >= 8


def test_the_main_steps_run_every_scheduled_job_the_release_has() -> None:
    """Gap 2: the backup timer was an optional extra, yet in production doctor reports a job
    that never ran as a problem. Every job's timer is enabled with aktsom.service, and each
    job runs once before the guide's `aktsom doctor` expects its heartbeat."""
    commands = shell_commands(guide_text())
    jobs = [job.command for job in SCHEDULED_JOBS if job.command in cli.commands]
    assert "backup" in jobs
    enabled = [systemctl_units(command)[1] for command in commands
               if command[0] == "systemctl" and systemctl_units(command)[0] == "enable"]
    main = next(names for names in enabled if "aktsom.service" in names)
    assert sorted(f"aktsom-{job}.timer" for job in jobs if f"aktsom-{job}.timer" not in main) \
        == []
    doctor = next(index for index, command in enumerate(commands)
                  if command[:2] == ["aktsom", "doctor"])
    started = {name for command in commands[:doctor] if command[0] == "systemctl"
               and systemctl_units(command)[0] == "start" for name in systemctl_units(command)[1]}
    assert sorted(f"aktsom-{job}.service" for job in jobs
                  if f"aktsom-{job}.service" not in started) == []


def test_the_main_steps_enable_every_timer_of_the_recipes() -> None:
    """A timer copied nowhere and enabled by no step never runs: the supplier register's
    year-end timer came after the scheduled jobs' list, and is not one of them."""
    commands = shell_commands(guide_text())
    enabled = next(systemctl_units(command)[1] for command in commands
                   if command[0] == "systemctl" and systemctl_units(command)[0] == "enable"
                   and "aktsom.service" in systemctl_units(command)[1])
    timers = sorted(path.name for path in UNITS.glob("*.timer"))
    assert "aktsom-suppliers-year-end.timer" in timers
    assert [name for name in timers if name not in enabled] == []


def _setting_names() -> set[str]:
    """The AKTSOM_* variables config.load_settings reads: AKTSOM_ + each Settings field, the
    AKTSOM_ARGON2_* costs and AKTSOM_CONFIG; and those .ci/run reads."""
    names = {f"AKTSOM_{field.name.upper()}" for field in dataclasses.fields(Settings)}
    names |= {f"AKTSOM_ARGON2_{field.name.upper()}" for field in dataclasses.fields(Argon2Costs)}
    names.add("AKTSOM_CONFIG")
    names |= set(re.findall(r"\$\{?(AKTSOM_[A-Z0-9_]+)", (ROOT / ".ci" / "run").read_text("utf-8")))
    return names


def test_every_setting_the_guide_and_the_recipes_name_exists() -> None:
    """An unknown AKTSOM_* variable is silently ignored by the app, so a misspelt one in the
    guide or an environment file would change nothing."""
    known = _setting_names()
    assert {"AKTSOM_TRUSTED_PROXIES", "AKTSOM_SECRET_KEY", "AKTSOM_ARGON2_TIME_COST",
            "AKTSOM_AUDIT_REQUIRED"} <= known
    sources = [GUIDE, SPLIT_README, *DEPLOY.rglob("*.env"), *DEPLOY.rglob("*.service")]
    for source in sources:
        for name, wildcard in re.findall(r"(AKTSOM_[A-Z0-9_]*[A-Z0-9])(_\*)?",
                                         source.read_text("utf-8")):
            if wildcard:
                assert any(item.startswith(name + "_") for item in known), (source.name, name)
            else:
                assert name in known, (source.name, name)


def _resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    """The click command `aktsom WORDS...` runs (sub-commands of groups followed), and the
    words after it."""
    command: click.Command = cli
    rest = words[1:]
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        assert rest[0] in command.commands, words
        command, rest = command.commands[rest[0]], rest[1:]
    return command, rest


def test_every_aktsom_option_in_the_guide_exists() -> None:
    """Each `aktsom CMD --option` the guide uses is an option of the real command, and the
    command lines of its code blocks give every required option."""
    text = guide_text()
    blocks = [words for words in shell_commands(text) if words[0] == "aktsom"]
    inline = inline_commands(text, "aktsom")
    checked = 0
    for words, complete in [*((words, True) for words in blocks),
                            *((words, False) for words in inline)]:
        command, rest = _resolve(words)
        options = {option: param for param in command.params
                   for option in (*param.opts, *param.secondary_opts)}
        for word in rest:
            if word.startswith("--"):
                checked += 1
                assert word.split("=")[0] in {*options, "--help"}, (words, word)
        if complete and isinstance(command, click.Command) \
                and not isinstance(command, click.Group):
            given = {word.split("=")[0] for word in rest}
            for param in command.params:
                if param.required and isinstance(param, click.Option):
                    assert given & set(param.opts), (words, param.opts)
    assert checked >= 10


def test_the_guide_restores_with_aktsom_restore() -> None:
    """Gap 2: the yearly restore test named `aktsom init`, never `aktsom restore`."""
    restores = [words for words in shell_commands(guide_text())
                if words[:2] == ["aktsom", "restore"]]
    assert restores
    assert "backup" in cli.commands and "restore" in cli.commands


def test_the_tor_step_works_on_a_fresh_debian_12() -> None:
    """Gap 3: tor came from bookworm-backports, which nothing added to the sources, and the
    torrc went into /etc/tor/torrc.d/, which nothing created or included."""
    commands = shell_commands(guide_text())
    for command in commands:
        if command[:2] == ["apt-get", "install"]:
            assert "-t" not in command and not any("backports" in word for word in command)
    tor_installed = next(index for index, command in enumerate(commands)
                         if command[:2] == ["apt-get", "install"] and "tor" in command)
    copied = next(index for index, command in enumerate(commands)
                  if command[0] == "cp" and command[-1] == "/etc/tor/torrc.d/aktsom.conf")
    made = next(index for index, command in enumerate(commands)
                if command[0] in ("install", "mkdir") and "/etc/tor/torrc.d" in
                [word.rstrip("/") for word in command] and ("-d" in command or "-p" in command))
    included = next(index for index, command in enumerate(commands)
                    if command[:2] == ["echo", "%include /etc/tor/torrc.d/"]
                    and command[-2:] == [">>", "/etc/tor/torrc"])
    assert tor_installed < made < copied
    assert tor_installed < included
    assert copied_files(commands)["/etc/tor/torrc.d/aktsom.conf"] == "deploy/tor/aktsom-onion.torrc"


def test_the_guide_uses_sudo_only_if_it_installs_it() -> None:
    """Gap 6: `sudo` was used, but a minimal Debian 12 with a root password has none."""
    text = guide_text()
    first_install = next(command for command in shell_commands(text)
                         if command[:2] == ["apt-get", "install"])
    if re.search(r"\bsudo\b", text.replace("no `sudo` needed", "")):
        assert "sudo" in first_install


def test_the_recovery_sheet_goes_where_the_service_user_can_write() -> None:
    """Gap 6: `aktsom` runs as the service user, which cannot write to /media/usb-stick; the
    folder of the sheet must be one the guide makes for that user first."""
    commands = shell_commands(guide_text())
    init = next(index for index, command in enumerate(commands)
                if command[:2] == ["aktsom", "init"] and "--recovery-sheet" in command)
    sheet = commands[init][commands[init].index("--recovery-sheet") + 1]
    folder = sheet.rsplit("/", 1)[0]
    assert any(command[0] == "install" and "-d" in command and folder in command
               and command[command.index("-o") + 1] == "aktsom"
               for command in commands[:init] if "-o" in command), folder


def test_the_certificate_renewal_note_says_what_the_hooks_do() -> None:
    """Gap 6: with the --standalone hooks nginx stops for each renewal; the rotation table
    said a renewal had no effect."""
    text = guide_text()
    certbot = next(command for command in shell_commands(text) if command[0] == "certbot")
    row = re.search(r"^\| TLS certificate \|[^|]*\| ([^|]*) \|$", text, re.MULTILINE)
    assert row is not None
    if "systemctl stop nginx" in certbot:
        assert row.group(1).strip() != "none"
        assert "nginx stops" in row.group(1)


def _unit_ports() -> dict[str, tuple[str, int]]:
    """Unit file name -> (--app, --port) of its `aktsom serve`, for every unit in deploy/."""
    served = {}
    for unit in DEPLOY.rglob("*.service"):
        for line in unit_values(unit.read_text("utf-8"), "ExecStart"):
            found = re.search(r" serve --host 127\.0\.0\.1 --port (\d+) --app (\w+)", line)
            if found:
                served[str(unit.relative_to(DEPLOY))] = (found.group(2), int(found.group(1)))
    return served


def test_the_recipes_point_to_the_ports_their_units_serve() -> None:
    served = _unit_ports()
    assert served["systemd/aktsom.service"] == ("all", 8000)
    assert served["systemd/aktsom-onion.service"] == ("portal", 8001)
    torrc = re.findall(r"^HiddenServicePort 80 127\.0\.0\.1:(\d+)$",
                       TORRC.read_text("utf-8"), re.MULTILINE)
    assert [int(port) for port in torrc] == [served["systemd/aktsom-onion.service"][1]]
    site = re.findall(r"proxy_pass http://127\.0\.0\.1:(\d+);",
                      (DEPLOY / "nginx" / "aktsom.conf").read_text("utf-8"))
    assert site and {int(port) for port in site} == {served["systemd/aktsom.service"][1]}


def test_the_ports_and_torrc_lines_in_the_docs_match_the_recipes() -> None:
    """Gap 5: docs/architecture.md showed an older torrc whose onion went to port 8000, the
    `--app all` server with the staff side."""
    served = _unit_ports()
    ports = {port for _app, port in served.values()}
    torrc_lines = {line.strip() for line in TORRC.read_text("utf-8").splitlines()}
    nginx_lines = {line.strip() for path in DEPLOY.rglob("*.conf")
                   for line in path.read_text("utf-8").splitlines()}
    for doc in (GUIDE, ARCHITECTURE, SPLIT_README):
        text = doc.read_text("utf-8")
        for port in re.findall(r"127\.0\.0\.1:(\d+)", text):
            assert int(port) in ports, (doc.name, port)
        for line in re.findall(r"^\s*(HiddenService\w+ \S.*)$", text, re.MULTILINE):
            assert line.strip() in torrc_lines, (doc.name, line)
        for line in re.findall(r"^\s*(proxy_pass \S+;)$", text, re.MULTILINE):
            assert line.strip() in nginx_lines, (doc.name, line)
        # "`--app portal` on 127.0.0.1:8001": a unit serves that app on that port.
        for app, port in re.findall(r"--app (\w+)`? on 127\.0\.0\.1:(\d+)", text):
            assert (app, int(port)) in served.values(), (doc.name, app, port)
        # "`aktsom.service` serves on 127.0.0.1:8000"
        for unit, port in re.findall(r"`([\w-]+\.service)` serves on 127\.0\.0\.1:(\d+)", text):
            assert served[f"systemd/{unit}"][1] == int(port), (doc.name, unit)
    architecture = ARCHITECTURE.read_text("utf-8")
    assert "HiddenServicePort 80 127.0.0.1:8001" in architecture
