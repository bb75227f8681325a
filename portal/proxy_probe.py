"""`GET /.well-known/aktsom/proxy`: what the app sees of the reverse proxy in front of it, so
`aktsom doctor --url` can tell whether X-Forwarded-Proto and X-Forwarded-For arrive and are
trusted (AKTSOM_TRUSTED_PROXIES). It answers with two facts and never with an address."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

PROXY_PROBE_PATH = "/.well-known/aktsom/proxy"

proxy_probe_bp = Blueprint("proxy_probe", __name__)


def proxy_probe() -> Response:
    # werkzeug's ProxyFix keeps the headers it applied under this key; without it (no trusted
    # proxy) the forwarded headers are ignored, which is what the operator needs to know.
    applied = "werkzeug.proxy_fix.orig" in request.environ
    return jsonify(scheme=request.scheme, proxy_headers_trusted=applied,
                   forwarded_for_seen=bool(request.headers.get("X-Forwarded-For")))


proxy_probe_bp.add_url_rule(PROXY_PROBE_PATH, "probe", proxy_probe, methods=["GET"])
