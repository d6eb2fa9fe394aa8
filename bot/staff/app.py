"""The staff console's Flask app factory."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Mapping, Optional
from zoneinfo import ZoneInfo

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from bot import codes
from bot.staff import auth, body, labels, queries, views
from bot.staff.settings import build_config
from bot.store.engine import session_scope

log = logging.getLogger(__name__)

csrf = CSRFProtect()

CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
])

ERROR_TEXT = {
    400: ("The request could not be used", "Go back, reload the page and try again."),
    403: ("Not allowed", "Your role does not allow this page or action. "
          "Ask an administrator if you need it."),
    404: ("Not found", "There is no such page or handoff."),
    405: ("Not allowed", "This address does not take that kind of request."),
    413: ("Too long", "That was more text than a form here takes."),
    500: ("Something went wrong", "The error was logged. Try again, and tell the administrator "
          "if it keeps happening."),
}


def create_app(config: Optional[Mapping[str, Any]] = None) -> Flask:
    """The console app. ``config`` overrides settings (see bot.staff.settings)."""
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(build_config(config))
    if app.config["STAFF_PROXY_FIX"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]

    # Sign-in first: a form posted without a session is turned away before CSRF looks.
    app.before_request(auth.load_user)
    csrf.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(views.bp)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        if request.endpoint != "static":
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        else:
            headers["Cache-Control"] = "no-cache"
        if app.config["STAFF_COOKIE_SECURE"]:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    def error_page(code: int, title: Optional[str] = None, text: Optional[str] = None):
        default_title, default_text = ERROR_TEXT.get(code, ERROR_TEXT[500])
        return render_template("error.html", code=code, title=title or default_title,
                               text=text or default_text), code

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        log.warning("form refused: %s", error.description)
        return error_page(400, "This form has expired",
                          "For safety, forms only work for a while and only from this site. "
                          "Go back, reload the page and send it again.")

    @app.errorhandler(HTTPException)
    def http_error(error):
        return error_page(error.code or 500)

    @app.errorhandler(Exception)
    def server_error(error):
        # The traceback names code lines only; ids, never patient data, in the message.
        log.exception("unhandled error on %s %s", request.method, request.endpoint)
        return error_page(500)

    zone = ZoneInfo(app.config["STAFF_TIMEZONE"])

    def localtime(value: Optional[datetime], fmt: str = "%a %-d %b %Y, %-I:%M %p") -> str:
        if value is None:
            return ""
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(zone).strftime(fmt).replace("AM", "am").replace("PM", "pm")

    def ago(value: Optional[datetime]) -> str:
        if value is None:
            return ""
        moment = auth.now()
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        seconds = int((moment - value).total_seconds())
        if seconds < 60:
            return "just now"
        if seconds < 3600:
            return f"{seconds // 60} min ago"
        if seconds < 86400:
            hours = seconds // 3600
            return f"{hours} h ago"
        days = seconds // 86400
        return "yesterday" if days == 1 else f"{days} days ago"

    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["ago"] = ago
    app.jinja_env.filters["phone"] = labels.phone
    app.jinja_env.globals.update(
        labels=labels, codes=codes, can=auth.can, label=labels.label, body=body,
        timezone_name=app.config["STAFF_TIMEZONE"],
    )

    @app.context_processor
    def header_counts():
        user = g.get("user")
        if user is None:
            return {"user": None, "failed_count": 0, "emergency_count": 0}
        try:
            with session_scope(app.config["DATABASE_URL"]) as db:
                failed = queries.failed_delivery_count(db)
                emergencies = queries.open_emergency_count(db)
        except Exception:
            log.exception("header counts failed")
            failed = emergencies = 0
        return {"user": user, "failed_count": failed, "emergency_count": emergencies,
                "idle_seconds": app.config["STAFF_IDLE_MINUTES"] * 60}

    return app
