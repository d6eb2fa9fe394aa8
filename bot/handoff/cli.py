"""Operator commands for handoff delivery: ``python -m bot.handoff <command>``.

    list   [--status pending|failed|delivered] [--limit N] [--json]
    show   HANDOFF_ID [--payload | --raw]
    retry  HANDOFF_ID [--actor NAME]
    verify --secret S --signature 'sha256=...' [--file body.json]   (else reads stdin)
    sign   --secret S [--file body.json]
    worker [--once] [--concurrency N] [--poll-interval S] [--timeout S]

Every command that reads the database takes ``--database-url`` (default:
``DATABASE_URL``, else ``var/intake.db``). Exit status: 0 done, 1 not done
(unknown handoff, invalid signature, ...), 2 usage or configuration error.

Listings show ids, codes, states and errors only; patient data appears only
with ``show --payload`` / ``--raw``.
"""
from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from datetime import datetime
from typing import Any, Dict, List, Optional

from sqlalchemy.exc import SQLAlchemyError

from bot.handoff.delivery import DeliverySettings, SettingsError
from bot.handoff.signing import sign, verify

STATUSES = ("pending", "failed", "delivered")


def _when(value: Optional[datetime]) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z") if value else "-"


def _configure_logging() -> None:
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        level = "INFO"
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def _read_body(path: Optional[str]) -> bytes:
    if path and path != "-":
        with open(path, "rb") as handle:
            return handle.read()
    return sys.stdin.buffer.read()


def _actor(given: Optional[str]) -> str:
    if given:
        return given
    user = os.environ.get("USER")
    if user:
        return user
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name at all
        return "unknown"


# -- list ---------------------------------------------------------------------------------
def _row(handoff: Any) -> Dict[str, Any]:
    outbox = handoff.outbox
    return {
        "handoff_id": handoff.handoff_id,
        "created_at": _when(handoff.created_at),
        "urgency": handoff.urgency,
        "specialist": handoff.specialist,
        "status": handoff.status,
        "review_status": handoff.review_status,
        "outbox_status": outbox.status if outbox else None,
        "attempts": outbox.attempts if outbox else 0,
        "next_attempt_at": _when(outbox.next_attempt_at) if outbox and outbox.status == "pending" else None,
        "last_error": outbox.last_error if outbox else None,
    }


def cmd_list(args: argparse.Namespace) -> int:
    from bot.store import list_handoffs, outbox_counts, session_scope

    with session_scope(args.database_url) as session:
        handoffs = list_handoffs(session, status=args.status, limit=args.limit)
        rows = [_row(h) for h in handoffs]
        counts = outbox_counts(session)
    if args.json:
        print(json.dumps({"outbox": counts, "handoffs": rows}, indent=2))
        return 0
    print("outbox: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "empty"))
    if not rows:
        print("no handoffs" + (f" with status {args.status}" if args.status else ""))
        return 0
    columns = ["handoff_id", "created_at", "urgency", "specialist", "status", "attempts",
               "next_attempt_at", "last_error"]
    table: List[List[str]] = [[c.upper() for c in columns]]
    for row in rows:
        table.append(["-" if row[c] is None else str(row[c]) for c in columns])
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip())
    return 0


# -- show ---------------------------------------------------------------------------------
def cmd_show(args: argparse.Namespace) -> int:
    from bot.store import get_handoff, list_audit, session_scope

    with session_scope(args.database_url) as session:
        handoff = get_handoff(session, args.handoff_id)
        if handoff is None:
            print(f"no handoff {args.handoff_id}", file=sys.stderr)
            return 1
        if args.raw:
            sys.stdout.buffer.write(handoff.body)
            sys.stdout.buffer.flush()
            return 0
        outbox = handoff.outbox
        events = list_audit(session, target_type="handoff", target_id=handoff.handoff_id, limit=50)
        lines = [
            ("handoff_id", handoff.handoff_id),
            ("conversation_id", handoff.conversation_id),
            ("channel", handoff.channel),
            ("created_at", _when(handoff.created_at)),
            ("urgency", handoff.urgency),
            ("specialist", handoff.specialist or "-"),
            ("delivery status", handoff.status),
            ("review status", handoff.review_status),
            ("body", f"{len(handoff.body)} bytes"),
        ]
        if outbox is not None:
            lines += [
                ("outbox status", outbox.status),
                ("priority", f"{outbox.priority}{' (emergency)' if outbox.priority == 0 else ''}"),
                ("attempts", str(outbox.attempts)),
                ("next attempt", _when(outbox.next_attempt_at) if outbox.status == "pending" else "-"),
                ("claimed by", outbox.claimed_by or "-"),
                ("claimed at", _when(outbox.claimed_at)),
                ("delivered at", _when(outbox.delivered_at)),
                ("last error", outbox.last_error or "-"),
            ]
        else:
            lines.append(("outbox", "no row"))
        width = max(len(k) for k, _ in lines)
        for key, value in lines:
            print(f"{key.ljust(width)}  {value}")
        if events:
            print("audit:")
            for event in reversed(events):
                detail = json.dumps(event.detail, sort_keys=True) if event.detail else ""
                print(f"  {_when(event.at)}  {event.actor}  {event.action}  {detail}".rstrip())
        if args.payload:
            print("payload:")
            sys.stdout.flush()
            sys.stdout.buffer.write(handoff.body + b"\n")
            sys.stdout.buffer.flush()
    return 0


# -- retry --------------------------------------------------------------------------------
def cmd_retry(args: argparse.Namespace) -> int:
    from bot.store import get_outbox, requeue_outbox, session_scope

    actor = _actor(args.actor)
    try:
        with session_scope(args.database_url) as session:
            row = get_outbox(session, args.handoff_id)
            if row is None:
                print(f"no handoff {args.handoff_id} in the outbox", file=sys.stderr)
                return 1
            previous = row.status
            requeue_outbox(session, row.id, actor=actor)
    except ValueError as exc:
        print(f"not requeued: {exc}", file=sys.stderr)
        return 1
    print(f"requeued {args.handoff_id} (was {previous}; attempts so far {row.attempts}; "
          f"audited as {actor})")
    return 0


# -- verify / sign ------------------------------------------------------------------------------
def _secret(args: argparse.Namespace) -> Optional[str]:
    return args.secret or os.environ.get("APPOINTMENT_WEBHOOK_SECRET") or None


def cmd_verify(args: argparse.Namespace) -> int:
    secret = _secret(args)
    if not secret:
        print("give --secret or set APPOINTMENT_WEBHOOK_SECRET", file=sys.stderr)
        return 2
    body = _read_body(args.file)
    if verify(body, secret, args.signature):
        print("signature valid")
        return 0
    print("signature INVALID", file=sys.stderr)
    return 1


def cmd_sign(args: argparse.Namespace) -> int:
    secret = _secret(args)
    if not secret:
        print("give --secret or set APPOINTMENT_WEBHOOK_SECRET", file=sys.stderr)
        return 2
    print(sign(_read_body(args.file), secret))
    return 0


# -- worker -------------------------------------------------------------------------------
def cmd_worker(args: argparse.Namespace) -> int:
    from bot.handoff.worker import run_worker

    _configure_logging()
    try:
        settings = DeliverySettings.from_env().with_overrides(
            concurrency=args.concurrency, poll_interval=args.poll_interval, timeout=args.timeout,
        )
        settings.check()
    except SettingsError as exc:
        logging.getLogger("bot.handoff.worker").error("cannot start: %s", exc)
        return 2
    return run_worker(settings, database_url=args.database_url, once=args.once)


# -- parser -------------------------------------------------------------------------------------
def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.handoff",
        description="Handoff delivery to the appointment system: the outbox worker and "
                    "operator commands.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    database = argparse.ArgumentParser(add_help=False)
    database.add_argument("--database-url", default=None,
                          help="app database (default: $DATABASE_URL, else var/intake.db)")

    p = sub.add_parser("list", parents=[database], help="list handoffs and their delivery state",
                       description="Handoffs, emergencies first then newest, with delivery "
                                   "state (no patient data).")
    p.add_argument("--status", choices=STATUSES, help="only handoffs with this delivery status")
    p.add_argument("--limit", type=_positive_int, default=50, help="at most this many (default 50)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", parents=[database], help="one handoff: metadata, outbox state, audit",
                       description="Metadata, outbox state, attempts, last error and audit "
                                   "events of one handoff. The payload (patient data) only "
                                   "with --payload or --raw.")
    p.add_argument("handoff_id", help="the handoff's id (a UUID)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--payload", action="store_true", help="also print the stored body")
    group.add_argument("--raw", action="store_true",
                       help="print only the exact stored body bytes (to pipe into verify or curl)")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("retry", parents=[database], help="requeue a handoff for delivery now",
                       description="Make a failed or waiting handoff due now (audited).")
    p.add_argument("handoff_id", help="the handoff's id (a UUID)")
    p.add_argument("--actor", help="who asks, for the audit log (default: $USER)")
    p.set_defaults(func=cmd_retry)

    p = sub.add_parser("verify", help="check an X-Intake-Signature against a body",
                       description="Exit 0 when SIGNATURE is the HMAC-SHA256 of the body "
                                   "(from --file, else stdin) keyed with the secret; 1 when not.")
    p.add_argument("--secret", help="the shared secret (default: $APPOINTMENT_WEBHOOK_SECRET)")
    p.add_argument("--signature", required=True, help="the header value, 'sha256=<hex>'")
    p.add_argument("--file", help="the body file (default: standard input)")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("sign", help="print the X-Intake-Signature for a body",
                       description="Print 'sha256=<hex>' for the body (from --file, else stdin).")
    p.add_argument("--secret", help="the shared secret (default: $APPOINTMENT_WEBHOOK_SECRET)")
    p.add_argument("--file", help="the body file (default: standard input)")
    p.set_defaults(func=cmd_sign)

    p = sub.add_parser("worker", parents=[database], help="run the delivery worker",
                       description="Claim due outbox rows and post them to "
                                   "$APPOINTMENT_WEBHOOK_URL, signed with "
                                   "$APPOINTMENT_WEBHOOK_SECRET, until SIGTERM/SIGINT. Other "
                                   "settings: DELIVERY_* variables (docs/handoff-delivery.md).")
    p.add_argument("--once", action="store_true",
                   help="deliver what is due now (one attempt each), then exit")
    p.add_argument("--concurrency", type=_positive_int,
                   help="parallel sends (default $DELIVERY_CONCURRENCY or 4)")
    p.add_argument("--poll-interval", type=_positive_float,
                   help="seconds between outbox checks when idle (default $DELIVERY_POLL_INTERVAL or 1)")
    p.add_argument("--timeout", type=_positive_float,
                   help="seconds per HTTP attempt (default $DELIVERY_TIMEOUT or 10)")
    p.set_defaults(func=cmd_worker)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SQLAlchemyError as exc:
        print(f"database error: {type(exc).__name__} (is the database migrated? "
              f"python -m bot.store upgrade)", file=sys.stderr)
        return 1
