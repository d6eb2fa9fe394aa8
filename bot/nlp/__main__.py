"""``python -m bot.nlp build [PATH]``: save the clinical spaCy pipeline (with meta.json).

Rasa's ClinicalEntityExtractor loads it from models/clinical_nlp; `make nlp-model`
rebuilds it when data/nlp changes.
"""
from __future__ import annotations

import argparse
import sys

from bot.nlp.pipeline import save_pipeline


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.nlp", description=__doc__)
    parser.add_argument("command", choices=["build"])
    parser.add_argument("path", nargs="?", default="models/clinical_nlp")
    args = parser.parse_args(argv)
    path = save_pipeline(args.path)
    print(f"saved the clinical pipeline to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
