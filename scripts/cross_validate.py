"""Rasa's 5-fold NLU cross-validation over data/nlu; results into docs/benchmarks.md.

    make cross-validate                           # or:
    PYTHONPATH=. .venv/bin/python scripts/cross_validate.py [--folds 5] [--no-write]

Runs

    rasa test nlu --cross-validation --folds 5 --config config.yml --nlu data/nlu \
        --out results/cross-validation --no-plot

(each fold trains the whole NLU pipeline of config.yml on 4/5 of the examples and tests
on the rest), then writes the intent report summary (mean and standard deviation over the
folds, and per-intent precision / recall / F1 over all held-back examples) to the
"Cross-validation" section of docs/benchmarks.md. It trains five models: expect several
minutes on two cores. Exit status: rasa's, or 1 when no report was written.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_nlu import DEFAULT_DOC, _table, replace_section, training_examples  # noqa: E402

SECTION = "Cross-validation"
DEFAULT_OUT = ROOT / "results" / "cross-validation"
# "test F1-score: 0.934 (0.012)" as rasa.nlu.test.log_results logs it
_SUMMARY = re.compile(r"\b(train|test) (Accuracy|F1-score|Precision): ([0-9.]+) \(([0-9.]+)\)")


def rasa_command(folds: int, out: Path, config: str, nlu: str) -> List[str]:
    rasa = ROOT / ".venv" / "bin" / "rasa"
    exe = [str(rasa)] if rasa.exists() else [sys.executable, "-m", "rasa"]
    return exe + ["test", "nlu", "--cross-validation", "--folds", str(folds), "--config", config,
                  "--nlu", nlu, "--out", str(out), "--no-plot"]


def parse_summary(log: str) -> Dict[Tuple[str, str], Tuple[float, float]]:
    """(train|test, metric) -> (mean, std) from the log; the last value of each wins."""
    found: Dict[Tuple[str, str], Tuple[float, float]] = {}
    for match in _SUMMARY.finditer(log):
        found[(match.group(1), match.group(2))] = (float(match.group(3)), float(match.group(4)))
    return found


def render(report: Dict, summary: Dict[Tuple[str, str], Tuple[float, float]], meta: Dict) -> str:
    out: List[str] = []
    out.append(f"_Written by `make cross-validate` (scripts/cross_validate.py) on {meta['date']}. "
               "Do not edit by hand._\n")
    out.append(f"- Command: `{meta['command']}`")
    out.append(f"- Data: data/nlu, {meta['examples']} examples in {meta['intents']} intents "
               f"(`choose` is button-only and has none); pipeline: config.yml")
    out.append(f"- Runtime: {meta['runtime'] / 60:.1f} min for {meta['folds']} folds\n")
    if summary:
        out.append("Intent classification, mean (standard deviation) over the folds:\n")
        rows = []
        for metric in ("Accuracy", "F1-score", "Precision"):
            cells = [metric]
            for split in ("test", "train"):
                value = summary.get((split, metric))
                cells.append(f"{value[0]:.3f} ({value[1]:.3f})" if value else "-")
            rows.append(cells)
        out.append(_table(["metric", "test folds", "train folds"], rows))
        out.append("\nF1-score and precision are rasa's weighted averages per fold.\n")
    intents = {k: v for k, v in report.items() if isinstance(v, dict) and "support" in v
               and k not in ("macro avg", "weighted avg", "micro avg")}
    if report:
        rows = []
        for name in ("macro avg", "weighted avg", "micro avg"):
            if isinstance(report.get(name), dict):
                r = report[name]
                rows.append((name, r["precision"], r["recall"], r["f1-score"], r["support"]))
        if "accuracy" in report:
            rows.append(("accuracy", "", "", report["accuracy"], sum(v["support"] for v in intents.values())))
        out.append("All held-back predictions of the folds together (intent_report.json):\n")
        out.append(_table(["", "precision", "recall", "F1", "support"], rows))
        out.append("\nPer intent (lowest F1 first):\n")
        ordered = sorted(intents.items(), key=lambda kv: (kv[1]["f1-score"], kv[0]))
        out.append(_table(["intent", "precision", "recall", "F1", "support", "confused with"],
                          [(k, v["precision"], v["recall"], v["f1-score"], v["support"],
                            ", ".join(f"{c} ({n})" for c, n in sorted(
                                (v.get("confused_with") or {}).items(), key=lambda x: -x[1])) or "-")
                           for k, v in ordered]))
    out.append("\n### How to reproduce\n")
    out.append("```\nmake cross-validate   # about 5 trainings of the NLU pipeline; results also in "
               "results/cross-validation/\n```")
    return "\n".join(out) + "\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--nlu", default="data/nlu")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--doc", default=str(DEFAULT_DOC))
    parser.add_argument("--no-write", action="store_true", help="print the section, do not update the doc")
    parser.add_argument("--report-only", action="store_true",
                        help="do not run rasa; render the report already in --out (log: --out/cv.log)")
    args = parser.parse_args(argv)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log_file = out / "cv.log"
    command = rasa_command(args.folds, out, args.config, args.nlu)
    started = time.perf_counter()
    if not args.report_only:
        env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_TELEMETRY_ENABLED="false", LOG_LEVEL="INFO",
                   TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"))
        print("running:", " ".join(command), flush=True)
        with open(log_file, "w", encoding="utf-8") as log:
            proc = subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        if proc.returncode != 0:
            print(log_file.read_text(encoding="utf-8")[-4000:], file=sys.stderr)
            return proc.returncode
    runtime = time.perf_counter() - started
    if args.report_only and (out / "runtime.txt").exists():
        runtime = float((out / "runtime.txt").read_text().strip() or 0)
    else:
        (out / "runtime.txt").write_text(f"{runtime:.1f}\n")
    report_file = out / "intent_report.json"
    if not report_file.exists():
        print(f"no {report_file}: cross-validation did not write a report", file=sys.stderr)
        return 1
    report = json.loads(report_file.read_text(encoding="utf-8"))
    summary = parse_summary(log_file.read_text(encoding="utf-8") if log_file.exists() else "")
    examples = training_examples(ROOT / args.nlu)
    meta = {
        "date": datetime.now().strftime("%Y-%m-%d %H:%M"),
        "command": " ".join(["rasa"] + command[command.index("test"):]).replace(str(ROOT) + "/", ""),
        "examples": sum(len(v) for v in examples.values()),
        "intents": len(examples),
        "folds": args.folds,
        "runtime": runtime,
    }
    body = render(report, summary, meta)
    print(body)
    if not args.no_write:
        replace_section(Path(args.doc), SECTION, body)
        print(f"updated {args.doc} (section '{SECTION}')")
    return 0


if __name__ == "__main__":
    sys.exit(main())
