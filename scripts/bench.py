"""`make bench`: speed and memory of the assistant, written to docs/benchmarks.md.

Measures, on this machine:
- bot.nlp.extract per message, bot.intake.dialogue.handle_turn per turn, bot.triage.triage;
- a REST round trip per patient message through the running rasa server and action
  server (a whole intake, repeated), and the resident memory of both servers.
Numbers are medians and 95th percentiles over many runs; nothing here is a test.
"""
from __future__ import annotations

import datetime as dt
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MESSAGES = [
    "my lower back hurts and it shoots down my left leg to the big toe, I keep tripping",
    "lower back's been killing me for 3 wks, shoots down my left leg to the big toe and my foot keeps catching on the stairs",
    "no numbness", "my dad had back cancer", "used to have bladder trouble years ago, not now",
    "heel hurts bad first thing in the morning", "pain 7/10", "since last Tuesday", "both legs",
    "it's more the outside of my foot", "I sprained my right ankle playing basketball 3 days ago",
    "numb between my legs and I can't pee", "walking is normal", "none of these", "03/14/1990",
]


def timed(fn: Callable[[], object], repeat: int) -> List[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(samples: List[float]) -> str:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return f"{statistics.median(samples):.2f} | {p95:.2f} | {len(samples)}"


def rss_mb(pid: int) -> float:
    total = 0
    for child in [pid] + _children(pid):
        try:
            text = Path(f"/proc/{child}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmRSS:\s+(\d+)", text)
        total += int(match.group(1)) if match else 0
    return total / 1024


def _children(pid: int) -> List[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    found = [int(k) for k in kids]
    for kid in list(found):
        found += _children(kid)
    return found


def bench_library() -> Dict[str, str]:
    from bot.intake.dialogue import DialogueState, Message, handle_turn
    from bot.intake.record import IntakeRecord
    from bot.nlp import build_pipeline, extract
    from bot.triage import triage

    start = time.perf_counter()
    build_pipeline()
    rows = {"pipeline build (once per process)": f"{(time.perf_counter() - start) * 1000:.0f} | | 1"}
    rows["bot.nlp.extract, one message"] = summary(
        [t for m in MESSAGES for t in timed(lambda m=m: extract(m), 40)])
    long_text = ("my lower back hurts and it goes down my leg. " * 120)[:5000]
    rows["bot.nlp.extract, 5,000 characters"] = summary(timed(lambda: extract(long_text), 20))

    def one_turn(text: str) -> None:
        handle_turn(IntakeRecord(), DialogueState(), Message(text, "describe_symptoms", [], "m"), None)

    rows["handle_turn, opening message"] = summary(
        [t for m in MESSAGES[:6] for t in timed(lambda m=m: one_turn(m), 20)])
    record = IntakeRecord()
    handle_turn(record, DialogueState(), Message(MESSAGES[1], "describe_symptoms", [], "m"), None)
    rows["bot.triage.triage"] = summary(timed(lambda: triage(record), 500))
    return rows


def bench_servers() -> Dict[str, str]:
    from tests.conversations.conftest import Patient
    from tests.servers import running_stack

    rows: Dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp, running_stack(Path(tmp)) as stack:
        samples: List[float] = []
        original = stack.say

        def timed_say(sender: str, text: str):
            start = time.perf_counter()
            result = original(sender, text)
            samples.append((time.perf_counter() - start) * 1000)
            return result

        stack.say = timed_say
        intakes = int(os.environ.get("BENCH_INTAKES", "5"))
        start = time.perf_counter()
        for number in range(intakes):
            patient = Patient(stack, f"bench{number}")
            patient.say("hi")
            patient.say(MESSAGES[number % 3])
            patient.answer_all({})
        elapsed = time.perf_counter() - start
        rows["REST round trip per patient message (rasa + actions)"] = summary(samples)
        rows["whole intake, wall time (s)"] = f"{elapsed / intakes:.1f} | | {intakes}"
        actions_pid, rasa_pid = (p.pid for p in stack.procs)
        rows["rasa server memory after the intakes (MB RSS)"] = f"{rss_mb(rasa_pid):.0f} | | 1"
        rows["action server memory after the intakes (MB RSS)"] = f"{rss_mb(actions_pid):.0f} | | 1"
    return rows


def write(rows: Dict[str, str]) -> str:
    lines = [
        "## Performance (`make bench`)", "",
        f"Measured {dt.date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; the model `{os.environ.get('MODEL_FILE', 'latest')}`. "
        "Medians and 95th percentiles in milliseconds unless said otherwise.", "",
        "| what | median | p95 | runs |", "|---|---|---|---|",
    ] + [f"| {name} | {value} |" for name, value in rows.items()] + [
        "", "Reproduce: `make bench` (starts its own servers on free ports; set BENCH_INTAKES for more).", ""]
    section = "\n".join(lines)
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text() if doc.exists() else "# Benchmarks\n\n"
    pattern = re.compile(r"## Performance \(`make bench`\).*?(?=\n## |\Z)", re.S)
    text = pattern.sub(section.rstrip() + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    doc.write_text(text)
    return section


if __name__ == "__main__":
    results = bench_library()
    results.update(bench_servers())
    print(write(results))
