"""``python -m bot.staff serve | create-staff-user | set-password``.

    python -m bot.staff serve --host 127.0.0.1 --port 8000
    python -m bot.staff create-staff-user --username maria --role front_desk [--password-stdin]
    python -m bot.staff set-password --username maria [--password-stdin]

The database is DATABASE_URL (default var/intake.db); it is migrated first.
Passwords come from standard input (one line) with --password-stdin, else from a
prompt that asks twice; at least 12 characters.
"""
from __future__ import annotations

import argparse
import getpass
import logging
import os
import re
import sys
from typing import List, Optional

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
ROLES = ("front_desk", "clinician", "admin")


def _cli_actor() -> str:
    try:
        who = getpass.getuser()
    except Exception:
        who = "unknown"
    return f"cli:{who}"[:64]


def _read_password(from_stdin: bool) -> str:
    from bot.staff.auth import check_password_policy

    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password[:-1] if password.endswith("\r") else password
    else:
        password = getpass.getpass("Password (at least 12 characters): ")
        again = getpass.getpass("Same password again: ")
        if password != again:
            raise SystemExit("error: the two passwords differ")
    try:
        check_password_policy(password)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    return password


def create_staff_user(args: argparse.Namespace) -> int:
    from bot.staff.auth import hash_password
    from bot.store import init_db, repository, session_scope

    if not USERNAME.match(args.username):
        raise SystemExit("error: usernames are 1-64 letters, digits, '.', '_', '@' or '-'")
    password = _read_password(args.password_stdin)
    url = args.database_url
    init_db(url)
    with session_scope(url) as db:
        if repository.get_staff_user(db, args.username) is not None:
            raise SystemExit(f"error: there is already a staff user {args.username!r}")
        user = repository.create_staff_user(
            db, username=args.username, password_hash=hash_password(password), role=args.role)
        repository.audit(db, _cli_actor(), "staff.user_created", "staff_user", user.id,
                         {"username": user.username, "role": user.role})
    print(f"created {args.role} user {args.username!r}")
    return 0


def set_password(args: argparse.Namespace) -> int:
    from bot.staff.auth import hash_password
    from bot.store import init_db, repository, session_scope

    password = _read_password(args.password_stdin)
    url = args.database_url
    init_db(url)
    with session_scope(url) as db:
        user = repository.get_staff_user(db, args.username)
        if user is None:
            raise SystemExit(f"error: no staff user {args.username!r}")
        user.password_hash = hash_password(password)
        user.failed_logins = 0
        user.locked_until = None
        repository.audit(db, _cli_actor(), "staff.password_set", "staff_user", user.id,
                         {"username": user.username, "unlocked": True})
    print(f"password set for {args.username!r} (and any lock lifted)")
    return 0


def serve(args: argparse.Namespace) -> int:
    import waitress

    from bot.staff import create_app
    from bot.store import init_db

    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    init_db(args.database_url)
    config = {"DATABASE_URL": args.database_url} if args.database_url else None
    app = create_app(config)
    # Behind a reverse proxy (STAFF_PROXY_FIX=1) the app reads X-Forwarded-For itself;
    # otherwise waitress drops such headers, so a client cannot fake its address.
    waitress.serve(app, host=args.host, port=args.port, threads=args.threads,
                   ident="staff-console",
                   clear_untrusted_proxy_headers=not app.config["STAFF_PROXY_FIX"])
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.staff", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None,
                        help="app database (default: DATABASE_URL or var/intake.db)")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("serve", help="run the console with waitress")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--threads", type=int, default=8)
    run.set_defaults(func=serve)

    create = sub.add_parser("create-staff-user", help="add a staff account")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from standard input (one line)")
    create.set_defaults(func=create_staff_user)

    reset = sub.add_parser("set-password", help="set a new password and lift a lock")
    reset.add_argument("--username", required=True)
    reset.add_argument("--password-stdin", action="store_true")
    reset.set_defaults(func=set_password)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
