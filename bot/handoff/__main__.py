"""``python -m bot.handoff``: the delivery worker and operator commands (see bot.handoff.cli)."""
import sys

from bot.handoff.cli import main

if __name__ == "__main__":
    sys.exit(main())
