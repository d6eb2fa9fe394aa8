"""The repository API on SQLite and PostgreSQL: handoffs, outbox, audit log, staff, SMS consent."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from bot.handoff.payload import PATIENT_WORDS_LIMIT
from bot.handoff.schema import canonical_body
from bot.store import repository as repo
from bot.store.engine import get_sessionmaker, session_scope
from bot.store.models import AppendOnlyError, AuditEvent, Handoff, Intake, Outbox

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def save(session, payload, record_dict=None):
    return repo.save_handoff(
        session,
        record_dict=record_dict if record_dict is not None else {"patient_words": "words"},
        payload=payload,
        conversation_id=payload["conversation_id"],
        channel=payload["channel"],
        urgency=payload["triage"]["urgency"],
        specialist=payload["triage"]["specialist"],
    )


def counts(url):
    with session_scope(url) as session:
        return {
            model.__tablename__: session.execute(sa.select(sa.func.count()).select_from(model)).scalar()
            for model in (Intake, Handoff, Outbox)
        }


# -- save_handoff ----------------------------------------------------------------------
def test_save_handoff_writes_intake_handoff_and_outbox(db_url, make_payload, samples):
    payload = make_payload("routine", created_at=T0, channel="sms")
    record = samples.sciatica_record().to_dict()
    with session_scope(db_url) as session:
        handoff = save(session, payload, record)
        handoff_id = handoff.handoff_id

    with session_scope(db_url) as session:
        handoff = repo.get_handoff(session, handoff_id)
        assert handoff.payload.encode("utf-8") == canonical_body(payload) == handoff.body
        assert handoff.payload_dict == payload
        assert (handoff.conversation_id, handoff.channel) == (payload["conversation_id"], "sms")
        assert (handoff.urgency, handoff.specialist) == ("routine", "spine_surgery")
        assert handoff.created_at == T0 and handoff.created_at.tzinfo is not None
        assert (handoff.status, handoff.review_status) == ("pending", "new")
        assert (handoff.patient_name, handoff.patient_phone) == ("Ana María Núñez", "+15551234567")
        intake = handoff.intake
        assert intake.status == "completed" and intake.completed_at is not None
        assert intake.record == json.loads(json.dumps(record))
        assert (intake.urgency, intake.specialist, intake.channel) == ("routine", "spine_surgery", "sms")
        outbox = handoff.outbox
        assert (outbox.priority, outbox.attempts, outbox.status) == (10, 0, "pending")
        assert outbox.next_attempt_at <= datetime.now(timezone.utc)
    assert counts(db_url) == {"intakes": 1, "handoffs": 1, "outbox": 1}


@pytest.mark.parametrize("urgency", ["emergency_911", "emergency_ed"])
def test_emergencies_get_outbox_priority_zero(db_url, make_payload, urgency):
    with session_scope(db_url) as session:
        handoff = save(session, make_payload(urgency))
        assert handoff.outbox.priority == repo.EMERGENCY_PRIORITY == 0
        assert handoff.intake.status == "emergency"
        assert handoff.specialist is None and handoff.is_emergency


@pytest.mark.parametrize("urgency", ["urgent_24h", "routine"])
def test_other_urgencies_get_priority_ten(db_url, make_payload, urgency):
    with session_scope(db_url) as session:
        assert save(session, make_payload(urgency)).outbox.priority == 10


def test_payload_given_as_bytes_is_stored_as_is(db_url, make_payload):
    payload = make_payload("routine")
    body = canonical_body(payload)
    with session_scope(db_url) as session:
        handoff = repo.save_handoff(
            session, record_dict={}, payload=body, conversation_id=payload["conversation_id"],
            channel="web", urgency="routine", specialist="spine_surgery",
        )
        assert handoff.body == body


def test_failure_in_the_middle_writes_nothing(db_url, make_payload):
    seen_before_failure = {}

    def fail_on_outbox(mapper, connection, target):
        # The intake and the handoff rows are already inserted in this transaction...
        seen_before_failure["handoffs"] = connection.execute(
            sa.select(sa.func.count()).select_from(Handoff)
        ).scalar()
        raise RuntimeError("disk full")  # ...then the outbox insert fails

    event.listen(Outbox, "before_insert", fail_on_outbox)
    try:
        with pytest.raises(RuntimeError, match="disk full"):
            with session_scope(db_url) as session:
                save(session, make_payload("emergency_ed"))
    finally:
        event.remove(Outbox, "before_insert", fail_on_outbox)
    assert seen_before_failure == {"handoffs": 1}
    assert counts(db_url) == {"intakes": 0, "handoffs": 0, "outbox": 0}


def test_caller_that_swallows_the_error_still_commits_nothing_partial(db_url, make_payload):
    payload = make_payload("routine")
    with session_scope(db_url) as session:
        save(session, payload)
    session = get_sessionmaker(db_url)()
    try:
        with pytest.raises(sa.exc.IntegrityError):
            save(session, payload)  # same handoff_id: the handoff insert fails after the intake's
        session.rollback()
        session.commit()
    finally:
        session.close()
    assert counts(db_url) == {"intakes": 1, "handoffs": 1, "outbox": 1}


def test_arguments_must_agree_with_the_payload(db_url, make_payload):
    payload = make_payload("routine")
    with session_scope(db_url) as session:
        with pytest.raises(ValueError, match="urgency"):
            repo.save_handoff(
                session, record_dict={}, payload=payload, conversation_id=payload["conversation_id"],
                channel="web", urgency="emergency_ed", specialist="spine_surgery",
            )
    assert counts(db_url)["handoffs"] == 0


def test_long_patient_words_in_the_record_are_cut(db_url, make_payload):
    record = {"patient_words": "x" * 5000, "answers": [{"question": "q", "answer": "y" * 3000}], "severity": 5}
    with session_scope(db_url) as session:
        handoff = save(session, make_payload("routine"), record)
        handoff_id = handoff.handoff_id
    with session_scope(db_url) as session:
        stored = repo.get_handoff(session, handoff_id).intake.record
    assert len(stored["patient_words"]) == PATIENT_WORDS_LIMIT
    assert len(stored["answers"][0]["answer"]) == PATIENT_WORDS_LIMIT
    assert stored["severity"] == 5


def test_get_handoff_unknown_is_none(db_url):
    with session_scope(db_url) as session:
        assert repo.get_handoff(session, "00000000-0000-4000-8000-000000000000") is None


# -- list_handoffs ---------------------------------------------------------------------
@pytest.fixture
def seeded(db_url, make_payload):
    """Six handoffs an hour apart; returns {label: handoff_id}."""
    plan = [
        ("old_routine", "routine", dict(name="Carla Diaz", phone="+15550001111", channel="web")),
        ("old_911", "emergency_911", dict(name="Dan Fox", phone="+15550002222", channel="sms")),
        ("urgent", "urgent_24h", dict(name="Erin Gray", phone="+15550003333", channel="web", specialist="podiatry")),
        ("new_ed", "emergency_ed", dict(name="Frank Hale", phone="+15550004444", channel="rest")),
        ("routine_podiatry", "routine", dict(name="Gina 100%_Ives", phone="+447700900123", channel="sms", specialist="podiatry")),
        ("newest_routine", "routine", dict(name="ana maría núñez", phone="+15559998888", channel="web")),
    ]
    ids = {}
    with session_scope(db_url) as session:
        for hour, (label, urgency, options) in enumerate(plan):
            payload = make_payload(urgency, created_at=T0 + timedelta(hours=hour), **options)
            ids[label] = save(session, payload).handoff_id
    return ids


def labels(handoffs, ids):
    by_id = {v: k for k, v in ids.items()}
    return [by_id[h.handoff_id] for h in handoffs]


def test_list_puts_emergencies_first_then_newest_first(db_url, seeded):
    with session_scope(db_url) as session:
        order = labels(repo.list_handoffs(session), seeded)
    assert order == ["new_ed", "old_911", "newest_routine", "routine_podiatry", "urgent", "old_routine"]


def test_list_filters(db_url, seeded):
    with session_scope(db_url) as session:
        def listed(**filters):
            return labels(repo.list_handoffs(session, **filters), seeded)

        assert listed(urgency="routine") == ["newest_routine", "routine_podiatry", "old_routine"]
        assert listed(urgency=["emergency_911", "urgent_24h"]) == ["old_911", "urgent"]
        assert listed(specialist="podiatry") == ["routine_podiatry", "urgent"]
        assert listed(channel="sms") == ["old_911", "routine_podiatry"]
        assert listed(since=T0 + timedelta(hours=3)) == ["new_ed", "newest_routine", "routine_podiatry"]
        assert listed(until=T0 + timedelta(hours=1)) == ["old_routine"]
        assert listed(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=3)) == ["old_911", "urgent"]
        # naive datetimes are taken as UTC
        assert listed(since=datetime(2024, 5, 1, 17, 0)) == ["newest_routine"]
        assert listed(limit=2) == ["new_ed", "old_911"]
        assert len(listed(limit=None)) == 6
        assert listed(channel="web", urgency="routine") == ["newest_routine", "old_routine"]
        assert listed(status="pending") == listed()
        assert listed(status="new") == listed()
        assert listed(status="delivered") == []
        with pytest.raises(ValueError, match="unknown status"):
            listed(status="archived")
        with pytest.raises(ValueError, match="unknown urgency"):
            listed(urgency="soon")


def test_list_status_covers_delivery_and_review(db_url, seeded):
    with session_scope(db_url) as session:
        repo.set_review_status(session, seeded["urgent"], "scheduled", actor="frontdesk1")
        outbox = repo.get_outbox(session, seeded["urgent"])
        repo.record_delivery(session, outbox.id)
    with session_scope(db_url) as session:
        assert labels(repo.list_handoffs(session, status="scheduled"), seeded) == ["urgent"]
        assert labels(repo.list_handoffs(session, status="delivered"), seeded) == ["urgent"]
        assert labels(repo.list_handoffs(session, status=["delivered", "new"]), seeded) == []
        assert len(repo.list_handoffs(session, status=["pending", "new"])) == 5


def test_list_search(db_url, seeded):
    with session_scope(db_url) as session:
        def found(text):
            return labels(repo.list_handoffs(session, search=text), seeded)

        assert found("FRANK") == ["new_ed"]
        assert found("hale") == ["new_ed"]
        assert found("+15550002222") == ["old_911"]
        assert found("555 000 3333") == ["urgent"]  # digits alone match the phone
        assert found("7700900") == ["routine_podiatry"]
        assert found("100%_") == ["routine_podiatry"]  # LIKE wildcards are literal
        assert found("%") == ["routine_podiatry"]
        assert found(seeded["old_routine"][:8]) == ["old_routine"]
        assert found("nobody") == []
        assert len(found("   ")) == 6


def test_list_search_by_conversation_id(db_url, make_payload):
    with session_scope(db_url) as session:
        save(session, make_payload("routine", conversation_id="web-Session-77"))
        save(session, make_payload("routine", conversation_id="other"))
        assert [h.conversation_id for h in repo.list_handoffs(session, search="session-77")] == ["web-Session-77"]


# -- audit log ---------------------------------------------------------------------------
def test_audit_appends_and_lists_newest_first(db_url):
    with session_scope(db_url) as session:
        first = repo.audit(session, "alice", "login", "staff_user", 1, remote_addr="10.0.0.5")
        repo.audit(session, "alice", "handoff.view", "handoff", "abc", {"fields": ["summary"]})
        assert first.id is not None
    with session_scope(db_url) as session:
        events = repo.list_audit(session, actor="alice")
        assert [e.action for e in events] == ["handoff.view", "login"]
        assert events[0].detail == {"fields": ["summary"]}
        assert events[1].target_id == "1" and events[1].remote_addr == "10.0.0.5"
        assert events[0].at.tzinfo is not None
        assert [e.action for e in repo.list_audit(session, target_type="handoff", target_id="abc")] == ["handoff.view"]


def test_audit_events_cannot_be_updated(db_url):
    with session_scope(db_url) as session:
        repo.audit(session, "alice", "login", None, None)
    with pytest.raises(AppendOnlyError):
        with session_scope(db_url) as session:
            event_ = session.execute(sa.select(AuditEvent)).scalar_one()
            event_.actor = "mallory"
    with session_scope(db_url) as session:
        assert session.execute(sa.select(AuditEvent.actor)).scalar_one() == "alice"


def test_audit_events_cannot_be_deleted(db_url):
    with session_scope(db_url) as session:
        repo.audit(session, "alice", "login", None, None)
    with pytest.raises(AppendOnlyError):
        with session_scope(db_url) as session:
            session.delete(session.execute(sa.select(AuditEvent)).scalar_one())
    with session_scope(db_url) as session:
        assert len(repo.list_audit(session)) == 1


@pytest.mark.parametrize(
    "statement",
    [
        sa.update(AuditEvent).values(actor="mallory"),
        sa.delete(AuditEvent),
        sa.update(AuditEvent.__table__).values(actor="mallory"),
        sa.delete(AuditEvent.__table__),
    ],
    ids=["orm-update", "orm-delete", "core-update", "core-delete"],
)
def test_bulk_update_or_delete_of_audit_events_is_refused(db_url, statement):
    with session_scope(db_url) as session:
        repo.audit(session, "alice", "login", None, None)
    with pytest.raises(AppendOnlyError):
        with session_scope(db_url) as session:
            session.execute(statement)
    with session_scope(db_url) as session:
        assert session.execute(sa.select(AuditEvent.actor)).scalars().all() == ["alice"]


def test_other_bulk_updates_still_work(db_url, make_payload):
    with session_scope(db_url) as session:
        save(session, make_payload("routine"))
        session.execute(sa.update(Handoff).values(review_status="closed"))
    with session_scope(db_url) as session:
        assert repo.list_handoffs(session)[0].review_status == "closed"


# -- staff work on handoffs -----------------------------------------------------------
def test_review_status_and_notes_are_audited(db_url, make_payload):
    with session_scope(db_url) as session:
        handoff_id = save(session, make_payload("routine")).handoff_id
    with session_scope(db_url) as session:
        repo.set_review_status(session, handoff_id, "reviewed", actor="bea", remote_addr="10.0.0.9")
        note = repo.add_staff_note(session, handoff_id, "bea", "Called patient, left voicemail.")
        repo.add_staff_note(session, handoff_id, "carl", "Booked Tuesday 10:00.")
    with session_scope(db_url) as session:
        handoff = repo.get_handoff(session, handoff_id)
        assert handoff.review_status == "reviewed"
        assert [n.text for n in handoff.notes] == ["Called patient, left voicemail.", "Booked Tuesday 10:00."]
        assert [n.author for n in repo.list_staff_notes(session, handoff_id)] == ["bea", "carl"]
        events = repo.list_audit(session, target_type="handoff", target_id=handoff_id)
        assert [e.action for e in events] == ["handoff.note_added", "handoff.note_added", "handoff.review_status"]
        assert events[-1].detail == {"from": "new", "to": "reviewed"}
        assert events[-1].remote_addr == "10.0.0.9"
        assert events[1].detail == {"note_id": note.id}  # never the note's text
    with session_scope(db_url) as session:
        with pytest.raises(ValueError):
            repo.set_review_status(session, handoff_id, "lost", actor="bea")
        with pytest.raises(LookupError):
            repo.add_staff_note(session, "00000000-0000-4000-8000-000000000000", "bea", "x")


# -- outbox ---------------------------------------------------------------------------------
def test_claim_takes_emergencies_first_and_marks_rows_in_flight(db_url, make_payload):
    with session_scope(db_url) as session:
        routine = save(session, make_payload("routine")).handoff_id
        emergency = save(session, make_payload("emergency_911")).handoff_id
    with session_scope(db_url) as session:
        claimed = repo.claim_outbox(session, "worker-a", limit=1)
        assert [row.handoff_id for row in claimed] == [emergency]
        assert (claimed[0].status, claimed[0].claimed_by, claimed[0].attempts) == ("in_flight", "worker-a", 1)
    with session_scope(db_url) as session:
        assert [row.handoff_id for row in repo.claim_outbox(session, "worker-b")] == [routine]
        assert repo.claim_outbox(session, "worker-b") == []
        assert repo.outbox_counts(session) == {"in_flight": 2}


def test_delivery_and_failure_bookkeeping(db_url, make_payload):
    with session_scope(db_url) as session:
        handoff_id = save(session, make_payload("routine")).handoff_id
    now = datetime.now(timezone.utc)
    for attempt in range(1, 4):
        with session_scope(db_url) as session:
            (row,) = repo.claim_outbox(session, "w", now=now)
            assert row.attempts == attempt
        with session_scope(db_url) as session:
            repo.record_failure(session, row.id, error="HTTP 503", retry_at=now + timedelta(minutes=1), failing_after=3)
        with session_scope(db_url) as session:
            row = repo.get_outbox(session, handoff_id)
            assert (row.status, row.last_error, row.claimed_by) == ("pending", "HTTP 503", None)
            # visible to staff as failing from the third failure on, while still retried
            assert row.handoff.status == ("failed" if attempt >= 3 else "pending")
            assert repo.claim_outbox(session, "w", now=now) == []  # not due yet
        now += timedelta(minutes=2)
    with session_scope(db_url) as session:
        (row,) = repo.claim_outbox(session, "w", now=now)
        repo.record_delivery(session, row.id)
    with session_scope(db_url) as session:
        row = repo.get_outbox(session, handoff_id)
        assert row.status == "delivered" and row.delivered_at is not None and row.attempts == 4
        assert row.handoff.status == "delivered"
        assert repo.claim_outbox(session, "w", now=now + timedelta(days=1)) == []
        # a late failure report from a stalled worker does not undo the delivery
        repo.record_failure(session, row.id, error="timeout", retry_at=now)
        assert row.status == "delivered" and row.handoff.status == "delivered"
        with pytest.raises(ValueError):
            repo.requeue_outbox(session, row.id, actor="admin")


def test_give_up_then_staff_requeue(db_url, make_payload):
    with session_scope(db_url) as session:
        handoff_id = save(session, make_payload("routine")).handoff_id
    with session_scope(db_url) as session:
        (row,) = repo.claim_outbox(session, "w")
        repo.record_failure(session, row.id, error="HTTP 400: " + "z" * 5000, retry_at=None)
    with session_scope(db_url) as session:
        row = repo.get_outbox(session, handoff_id)
        assert row.status == "failed" and row.handoff.status == "failed"
        assert len(row.last_error) == repo.ERROR_TEXT_LIMIT
        assert repo.claim_outbox(session, "w", now=datetime.now(timezone.utc) + timedelta(days=30)) == []
        assert [h.handoff_id for h in repo.list_handoffs(session, status="failed")] == [handoff_id]
    with session_scope(db_url) as session:
        repo.requeue_outbox(session, row.id, actor="admin", remote_addr="10.0.0.1")
    with session_scope(db_url) as session:
        assert [r.handoff_id for r in repo.claim_outbox(session, "w")] == [handoff_id]
        (event_,) = repo.list_audit(session, action="outbox.requeue")
        assert event_.detail == {"outbox_id": row.id, "from": "failed"}


def test_rows_of_a_dead_worker_are_claimed_again_after_a_while(db_url, make_payload):
    with session_scope(db_url) as session:
        save(session, make_payload("routine"))
    now = datetime.now(timezone.utc)
    with session_scope(db_url) as session:
        assert len(repo.claim_outbox(session, "dies", now=now)) == 1
    with session_scope(db_url) as session:
        assert repo.claim_outbox(session, "other", now=now + timedelta(minutes=4)) == []
        (row,) = repo.claim_outbox(session, "other", now=now + timedelta(minutes=6))
        assert (row.claimed_by, row.attempts) == ("other", 2)


@pytest.mark.postgres
def test_concurrent_workers_never_claim_the_same_row_on_postgres(pg_empty_url, make_payload):
    db_url = pg_empty_url
    with session_scope(db_url) as session:
        for _ in range(4):
            save(session, make_payload("routine"))
    factory = get_sessionmaker(db_url)
    first, second = factory(), factory()
    try:
        mine = repo.claim_outbox(first, "a", limit=2)  # rows stay locked until first commits
        theirs = repo.claim_outbox(second, "b", limit=10)  # SKIP LOCKED: takes the others at once
        assert len(mine) == 2 and len(theirs) == 2
        assert not {r.id for r in mine} & {r.id for r in theirs}
        first.commit()
        second.commit()
    finally:
        first.close()
        second.close()


# -- staff users -------------------------------------------------------------------------
def test_staff_users_and_lockout(db_url):
    with session_scope(db_url) as session:
        repo.create_staff_user(session, username="bea", password_hash="$argon2id$...", role="front_desk")
        with pytest.raises(ValueError):
            repo.create_staff_user(session, username="x", password_hash="h", role="root")
    with pytest.raises(sa.exc.IntegrityError):
        with session_scope(db_url) as session:
            repo.create_staff_user(session, username="bea", password_hash="h", role="admin")
    now = datetime.now(timezone.utc)
    with session_scope(db_url) as session:
        user = repo.get_staff_user(session, "bea")
        assert user.active and user.failed_logins == 0 and user.created_at.tzinfo is not None
        for _ in range(4):
            repo.record_login(session, user, success=False, now=now)
        assert not repo.is_locked(user, now)
        repo.record_login(session, user, success=False, now=now)
        assert repo.is_locked(user, now) and not repo.is_locked(user, now + timedelta(minutes=16))
    with session_scope(db_url) as session:
        user = repo.get_staff_user(session, "bea")
        assert user.failed_logins == 5 and repo.is_locked(user, now)
        repo.record_login(session, user, success=True, now=now + timedelta(minutes=16))
        assert user.failed_logins == 0 and user.locked_until is None
        assert repo.get_staff_user(session, "nobody") is None


# -- SMS consent ---------------------------------------------------------------------------
def test_sms_consent(db_url):
    t1 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    t2 = t1 + timedelta(days=1)
    with session_scope(db_url) as session:
        assert repo.get_sms_consent(session, "+15551230000") is None
        assert not repo.is_opted_out(session, "+15551230000")
        consent = repo.note_sms_contact(session, "+15551230000", now=t1)
        assert (consent.opted_out, consent.first_contact_at) == (False, t1)
        repo.note_sms_contact(session, "+15551230000", now=t2)  # first contact is kept
        consent = repo.set_sms_opt_out(session, "+15551230000", True, now=t2)
        assert consent.opted_out and consent.updated_at == t2 and consent.first_contact_at == t1
    with session_scope(db_url) as session:
        assert repo.is_opted_out(session, "+15551230000")
        repo.set_sms_opt_out(session, "+15551230000", False, now=t2)
        stop_first = repo.set_sms_opt_out(session, "+15559990000", True, now=t1)  # STOP before anything else
        assert stop_first.opted_out and stop_first.first_contact_at == t1
    with session_scope(db_url) as session:
        assert not repo.is_opted_out(session, "+15551230000")
        assert repo.is_opted_out(session, "+15559990000")


def test_legacy_query_update_and_delete_of_audit_events_are_refused(db_url):
    with session_scope(db_url) as session:
        repo.audit(session, "alice", "login", None, None)
    for change in (
        lambda session: session.query(AuditEvent).update({"actor": "mallory"}),
        lambda session: session.query(AuditEvent).delete(),
    ):
        with pytest.raises(AppendOnlyError):
            with session_scope(db_url) as session:
                change(session)
    with session_scope(db_url) as session:
        assert session.execute(sa.select(AuditEvent.actor)).scalars().all() == ["alice"]
