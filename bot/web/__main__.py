"""``python -m bot.web [--host H] [--port P] [--rasa-url URL]``: serve the patient chat page."""
from __future__ import annotations

import argparse
import logging
import os
import sys

from bot.web.server import create_app


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.web", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("WEB_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8080")))
    parser.add_argument("--rasa-url", default=os.environ.get("RASA_URL", "http://127.0.0.1:5005"),
                        help="the rasa server whose /socket.io/ the page talks to")
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    from aiohttp import web

    app = create_app(args.rasa_url)
    print(f"patient chat page on http://{args.host}:{args.port} (rasa: {args.rasa_url})",
          flush=True)
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
