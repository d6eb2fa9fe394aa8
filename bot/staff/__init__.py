"""The staff console: a small Flask app over the app database and the transcripts.

``create_app(config=None)`` builds it; ``python -m bot.staff serve`` runs it with
waitress, and ``python -m bot.staff create-staff-user`` adds an account. See
docs/staff-console.md.
"""
from bot.staff.app import create_app

__all__ = ["create_app"]
