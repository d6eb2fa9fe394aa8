"""The held-out NLU evaluation (scripts/eval_nlu.py) as tests.

    .venv/bin/python -m pytest -q tests/nlu_eval          # or -k heldout

The data-set checks always run. The target checks need a trained model (MODEL_FILE, or
the newest models/*.tar.gz): without one they are skipped with a message saying so. The
model is loaded once for the module (about half a minute); the whole run stays well under
two minutes. Nothing is written: `make eval-nlu` updates docs/benchmarks.md.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from bot import codes

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("eval_nlu", ROOT / "scripts" / "eval_nlu.py")
eval_nlu = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("eval_nlu", eval_nlu)
_spec.loader.exec_module(eval_nlu)

MIN_MESSAGES = 300


# The held-out set, the blind set (written without seeing the extractor, only measured) and
# the development sets the extractor is tuned on (eval_nlu.EVAL_SETS).
SETS = sorted(eval_nlu.EVAL_SETS)


@pytest.fixture(scope="module", params=SETS)
def cases(request):
    return eval_nlu.load_cases(eval_nlu.EVAL_SETS[request.param])[1]


# -- the data sets --------------------------------------------------------------------------
def test_heldout_set_is_large_enough():
    assert len(eval_nlu.load_cases()[1]) >= MIN_MESSAGES


def test_heldout_never_overlaps_training_data(cases):
    """Lower-cased, whitespace-normalised: not one evaluation message is a training example."""
    assert eval_nlu.overlap(cases) == []


def test_heldout_messages_are_unique(cases):
    texts = [eval_nlu.normalise(c.text) for c in cases]
    assert len(texts) == len(set(texts))


def test_sets_share_no_message():
    """A message tuned on (dev) must not also be a test message (held-out, blind)."""
    seen = {}
    for name in SETS:
        for case in eval_nlu.load_cases(eval_nlu.EVAL_SETS[name])[1]:
            text = eval_nlu.normalise(case.text)
            assert text not in seen, f"{case.text!r} is in {seen.get(text)} and {name}"
            seen[text] = name


def test_heldout_uses_contract_codes(cases):
    intents = set(eval_nlu.training_examples()) | {"choose"}
    for c in cases:
        where = f"message {c.index}: {c.text!r}"
        assert c.intent in intents, where
        assert set(c.regions) <= set(codes.REGIONS), where
        assert {s for s in c.regions.values() if s} <= set(codes.SIDES), where
        assert c.sides <= set(codes.SIDES), where
        assert c.radiation_to <= set(codes.REGIONS), where
        assert c.gait <= set(codes.GAITS), where
        assert set(c.findings) <= set(codes.FINDINGS), where
        assert set(c.findings.values()) <= set(eval_nlu.CONTEXTS), where
        assert c.cause is None or c.cause in codes.CAUSES, where
        assert c.onset is None or c.onset in codes.ONSETS, where
        assert c.severity is None or 0 <= c.severity <= 10, where
        for flag in (c.numbness, c.weakness, c.radiation, c.below_knee, c.red_flag):
            assert flag in (None, True, False), where


def test_heldout_covers_every_red_flag_context():
    """Negated, family, past and hypothetical mentions of red-flag findings are all there."""
    cases = eval_nlu.load_cases()[1]
    contexts = {ctx for c in cases for f, ctx in c.findings.items() if f in eval_nlu.RED_FLAG_FINDINGS}
    assert {"present", "negated", "family", "past", "hypothetical"} <= contexts
    assert any(c.group == "saddle" for c in cases)
    assert sum(1 for c in cases if c.red_flag is True) >= 20
    assert sum(1 for c in cases if c.red_flag is False) >= 40


# -- the targets ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def results():
    model = eval_nlu.find_model()
    if model is None:
        pytest.skip("no trained model (models/*.tar.gz or MODEL_FILE): run `make model` first")
    res, _meta = eval_nlu.run(model)
    return res


# Issue 3 is open: the extractor misses this held-out target (red flags from context; the
# numbers are in docs/benchmarks.md). Strict: the day it is met, the test fails until its
# mark goes.
UNMET = pytest.mark.xfail(strict=True, reason="issue 3 open: extractor below the held-out target")


def _detail(items, keys, limit=15):
    return "\n".join(" | ".join(str(i[k]) for k in keys) for i in items[:limit])


def test_intent_macro_f1(results):
    target = eval_nlu.TARGETS["intent_macro_f1"]
    assert results.intent_macro_f1 >= target, (
        f"intent macro-F1 {results.intent_macro_f1:.3f} < {target}; errors:\n"
        + _detail(results.intent_errors, ("text", "expected", "got")))


@pytest.mark.parametrize("kind", ["region", "side", "gait"])
def test_entity_f1(results, kind):
    target = eval_nlu.TARGETS[f"{kind}_f1"]
    prf = results.entities[kind]
    slot = {"region": "regions", "side": "sides", "gait": "gait"}[kind]
    errors = [e for e in results.slot_errors if e["slot"] == slot]
    assert prf.f1 >= target, (
        f"{kind} F1 {prf.f1:.3f} < {target} (P {prf.precision:.3f}, R {prf.recall:.3f}); errors:\n"
        + _detail(errors, ("text", "expected", "got")))


def test_negation_and_context_accuracy(results):
    target = eval_nlu.TARGETS["context_accuracy"]
    assert results.context_accuracy >= target, (
        f"negation/context accuracy {results.context_accuracy:.3f} < {target}; errors:\n"
        + _detail(results.context_errors, ("text", "finding", "context", "expected", "got")))


@UNMET
def test_no_red_flag_from_negated_family_hypothetical_or_past_mentions(results):
    assert results.context_red_flags == [], _detail(results.context_red_flags, ("text", "finding", "context"), 50)
