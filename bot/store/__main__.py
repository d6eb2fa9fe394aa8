"""``python -m bot.store upgrade|current|downgrade [revision]`` on DATABASE_URL (default var/intake.db)."""
from __future__ import annotations

import argparse
import sys

from sqlalchemy.engine import make_url

from bot.store.engine import database_url
from bot.store.migrate import current_revision, downgrade_db, head_revision, init_db


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.store", description=__doc__)
    parser.add_argument("command", choices=["upgrade", "current", "downgrade"])
    parser.add_argument("revision", nargs="?", help="target (default: head / one step down)")
    parser.add_argument("--url", help="database URL (default: DATABASE_URL or var/intake.db)")
    args = parser.parse_args(argv)
    url = database_url(args.url)
    shown = make_url(url).render_as_string(hide_password=True)
    if args.command == "upgrade":
        init_db(url, args.revision or "head")
        print(f"{shown}: at revision {current_revision(url)} (head {head_revision()})")
    elif args.command == "downgrade":
        downgrade_db(url, args.revision or "-1")
        print(f"{shown}: at revision {current_revision(url)}")
    else:
        print(f"{shown}: at revision {current_revision(url)} (head {head_revision()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
