"""The reporter portal: `create_app(settings)` builds the public Flask app."""

from __future__ import annotations

from flask import Flask

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
from portal.storage import init_file_store
from portal.template_cache import init_template_cache
from portal.upload_spool import init_sealed_uploads

REPORTER_COOKIE = "aktsom_reporter_csrf"


def create_app(settings: Settings | None = None) -> Flask:
    """Wire the reporter app. No I/O beyond reading settings: migrations are `aktsom init`'s."""
    settings = settings or load_settings()
    app = Flask(__name__)
    app.extensions[SETTINGS] = settings
    configure_cookies(app, settings, REPORTER_COOKIE)
    init_proxy(app, settings)
    init_security_headers(app, settings)
    init_input_checks(app, file_fields=("attachments",))
    init_csrf(app)
    init_i18n(app, settings, home_url="/")
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
    from portal.information.views import bp as information_bp
    from portal.pages import bp as pages_bp
    from portal.proxy_probe import proxy_probe_bp
    from portal.reports.minutes import bp as minutes_bp
    from portal.reports.views import bp as reports_bp
    from portal.routines.views import bp as routines_bp
    from portal.transparency import bp as transparency_bp

    app.register_blueprint(pages_bp)
    app.register_blueprint(proxy_probe_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(minutes_bp)
    app.register_blueprint(information_bp)
    app.register_blueprint(routines_bp)
    app.register_blueprint(transparency_bp)


def rate_limits(settings: Settings) -> dict[str, str]:
    return {
        "reports.report": settings.rate_limit_report,
        "reports.followup": settings.rate_limit_followup,
        "reports.case_message": settings.rate_limit_report,
        # The public may file information requests as it may file reports (issue 13 §1).
        "information.information_request": settings.rate_limit_report,
    }
