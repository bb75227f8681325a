"""The staff app: `create_app(settings)` builds the admin Flask app, served under
`portal.paths.STAFF_PREFIX` (/admin)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader

import portal
from admin.time_zone import configure_time_zone, init_zoned_filters
from config import Settings, load_settings
from portal.db import init_db, make_engine
from portal.extensions import SETTINGS
from portal.hardening import (
    configure_cookies,
    init_csrf,
    init_error_pages,
    init_proxy,
    init_rate_limits,
    init_security_headers,
)
from portal.i18n import init_i18n
from portal.input_checks import init_input_checks
from portal.outage import init_outage_pages
from portal.outside_records import init_outside_records
from portal.paths import STAFF_PREFIX
from portal.storage import init_file_store
from portal.template_cache import init_template_cache
from portal.upload_spool import init_sealed_uploads

STAFF_COOKIE = "aktsom_staff_csrf"
_PORTAL_DIR = Path(portal.__file__).parent


def create_app(settings: Settings | None = None) -> Flask:
    """Wire the staff app. Its URLs all live under STAFF_PREFIX so it can share a host with
    the portal or stand alone on its own host (with its own cookie, scoped to that path)."""
    settings = settings or load_settings()
    app = Flask(
        __name__,
        static_folder=str(_PORTAL_DIR / "static"),
        static_url_path=f"{STAFF_PREFIX}/static",
    )
    # Staff pages extend the shared layout from the portal's templates.
    app.jinja_loader = ChoiceLoader(
        [FileSystemLoader(str(Path(__file__).parent / "templates")),
         FileSystemLoader(str(_PORTAL_DIR / "templates"))]
    )
    app.extensions[SETTINGS] = settings
    configure_cookies(app, settings, STAFF_COOKIE, path=STAFF_PREFIX,
                      form_lifetime=timedelta(hours=settings.staff_absolute_hours))
    init_proxy(app, settings)
    init_security_headers(app, settings)
    # The staff side's only file fields: the supplier list (supplier_dd.views) and the country
    # table (supplier_dd.risk_views).
    init_input_checks(app, file_fields=("supplier_list", "country_table"))
    init_csrf(app)
    configure_time_zone(app, settings)
    init_i18n(app, settings, home_url=f"{STAFF_PREFIX}/", url_prefix=STAFF_PREFIX, staff=True)
    init_zoned_filters(app)
    init_db(app, make_engine(settings.database_url))
    init_outside_records(app, settings)
    init_file_store(app, settings.storage_dir)
    init_sealed_uploads(app)
    init_error_pages(app)
    init_outage_pages(app)
    init_blueprints(app)
    init_rate_limits(app, settings, rate_limits(settings))
    init_template_cache(app)
    return app


def init_blueprints(app: Flask) -> None:
    # Modules adding routes to the suppliers blueprint beside views.py (issue 12 §2-4).
    import supplier_dd.conduct_views  # noqa: F401
    import supplier_dd.risk_views  # noqa: F401
    from admin.accounts.views import bp as accounts_bp
    from admin.annual.figure_views import bp as annual_figures_bp
    from admin.annual.views import bp as annual_accounts_bp
    from admin.approvals.views import bp as approvals_bp
    from admin.audit.views import bp as audit_bp
    from admin.auth.views import bp as auth_bp
    from admin.cases import bp as cases_bp
    from admin.home import bp as home_bp
    from admin.information.views import bp as information_bp
    from admin.languages.views import bp as languages_bp
    from admin.privacy.views import bp as privacy_bp
    from admin.retention.views import bp as retention_bp
    from admin.routines.views import bp as routines_bp
    from portal.access import init_sign_in_guard
    from portal.staff_menu import init_staff_menu
    from supplier_dd.signals_in import connect_receivers
    from supplier_dd.views import bp as suppliers_bp

    # Every route of the staff app needs a sign-in, except the few public_endpoints.
    init_sign_in_guard(app)
    # The navigation each blueprint declares (portal.staff_menu), in the staff layout.
    init_staff_menu(app)
    app.register_blueprint(home_bp, url_prefix=STAFF_PREFIX)
    app.register_blueprint(auth_bp, url_prefix=STAFF_PREFIX)
    app.register_blueprint(accounts_bp, url_prefix=STAFF_PREFIX)
    app.register_blueprint(approvals_bp, url_prefix=STAFF_PREFIX)
    app.register_blueprint(audit_bp, url_prefix=STAFF_PREFIX)
    app.register_blueprint(cases_bp, url_prefix=STAFF_PREFIX)
    app.register_blueprint(suppliers_bp, url_prefix=STAFF_PREFIX)
    app.register_blueprint(information_bp, url_prefix=STAFF_PREFIX)
    app.register_blueprint(annual_figures_bp, url_prefix=STAFF_PREFIX)
    app.register_blueprint(retention_bp, url_prefix=STAFF_PREFIX)
    app.register_blueprint(privacy_bp, url_prefix=STAFF_PREFIX)
    app.register_blueprint(languages_bp, url_prefix=STAFF_PREFIX)
    app.register_blueprint(routines_bp, url_prefix=STAFF_PREFIX)
    app.register_blueprint(annual_accounts_bp, url_prefix=STAFF_PREFIX)
    # A substantiated breach in a linked case opens a contract review (portal.signals).
    connect_receivers()


def rate_limits(settings: Settings) -> dict[str, str]:
    # Password checks are rate limited per (hashed) client, besides the per-account lock.
    return {
        "auth.login": settings.rate_limit_login,
        "auth.enrol_authenticator": settings.rate_limit_login,
        "auth.change_password": settings.rate_limit_login,
        "auth.show_totp": settings.rate_limit_login,
    }
