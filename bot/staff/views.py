"""The console's pages and actions. Every view, export and change is audited.

Audit ``detail`` holds ids, codes and counts only: never names, phone numbers,
patient words, note text or override reasons (those stay in their own tables).
Application logs carry ids only.
"""
from __future__ import annotations

import importlib
import json
import logging
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy.orm import selectinload

from bot import codes
from bot.staff import labels, queries
from bot.staff.auth import audit, current_user, now, remote_addr, require
from bot.staff.report import build_report, clinic_provider
from bot.staff.transcripts import TranscriptUnavailable, read_transcript
from bot.store import repository
from bot.store.engine import session_scope
from bot.store.models import REVIEW_STATUSES, Handoff, SpecialistOverride

log = logging.getLogger(__name__)

bp = Blueprint("main", __name__)

NOTE_LIMIT = 4000
REASON_LIMIT = 1000
REASON_MIN = 5
# Changes shown in a handoff's history (views are in the admins' audit log only).
CHANGE_ACTIONS = ("handoff.review_status", "handoff.note_added",
                  "handoff.specialist_override", "outbox.requeue", "handoff.export")


def _db():
    return session_scope(current_app.config["DATABASE_URL"])


def tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["STAFF_TIMEZONE"])


def _day(value: Optional[str], errors: List[str], name: str) -> Optional[date]:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(f"The {name} date must look like 2024-05-31.")
        return None


def day_range(start: Optional[date], end: Optional[date]) -> Tuple[Optional[datetime], Optional[datetime]]:
    """Local calendar days (both inclusive) as UTC instants [since, until)."""
    zone = tz()
    since = datetime.combine(start, time.min, zone).astimezone(timezone.utc) if start else None
    until = (datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(timezone.utc)
             if end else None)
    return since, until


def _choice(value: Optional[str], allowed, default=None) -> Optional[str]:
    return value if value in allowed else default


def _page() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 10_000))
    except ValueError:
        return 1


def _handoff(db, handoff_id: str) -> Handoff:
    if len(handoff_id) > 64:
        abort(404)
    handoff = db.get(Handoff, handoff_id, options=[
        selectinload(Handoff.specialist_overrides), selectinload(Handoff.notes)])
    if handoff is None:
        abort(404)
    return handoff


def _back(handoff_id: str, anchor: str = ""):
    return redirect(url_for("main.handoff", handoff_id=handoff_id) + (f"#{anchor}" if anchor else ""),
                    code=303)


# -- queue -------------------------------------------------------------------------
@bp.route("/")
@require("view")
def index():
    return redirect(url_for("main.queue"))


FILTER_KEYS = ("status", "urgency", "specialist", "channel", "from", "to")


@bp.route("/queue", methods=["GET", "POST"])
@require("view")
def queue():
    if request.method == "POST":
        # The search box holds names and phone numbers: it is posted and kept in the
        # session, never put in a URL (URLs end up in proxy logs and browser history).
        params = {k: v for k in FILTER_KEYS if (v := (request.form.get(k) or "").strip())}
        search = (request.form.get("q") or "").strip()[:100]
        if search:
            session["queue_search"] = search
            params["s"] = "1"
        else:
            session.pop("queue_search", None)
        return redirect(url_for("main.queue", **params), code=303)
    args = request.args
    errors: List[str] = []
    start = _day(args.get("from"), errors, "from")
    end = _day(args.get("to"), errors, "to")
    since, until = day_range(start, end)
    if args.get("s") == "1":
        search = str(session.get("queue_search") or "")[:100]
    else:
        session.pop("queue_search", None)
        search = ""
    f = queries.QueueFilter(
        status=_choice(args.get("status"), queries.STATUS_CHOICES, queries.OPEN),
        urgency=_choice(args.get("urgency"), codes.URGENCIES + ("emergency",)),
        specialist=_choice(args.get("specialist"), codes.SPECIALISTS),
        channel=_choice(args.get("channel"), codes.CHANNELS),
        since=since, until=until, search=search or None,
    )
    size = current_app.config["STAFF_PAGE_SIZE"]
    page = _page()
    with _db() as db:
        rows, total = queries.queue(db, f, limit=size, offset=(page - 1) * size)
        items = [_queue_item(h) for h in rows]
        audit("queue.view", None, None, {
            "filters": {"status": f.status, "urgency": f.urgency, "specialist": f.specialist,
                        "channel": f.channel, "from": args.get("from") or None,
                        "to": args.get("to") or None, "search": bool(search)},
            "page": page, "count": len(items), "shown": [i["id"] for i in items],
        }, db=db)
    emergencies = [i for i in items if i["emergency"]]
    others = [i for i in items if not i["emergency"]]
    filters = {"status": f.status, "urgency": f.urgency or "", "specialist": f.specialist or "",
               "channel": f.channel or "", "from": start.isoformat() if start else "",
               "to": end.isoformat() if end else "", "q": search}
    return render_template(
        "queue.html", emergencies=emergencies, others=others, total=total, page=page,
        pages=max(1, -(-total // size)), size=size, filters=filters, errors=errors,
        filtered=any(v for k, v in filters.items() if k != "status") or f.status != queries.OPEN,
    )


def _queue_item(h: Handoff) -> Dict[str, Any]:
    try:
        payload = json.loads(h.payload)
    except ValueError:
        payload = {}
    complaint = (payload.get("complaint") or {}).get("patient_words") or ""
    override = h.current_override
    return {
        "id": h.handoff_id,
        "urgency": h.urgency,
        "emergency": h.is_emergency,
        "created_at": h.created_at,
        "name": h.patient_name,
        "phone": h.patient_phone,
        "complaint": complaint,
        "red_flags": [labels.label(labels.RED_FLAG, f.get("code"))
                      for f in payload.get("red_flags") or [] if isinstance(f, dict)],
        "specialist": h.effective_specialist,
        "changed": override is not None,
        "channel": h.channel,
        "review_status": h.review_status,
        "status": h.status,
    }


# -- one handoff -------------------------------------------------------------------
@bp.route("/handoffs/<handoff_id>")
@require("view")
def handoff(handoff_id: str):
    with _db() as db:
        h = _handoff(db, handoff_id)
        try:
            payload = json.loads(h.payload)
        except ValueError:
            log.error("handoff %s has a payload that is not JSON", h.handoff_id)
            payload = {}
        record = h.intake.record if h.intake is not None else {}
        report = build_report(payload, record, today=now().astimezone(tz()).date())
        outbox = repository.get_outbox(db, h.handoff_id)
        consent = repository.get_sms_consent(db, h.patient_phone) if h.patient_phone else None
        history = queries.handoff_history(db, h.handoff_id, CHANGE_ACTIONS)
        overrides = list(h.specialist_overrides)
        notes = list(h.notes)
        transcript: Optional[List[Dict[str, Any]]]
        try:
            transcript = read_transcript(h.conversation_id, current_app.config["TRACKER_STORE_URL"],
                                         session_at=h.created_at)
            transcript_error = None
        except TranscriptUnavailable as exc:
            log.warning("transcript unavailable for handoff %s (%s)", h.handoff_id, exc)
            transcript, transcript_error = None, "The conversation store could not be read."
        audit("handoff.view", "handoff", h.handoff_id,
              {"transcript_messages": None if transcript is None else len(transcript)}, db=db)
        current = h.current_override
        return render_template(
            "handoff.html", h=h, r=report, outbox=outbox, consent=consent, history=history,
            overrides=overrides, override=current, notes=notes, transcript=transcript,
            transcript_error=transcript_error,
            effective=h.effective_specialist,
            effective_provider=clinic_provider(h.effective_specialist) if current else None,
            specialists=codes.SPECIALISTS, review_statuses=REVIEW_STATUSES,
            # Offer a retry once delivery has failed or been tried, not for a fresh row.
            can_retry=outbox is not None and outbox.status != "delivered" and (
                outbox.status == "failed" or outbox.attempts > 0 or h.status == "failed"),
        )


@bp.route("/handoffs/<handoff_id>/status", methods=["POST"])
@require("set_status")
def set_status(handoff_id: str):
    status = request.form.get("status")
    if status not in REVIEW_STATUSES:
        flash("Choose reviewed, scheduled or closed.", "error")
        return _back(handoff_id)
    with _db() as db:
        h = _handoff(db, handoff_id)
        repository.set_review_status(db, h.handoff_id, status, actor=current_user().username,
                                     remote_addr=remote_addr())
    flash(f"Marked {labels.REVIEW_STATUS[status].lower()}.", "ok")
    return _back(handoff_id)


@bp.route("/handoffs/<handoff_id>/specialist", methods=["POST"])
@require("change_specialist")
def change_specialist(handoff_id: str):
    target = request.form.get("specialist")
    reason = " ".join((request.form.get("reason") or "").split())
    with _db() as db:
        h = _handoff(db, handoff_id)
        before = h.effective_specialist
        problem = None
        if target not in codes.SPECIALISTS:
            problem = "Choose the specialist to suggest instead."
        elif target == before:
            problem = f"{labels.SPECIALIST[target]} is already the suggested specialist."
        elif len(reason) < REASON_MIN:
            problem = "Give a reason for the change (a few words at least)."
        elif len(reason) > REASON_LIMIT:
            problem = f"Keep the reason under {REASON_LIMIT} characters."
        if problem:
            flash(problem, "error")
            return _back(handoff_id, "specialist")
        row = SpecialistOverride(handoff=h, from_specialist=before, to_specialist=target,
                                 reason=reason, actor=current_user().username, at=now())
        db.add(row)
        db.flush()
        audit("handoff.specialist_override", "handoff", h.handoff_id,
              {"from": before, "to": target, "override_id": row.id}, db=db)
    log.info("specialist changed on handoff %s", handoff_id)
    flash(f"Suggested specialist changed to {labels.SPECIALIST[target]}.", "ok")
    return _back(handoff_id, "specialist")


@bp.route("/handoffs/<handoff_id>/notes", methods=["POST"])
@require("add_note")
def add_note(handoff_id: str):
    text = (request.form.get("text") or "").strip()
    if not text:
        flash("The note is empty.", "error")
        return _back(handoff_id, "notes")
    if len(text) > NOTE_LIMIT:
        flash(f"Keep notes under {NOTE_LIMIT} characters.", "error")
        return _back(handoff_id, "notes")
    with _db() as db:
        h = _handoff(db, handoff_id)
        repository.add_staff_note(db, h.handoff_id, current_user().username, text,
                                  remote_addr=remote_addr())
    flash("Note added.", "ok")
    return _back(handoff_id, "notes")


@bp.route("/handoffs/<handoff_id>/retry", methods=["POST"])
@require("retry_delivery")
def retry_delivery(handoff_id: str):
    with _db() as db:
        h = _handoff(db, handoff_id)
        row = repository.get_outbox(db, h.handoff_id)
        if row is None:
            flash("This handoff has no delivery to retry.", "error")
            return _back(handoff_id, "delivery")
        try:
            repository.requeue_outbox(db, row.id, actor=current_user().username,
                                      remote_addr=remote_addr(), now=now())
        except ValueError:
            flash("This handoff was already delivered.", "error")
            return _back(handoff_id, "delivery")
    flash("Delivery queued: the outbox worker will send it again now.", "ok")
    return _back(handoff_id, "delivery")


# -- exports -----------------------------------------------------------------------
def _download(body: bytes, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/handoffs/<handoff_id>/export.json")
@require("export")
def export_json(handoff_id: str):
    with _db() as db:
        h = _handoff(db, handoff_id)
        body = h.body  # the stored bytes, exactly as posted and signed
        audit("handoff.export", "handoff", h.handoff_id, {"format": "json"}, db=db)
    return _download(body, f"handoff-{handoff_id}.json", "application/json")


def _fhir_builder():
    """``bot.handoff.fhir.build_bundle``, imported only when asked for."""
    module = importlib.import_module("bot.handoff.fhir")
    return getattr(module, "build_bundle")


@bp.route("/handoffs/<handoff_id>/export.fhir.json")
@require("export")
def export_fhir(handoff_id: str):
    with _db() as db:
        h = _handoff(db, handoff_id)
        payload = json.loads(h.payload)
        problem = None
        bundle: Any = payload.get("fhir")
        if bundle is None:
            try:
                bundle = _fhir_builder()(payload)
            except ModuleNotFoundError as exc:
                if exc.name and exc.name.startswith("bot.handoff"):
                    problem = ("FHIR export is not available in this version yet "
                               "(the FHIR module, bot.handoff.fhir, is not installed). "
                               "The JSON export has everything the handoff holds.")
                else:
                    problem = "FHIR export is not available: a package it needs is missing."
                    log.error("FHIR export: missing package %s", exc.name)
            except (ImportError, AttributeError):
                problem = "FHIR export is not available: the FHIR module could not be loaded."
                log.exception("FHIR module could not be loaded")
            except Exception:
                problem = "The FHIR bundle could not be built for this handoff."
                log.exception("FHIR bundle failed for handoff %s", h.handoff_id)
        if problem:
            audit("handoff.export_unavailable", "handoff", h.handoff_id, {"format": "fhir"}, db=db)
        else:
            audit("handoff.export", "handoff", h.handoff_id, {"format": "fhir"}, db=db)
    if problem:
        flash(problem, "error")
        return _back(handoff_id, "export")
    if hasattr(bundle, "json") and callable(bundle.json):
        text = bundle.json()
    else:
        text = json.dumps(bundle, ensure_ascii=False, indent=2)
    body = text.encode("utf-8") if isinstance(text, str) else text
    return _download(body, f"handoff-{handoff_id}.fhir.json", "application/fhir+json")


# -- admin -------------------------------------------------------------------------
@bp.route("/audit")
@require("view_audit")
def audit_log():
    args = request.args
    errors: List[str] = []
    start = _day(args.get("from"), errors, "from")
    end = _day(args.get("to"), errors, "to")
    since, until = day_range(start, end)
    actor = (args.get("actor") or "").strip()[:128] or None
    action = (args.get("action") or "").strip()[:64] or None
    target = (args.get("target") or "").strip()[:64] or None
    size = current_app.config["STAFF_PAGE_SIZE"] * 2
    page = _page()
    with _db() as db:
        events, total = queries.audit_events(db, actor=actor, action=action, target_id=target,
                                             since=since, until=until, limit=size,
                                             offset=(page - 1) * size)
        actors = queries.audit_actors(db)
        actions = queries.audit_actions(db)
        audit("audit.view", None, None, {
            "filters": {"actor": actor, "action": action, "target": target,
                        "from": args.get("from") or None, "to": args.get("to") or None},
            "page": page}, db=db)
    return render_template(
        "audit.html", events=events, total=total, page=page, pages=max(1, -(-total // size)),
        actors=actors, actions=sorted(set(actions) | set(labels.ACTION)), errors=errors,
        filters={"actor": actor or "", "action": action or "", "target": target or "",
                 "from": start.isoformat() if start else "", "to": end.isoformat() if end else ""},
    )


@bp.route("/users")
@require("view_users")
def users():
    with _db() as db:
        rows = queries.staff_users(db)
        audit("users.view", None, None, {"count": len(rows)}, db=db)
        moment = now()
        people = [{
            "username": u.username, "role": u.role, "active": u.active,
            "failed_logins": u.failed_logins, "created_at": u.created_at,
            "locked_until": u.locked_until if repository.is_locked(u, moment) else None,
        } for u in rows]
    return render_template("users.html", people=people)
