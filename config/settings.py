"""Typed, frozen settings: defaults < optional TOML file (AKTSOM_CONFIG) < environment (AKTSOM_*).

Settings are read and validated once, at start. An unsafe production setting stops the start
with one line that names the setting, so an operator never runs a half-configured channel.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from config.authorities import DEFAULT_AUTHORITIES, Authority
from config.categories import DEFAULT_CATEGORIES, Category
from config.conduct import (
    DEFAULT_CONDUCT_AREAS,
    ConductArea,
    ConductSettingsError,
    parse_conduct_areas,
)
from config.languages import LANGUAGE_CODES
from config.privacy import PrivacySettings, PrivacySettingsError, parse_privacy
from config.risk import RiskSettings, RiskSettingsError, parse_risk_settings
from config.suppliers import (
    DEFAULT_LARGE_SPEND_BANDS,
    DEFAULT_PRODUCT_GROUPS,
    DEFAULT_SECTORS,
    DEFAULT_SPEND_BANDS,
    ProductGroup,
    Sector,
    SpendBand,
    SupplierListError,
    parse_product_groups,
    parse_sectors,
    parse_spend_bands,
)

Environment = Literal["development", "test", "production"]
ENVIRONMENTS: tuple[Environment, ...] = ("development", "test", "production")

MIN_SECRET_KEY_LENGTH = 32


class SettingsError(ValueError):
    """A setting is missing, malformed or unsafe; the message names the setting."""


@dataclass(frozen=True)
class Argon2Costs:
    """Argon2id costs for passwords, private-key KEKs and case-code wrap keys."""

    time_cost: int = 3
    memory_cost_kib: int = 65536
    parallelism: int = 1  # crypto.PRODUCTION_ARGON2: one lane, derived by libsodium (issue 15 §2)


# RFC 9106 section 4, second recommended option: t=3, m=64 MiB. Production may not go below it.
RFC9106_MIN = Argon2Costs(time_cost=3, memory_cost_kib=65536, parallelism=1)
# Tests derive hundreds of keys; the real costs are proven elsewhere (see tests/config).
TEST_ARGON2 = Argon2Costs(time_cost=1, memory_cost_kib=64, parallelism=1)


@dataclass(frozen=True)
class Settings:
    """Everything the apps and the CLI need, validated. Build with `load_settings()`."""

    env: Environment = "development"
    secret_key: str = ""
    instance_dir: Path = Path("instance")
    database_url: str = ""
    storage_dir: Path = Path("instance/storage")
    # Pepper, key-certification, audit-chain and TOTP keys: outside the database on purpose.
    server_keys_file: Path = Path("instance/server-keys.json")
    redis_url: str | None = None
    # gunicorn worker processes for `aktsom serve`. Rate-limit counters live in each process
    # unless they are in Redis, so more than one worker needs AKTSOM_REDIS_URL.
    workers: int = 1
    organisation_name: str = "Aktsom"
    # The organisation's time zone (an IANA name): staff pages show every time in it, with
    # the zone's abbreviation (issue 14 §9). Stored times stay UTC.
    time_zone: str = "Europe/Oslo"
    # The report categories; a TOML file may replace them ([[categories]] code, label,
    # human_rights). Labels of the defaults are translated in the catalogues.
    categories: tuple[Category, ...] = DEFAULT_CATEGORIES
    # Where reporters may report externally instead (shown on the landing page).
    authorities: tuple[Authority, ...] = DEFAULT_AUTHORITIES
    # Offered to reporters, from the registry in config/languages.py (all of it by default);
    # staff pages offer only the staff languages among these.
    languages: tuple[str, ...] = LANGUAGE_CODES
    default_language: str = "en"
    argon2: Argon2Costs = field(default_factory=Argon2Costs)
    # Upload limits: per file, per submission, and the number of files.
    max_file_bytes: int = 25 * 1024 * 1024
    max_total_upload_bytes: int = 100 * 1024 * 1024
    max_attachments: int = 10
    strip_metadata: bool = True
    # Cleaning a picture decodes it: a few hundred bytes can claim 10000 x 10000 pixels
    # (decompression bomb), so larger pictures are refused from their header alone.
    max_image_pixels: int = 50_000_000
    # Cleaning runs in a child process with these limits; past them the file is refused.
    metadata_seconds: int = 20
    metadata_memory_mib: int = 1024
    # At most this many cleaning children at once per server process (the others wait their
    # turn, each bounded by metadata_seconds): with 4 threads per worker, a burst of hostile
    # files could otherwise ask for 4 x metadata_memory_mib at once.
    metadata_at_once: int = 2
    # Flask-Limiter strings, applied per (hashed, never stored) client and per route.
    rate_limit_followup: str = "10 per minute;30 per hour"
    rate_limit_report: str = "5 per minute;20 per hour"
    rate_limit_login: str = "10 per minute;50 per hour"
    # The global cap over every rate-limited POST (issue 14 §6): above this many a minute, all
    # clients together, each post waits in proportion, up to the maximum; nobody is refused.
    rate_limit_global_per_minute: int = 120
    rate_limit_slowdown_max_seconds: int = 5
    # Reverse proxies in front of the app (0: none). With N > 0 the client address used for
    # rate limits is taken from the N-th last X-Forwarded-For entry; without it, every client
    # behind a proxy shares one rate-limit bucket.
    trusted_proxies: int = 0
    # Legal clocks (EU Directive 2019/1937 Art. 9(1)(b) and (f)); configurable per customer.
    acknowledgement_days: int = 7
    feedback_months: int = 3
    # A meeting the reporter asks for (Art. 9(2): "within a reasonable timeframe"): the
    # handlers' own clock from the request to the minutes of the meeting (issue 11 §1).
    meeting_days: int = 14
    retention_days: int = 730
    # Days after an information request (Transparency Act §6) is answered or refused before
    # what the requester wrote is destroyed; the clear dates stay for the yearly figures.
    information_request_retention_days: int = 365
    # Where the group publishes its Transparency Act accounts (§5: "on the website"), stated
    # in every account; None: only on this portal's /transparency page (issue 13 §5).
    transparency_publication_url: str | None = None
    # `aktsom notify-deadlines` reminds compliance once, this many days before 30 June, of
    # the previous year's account when it is not yet published.
    annual_account_reminder_days: int = 30
    # Cases closed as unfounded are kept a shorter time (issue 11 §5): the Article 29 Working
    # Party (opinion 1/2006) asks for deletion "usually within two months" of closing.
    retention_unfounded_days: int = 60
    # The legal maximum per country (ISO alpha-2 -> days after closing): a company's setting
    # above it is refused, and the default is capped by it. Sweden: lag (2021:890) 7 kap. 3 §,
    # at most two years after the case was closed. TOML `[retention_max_days]` SE = 730, or
    # AKTSOM_RETENTION_MAX_DAYS="SE=730,DK=1825".
    retention_max_days: Mapping[str, int] = field(
        default_factory=lambda: {"SE": 730})
    # A legal hold stands until its review date, at most this many days ahead; then it
    # lapses unless renewed, and the purge applies (no endless hold).
    legal_hold_max_days: int = 365
    # A reporter writing a long answer must not lose it to the idle timeout (issue 14 §2);
    # SecureDrop gives sources 120 minutes. "Log out" still ends the session at once.
    reporter_idle_minutes: int = 120
    # How long the case code page can be shown again (reload, Back, language switch) after a
    # report is sent, unless the reporter closes it with "Done" first (issue 14 §1).
    submitted_code_minutes: int = 30
    staff_idle_minutes: int = 30
    staff_absolute_hours: int = 8
    # None: decided by the environment (on in production, off elsewhere).
    cookie_secure: bool | None = None
    hsts: bool | None = None
    smtp_url: str | None = None
    # Hold back the mails that a reporter's action causes (new case, new message) for this
    # many minutes plus a random part of as many again; `aktsom notify` (cron) sends them.
    # 0 sends at once. A delay keeps mail-server logs from dating a report.
    notification_delay_minutes: int = 0
    mail_from: str = "aktsom@localhost"
    # The privacy notice and the DPO's records (GDPR Art. 13/14/30): the `[privacy]` table,
    # see config/privacy.py.
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    # The supplier register (config/suppliers.py): its lists, the "large and important" rule
    # on spend, and the limits on an imported file (a hostile file must not take us down).
    supplier_sectors: tuple[Sector, ...] = DEFAULT_SECTORS
    product_groups: tuple[ProductGroup, ...] = DEFAULT_PRODUCT_GROUPS
    spend_bands: tuple[SpendBand, ...] = DEFAULT_SPEND_BANDS
    large_spend_bands: tuple[str, ...] = DEFAULT_LARGE_SPEND_BANDS
    supplier_import_max_bytes: int = 5 * 1024 * 1024
    supplier_import_max_rows: int = 20_000
    # The supplier Code of Conduct checklist ([[conduct_areas]] code, label, essential), and
    # whether an essential area only partly covered opens a gap as a missing one does.
    conduct_areas: tuple[ConductArea, ...] = DEFAULT_CONDUCT_AREAS
    conduct_gap_on_partly: bool = True
    # The supplier risk model ([risk]: weights, thresholds, reassessment months, sectors).
    risk: RiskSettings = field(default_factory=RiskSettings)
    # Supplier action plans (issue 12 §5): an item this many days past its due date opens a
    # contract review of the supplier (`aktsom suppliers check-overdue`).
    supplier_overdue_grace_days: int = 30
    # The annual account's small-count rule (issue 13 §3, portal/small_counts.py): a count from
    # 1 to k-1 is shown as "< k", with complementary suppression. 1 shows every count; 2 is
    # refused (it would give the hidden cells away, as 0 is shown).
    annual_small_count: int = 3

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def max_request_bytes(self) -> int:
        # Room for the form fields around the files; anything larger is refused with 413.
        return self.max_total_upload_bytes + 1024 * 1024


_ENV_PREFIX = "AKTSOM_"
_SUPPLIER_LISTS: dict[str, Any] = {
    "supplier_sectors": parse_sectors,
    "product_groups": parse_product_groups,
    "spend_bands": parse_spend_bands,
}
_OPTIONAL_BOOLS = {"cookie_secure", "hsts"}
_BOOL_TRUE = {"1", "true", "yes", "on"}
_BOOL_FALSE = {"0", "false", "no", "off"}


def _coerce(name: str, value: Any, target: Any) -> Any:
    """Turn a TOML or environment value into the type of the default it replaces."""
    if value is None or isinstance(value, Argon2Costs | RiskSettings) or name in (
            "categories", "authorities", "privacy", "conduct_areas", *_SUPPLIER_LISTS):
        return value
    if name == "retention_max_days":
        return _country_days(value)
    if name in _OPTIONAL_BOOLS:
        target = False
    if isinstance(target, bool):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _BOOL_TRUE:
            return True
        if text in _BOOL_FALSE:
            return False
        raise SettingsError(f"{name}: expected true or false, got {value!r}")
    if isinstance(target, int):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SettingsError(f"{name}: expected a whole number, got {value!r}") from None
    if isinstance(target, Path):
        return Path(str(value))
    if isinstance(target, tuple):
        items = value if isinstance(value, list) else str(value).split(",")
        return tuple(str(item).strip() for item in items if str(item).strip())
    return str(value)


def _country_days(value: Any) -> dict[str, int]:
    """A country -> days table from TOML (a table) or the environment ("SE=730,DK=1825")."""
    if isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        pairs = []
        for item in str(value).split(","):
            if item.strip():
                country, _, days = item.partition("=")
                pairs.append((country, days))
    table: dict[str, int] = {}
    for country, days in pairs:
        code = str(country).strip().upper()
        if len(code) != 2 or not code.isalpha():
            raise SettingsError(f"retention_max_days: {country!r} is not a two-letter country")
        try:
            table[code] = int(str(days).strip())
        except ValueError:
            raise SettingsError(f"retention_max_days.{code}: expected a whole number") from None
        if table[code] <= 0:
            raise SettingsError(f"retention_max_days.{code}: must be positive")
    return table


def _field_defaults() -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    for item in dataclasses.fields(Settings):
        if item.default is not dataclasses.MISSING:
            defaults[item.name] = item.default
        elif item.default_factory is not dataclasses.MISSING:
            defaults[item.name] = item.default_factory()
    return defaults


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SettingsError(f"AKTSOM_CONFIG: no such file {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"AKTSOM_CONFIG: {path} is not valid TOML ({error})") from None


def load_settings(
    environ: Mapping[str, str] | None = None, **overrides: Any
) -> Settings:
    """Read settings from defaults, the TOML file, the environment, then `overrides`.

    `overrides` exist for tests and the CLI; they win over everything else.
    """
    environ = os.environ if environ is None else environ
    values = _field_defaults()
    defaults = dict(values)
    env_name = overrides.get("env") or environ.get("AKTSOM_ENV") or "development"
    if env_name == "test":
        values["argon2"] = TEST_ARGON2

    raw: dict[str, Any] = {}
    config_path = environ.get("AKTSOM_CONFIG")
    if config_path:
        raw.update(_read_toml(Path(config_path)))
    for name in values:
        key = _ENV_PREFIX + name.upper()
        if key in environ:
            raw[name] = environ[key]
    for key in ("time_cost", "memory_cost_kib", "parallelism"):
        env_key = f"{_ENV_PREFIX}ARGON2_{key.upper()}"
        if env_key in environ:
            raw.setdefault("argon2", {})
            raw["argon2"] = {**dict(raw["argon2"]), key: environ[env_key]}

    for name, value in raw.items():
        if name not in values:
            raise SettingsError(f"{name}: unknown setting")
        if name == "categories":
            values["categories"] = _categories(value)
        elif name == "authorities":
            values["authorities"] = _authorities(value)
        elif name == "privacy":
            try:
                values["privacy"] = parse_privacy(value)
            except PrivacySettingsError as error:
                raise SettingsError(str(error)) from None
        elif name in _SUPPLIER_LISTS:
            try:
                values[name] = _SUPPLIER_LISTS[name](value)
            except SupplierListError as error:
                raise SettingsError(str(error)) from None
        elif name in ("conduct_areas", "risk"):
            try:
                values[name] = (parse_conduct_areas(value) if name == "conduct_areas"
                                else parse_risk_settings(value))
            except (ConductSettingsError, RiskSettingsError) as error:
                raise SettingsError(str(error)) from None
        elif name == "argon2":
            base = dataclasses.asdict(values["argon2"])
            if not isinstance(value, dict):
                raise SettingsError(
                    "argon2: expected a table of time_cost, memory_cost_kib, parallelism"
                )
            for key, item in value.items():
                if key not in base:
                    raise SettingsError(f"argon2.{key}: unknown setting")
                base[key] = _coerce(f"argon2.{key}", item, 0)
            values["argon2"] = Argon2Costs(**base)
        else:
            values[name] = _coerce(name, value, defaults[name])
    for name, value in overrides.items():
        if name not in values:
            raise SettingsError(f"{name}: unknown setting")
        values[name] = _coerce(name, value, defaults[name])
    return validate(_fill_derived(Settings(**values)))


def _categories(value: Any) -> tuple[Category, ...]:
    if not isinstance(value, list) or not value:
        raise SettingsError("categories: expected a non-empty array of tables")
    result = []
    for item in value:
        if not isinstance(item, dict) or not {"code", "label"} <= item.keys():
            raise SettingsError("categories: every entry needs a code and a label")
        result.append(Category(str(item["code"]), str(item["label"]),
                               bool(item.get("human_rights", False))))
    if len({item.code for item in result}) != len(result):
        raise SettingsError("categories: codes must be unique")
    return tuple(result)


def _authorities(value: Any) -> tuple[Authority, ...]:
    if not isinstance(value, list):
        raise SettingsError("authorities: expected an array of tables")
    result = []
    for item in value:
        if not isinstance(item, dict) or not {"country", "name", "url"} <= item.keys():
            raise SettingsError("authorities: every entry needs a country, a name and a url")
        url = str(item["url"])
        if not url.startswith("https://"):
            raise SettingsError("authorities: a url must start with https://")
        source = str(item.get("source", ""))
        if source and not source.startswith("https://"):
            raise SettingsError("authorities: a source must start with https://")
        result.append(Authority(str(item["country"]).upper(), str(item["name"]),
                                str(item.get("area", "")), url, source,
                                bool(item.get("confirm", False))))
    return tuple(result)


def _fill_derived(settings: Settings) -> Settings:
    """Defaults that depend on other settings (paths under the instance folder)."""
    changes: dict[str, Any] = {}
    if not settings.database_url:
        path = (settings.instance_dir / "aktsom.sqlite3").resolve()
        changes["database_url"] = f"sqlite:///{path}"
    if settings.storage_dir == Path("instance/storage"):
        changes["storage_dir"] = settings.instance_dir / "storage"
    if settings.server_keys_file == Path("instance/server-keys.json"):
        changes["server_keys_file"] = settings.instance_dir / "server-keys.json"
    # Secure cookies and HSTS are the production default; validate() refuses Secure off there.
    if settings.cookie_secure is None:
        changes["cookie_secure"] = settings.is_production
    if settings.hsts is None:
        changes["hsts"] = settings.is_production
    if not settings.secret_key and not settings.is_production:
        # Development and tests get a fresh random key per start: sessions do not survive a
        # restart, which is harmless there and never a weak shared default.
        changes["secret_key"] = secrets.token_urlsafe(48)
    return dataclasses.replace(settings, **changes) if changes else settings


_NETWORK_PATH_PREFIXES = ("//", "\\\\", "/mnt/", "/net/", "/smb/", "/nfs/")


def validate(settings: Settings) -> Settings:
    """Refuse unsafe or inconsistent settings with one line naming the setting."""
    if settings.env not in ENVIRONMENTS:
        raise SettingsError(f"AKTSOM_ENV: must be one of {', '.join(ENVIRONMENTS)}")
    _validate_time_zone(settings.time_zone)
    if settings.default_language not in settings.languages:
        raise SettingsError("AKTSOM_DEFAULT_LANGUAGE: must be one of AKTSOM_LANGUAGES")
    unknown = [code for code in settings.languages if code not in LANGUAGE_CODES]
    if unknown:
        raise SettingsError(f"AKTSOM_LANGUAGES: unknown language {unknown[0]!r} "
                            f"(known: {' '.join(LANGUAGE_CODES)})")
    for name in ("max_file_bytes", "max_total_upload_bytes", "acknowledgement_days",
                 "feedback_months", "meeting_days", "retention_days", "retention_unfounded_days",
                 "legal_hold_max_days", "reporter_idle_minutes",
                 "staff_idle_minutes", "staff_absolute_hours", "max_image_pixels",
                 "metadata_seconds", "metadata_memory_mib", "metadata_at_once",
                 "information_request_retention_days", "submitted_code_minutes",
                 "annual_account_reminder_days"):
        if getattr(settings, name) <= 0:
            raise SettingsError(f"AKTSOM_{name.upper()}: must be positive")
    if settings.transparency_publication_url and not settings.transparency_publication_url \
            .startswith("https://"):
        raise SettingsError("AKTSOM_TRANSPARENCY_PUBLICATION_URL: must start with https://")
    if settings.retention_unfounded_days > settings.retention_days:
        raise SettingsError("AKTSOM_RETENTION_UNFOUNDED_DAYS: longer than AKTSOM_RETENTION_DAYS")
    if not set(settings.large_spend_bands) <= {band.code for band in settings.spend_bands}:
        raise SettingsError("AKTSOM_LARGE_SPEND_BANDS: every band must be one of spend_bands")
    if settings.supplier_import_max_bytes <= 0 or settings.supplier_import_max_rows <= 0:
        raise SettingsError("AKTSOM_SUPPLIER_IMPORT_MAX_*: must be positive")
    if settings.supplier_overdue_grace_days < 0:
        raise SettingsError("AKTSOM_SUPPLIER_OVERDUE_GRACE_DAYS: must be 0 or more")
    if settings.annual_small_count < 1 or settings.annual_small_count == 2:
        raise SettingsError("AKTSOM_ANNUAL_SMALL_COUNT: must be 1 (off) or 3 or more")
    if settings.notification_delay_minutes < 0:
        raise SettingsError("AKTSOM_NOTIFICATION_DELAY_MINUTES: must be 0 or more")
    if settings.trusted_proxies < 0:
        raise SettingsError("AKTSOM_TRUSTED_PROXIES: must be 0 or more")
    if settings.workers < 1:
        raise SettingsError("AKTSOM_WORKERS: must be 1 or more")
    if settings.workers > 1 and not settings.redis_url:
        # Each process would count on its own: every limit would be multiplied by the workers.
        raise SettingsError(
            "AKTSOM_WORKERS: more than one worker needs AKTSOM_REDIS_URL, so that all workers "
            "share the rate-limit counters; set it, or run one worker"
        )
    if settings.max_file_bytes > settings.max_total_upload_bytes:
        raise SettingsError("AKTSOM_MAX_FILE_BYTES: larger than AKTSOM_MAX_TOTAL_UPLOAD_BYTES")
    if not settings.database_url.startswith(("sqlite", "postgresql")):
        raise SettingsError("AKTSOM_DATABASE_URL: only sqlite and postgresql are supported")
    if settings.is_production:
        _validate_production(settings)
    return settings


def _validate_time_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            "AKTSOM_TIME_ZONE: not a known time zone; use an IANA name such as Europe/Oslo"
        ) from None


# The Directive's outer limits (2019/1937 Art. 9(1)(b) and (f)): a customer may promise less
# time, never more (issue 11 §1).
LEGAL_ACKNOWLEDGEMENT_DAYS = 7
LEGAL_FEEDBACK_MONTHS = 3
# Art. 9(2) gives no number for a meeting, only "a reasonable timeframe". A meeting is a way
# of making the report, so it must fit well inside the three months of feedback: 30 days
# leaves two of them to follow up what was said, and matches the month that GDPR Art. 12(3)
# allows for answering a person's request.
MAX_MEETING_DAYS = 30


def _validate_production(settings: Settings) -> None:
    if settings.acknowledgement_days > LEGAL_ACKNOWLEDGEMENT_DAYS:
        raise SettingsError(
            f"AKTSOM_ACKNOWLEDGEMENT_DAYS: at most {LEGAL_ACKNOWLEDGEMENT_DAYS} (Directive "
            f"2019/1937 Art. 9(1)(b))")
    if settings.feedback_months > LEGAL_FEEDBACK_MONTHS:
        raise SettingsError(
            f"AKTSOM_FEEDBACK_MONTHS: at most {LEGAL_FEEDBACK_MONTHS} (Directive 2019/1937 "
            f"Art. 9(1)(f))")
    if settings.meeting_days > MAX_MEETING_DAYS:
        raise SettingsError(
            f"AKTSOM_MEETING_DAYS: at most {MAX_MEETING_DAYS} (a reasonable time for the "
            f"meeting of Directive 2019/1937 Art. 9(2))")
    if len(settings.secret_key) < MIN_SECRET_KEY_LENGTH or len(set(settings.secret_key)) < 10:
        raise SettingsError(
            f"AKTSOM_SECRET_KEY: production needs a random key of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters (python -c 'import secrets; "
            f"print(secrets.token_urlsafe(48))')"
        )
    if not settings.cookie_secure:
        raise SettingsError("AKTSOM_COOKIE_SECURE: production cookies must be Secure")
    if not settings.hsts:
        # Without HSTS the first request of a reporter can be downgraded to plain HTTP.
        raise SettingsError("AKTSOM_HSTS: production must send HSTS (Strict-Transport-Security)")
    if settings.database_url.startswith("sqlite"):
        path = settings.database_url.split("sqlite:///", 1)[-1]
        if path.startswith(_NETWORK_PATH_PREFIXES):
            raise SettingsError(
                "AKTSOM_DATABASE_URL: SQLite on a network path loses data; use a local disk "
                "or PostgreSQL"
            )
    costs = settings.argon2
    if (costs.time_cost < RFC9106_MIN.time_cost
            or costs.memory_cost_kib < RFC9106_MIN.memory_cost_kib
            or costs.parallelism < RFC9106_MIN.parallelism):
        raise SettingsError(
            "AKTSOM_ARGON2_*: production needs at least t=3, m=65536 KiB, p=1 (RFC 9106)"
        )
