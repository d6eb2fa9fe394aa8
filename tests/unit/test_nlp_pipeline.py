"""The spaCy pipeline itself: built offline, cached, entity ids, ConText flags,
saved as a spaCy package folder that spacy.load reads in a fresh process."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import spacy

from bot import codes
from bot.nlp import build_pipeline, save_pipeline

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline()


def ents(nlp, text):
    return [(e.text, e.label_, e.ent_id_) for e in nlp(text).ents]


def test_pipeline_is_cached(nlp):
    assert build_pipeline() is nlp


def test_pipeline_components(nlp):
    assert nlp.lang == "en"
    assert nlp.pipe_names == ["sentencizer", "clinic_query_marks", "clinic_spelling", "entity_ruler", "clinic_cooccur",
                              "clinic_context"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("lower back", ("lower back", "REGION", "lower_back")),
        ("lumbar", ("lumbar", "REGION", "lower_back")),
        ("ball of my foot", ("ball of my foot", "REGION", "ball_of_foot")),
        ("outside of my foot", ("outside of my foot", "REGION", "outer_foot")),
        ("my achilles", ("achilles", "REGION", "ankle")),
        ("left", ("left", "SIDE", "left")),
        ("both sides", ("both sides", "SIDE", "both")),
        ("i keep tripping", ("keep tripping", "GAIT", "tripping")),
        ("pins and needles", ("pins and needles", "SYMPTOM", "numbness")),
        ("it radiates", ("radiates", "SYMPTOM", "radiation")),
        ("saddle numbness", ("saddle numbness", "FINDING", "saddle_numbness")),
        ("7/10", ("7/10", "SEVERITY", "severity")),
        ("for 3 wks", ("for 3 wks", "DURATION", "duration")),
        ("ibuprofen", ("ibuprofen", "CARE", "nsaids")),
        ("high heels", ("high heels", "CAUSE", "footwear")),
    ],
)
def test_entity_rules(nlp, text, expected):
    assert expected in ents(nlp, text)


@pytest.mark.parametrize("text", ["saddle", "come back later", "my bike saddle", "right now", "I left work"])
def test_look_alikes_are_not_entities(nlp, text):
    assert ents(nlp, text) == []


def test_region_ids_are_contract_codes(nlp):
    doc = nlp("lower back, upper back, neck, butt, hip, groin, thigh, knee, shin, calf, ankle, heel, arch, "
              "top of my foot, ball of my foot, toes, big toe, outside of my foot, inside of my foot, sole, "
              "foot, leg, shoulder, arm, back")
    found = {e.ent_id_ for e in doc.ents if e.label_ == "REGION"}
    assert found == set(codes.REGIONS)


@pytest.mark.parametrize(
    "text, target, attribute",
    [
        ("no numbness", "numbness", "is_negated"),
        ("denies fever", "fever", "is_negated"),
        ("without numbness", "numbness", "is_negated"),
        ("never had cancer", "cancer", "is_negated"),
        ("no more numbness", "numbness", "is_negated"),
        ("my dad had cancer", "cancer", "is_family"),
        ("my mother has diabetes", "diabetes", "is_family"),
        ("my sister had a stroke", "stroke", "is_family"),
        ("cancer runs in the family", "cancer", "is_family"),
        ("I used to have numbness", "numbness", "is_historical"),
        ("I had cancer years ago", "cancer", "is_historical"),
        ("in the past I had a fever", "fever", "is_historical"),
        ("history of cancer", "cancer", "is_historical"),
        ("what if it is cancer", "cancer", "is_hypothetical"),
        ("I'm worried about cancer", "cancer", "is_hypothetical"),
        ("could it be cancer", "cancer", "is_hypothetical"),
        ("if it's a tumor", "tumor", "is_hypothetical"),
    ],
)
def test_context_flags(nlp, text, target, attribute):
    span = next(e for e in nlp(text).ents if e.text == target)
    assert span._.get(attribute) is True


@pytest.mark.parametrize(
    "text, target",
    [("no fever but numbness", "numbness"), ("no fever. numbness in my foot", "numbness"),
     ("no fever i have numbness", "numbness"), ("can't pee", "can't pee")],
)
def test_negation_stops(nlp, text, target):
    span = next(e for e in nlp(text).ents if e.text == target)
    assert span._.is_negated is False


def _run(code: str, pythonpath: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": pythonpath, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)


def test_saved_pipeline_loads_in_a_fresh_process(tmp_path):
    path = save_pipeline(tmp_path / "clinic_nlp")
    meta = json.loads((path / "meta.json").read_text())
    assert meta["lang"] == "en" and meta["name"] and meta["version"] and meta["spacy_version"]
    code = f"""
import json, spacy
import bot.nlp  # registers the clinic_context factory
from bot.nlp import extract
nlp = spacy.load({str(path)!r})
assert spacy.info({str(path)!r})["spacy_version"]
e = extract("my dad had back cancer and i have no numbness but my left leg hurts", nlp=nlp)
# the spelling component's words come back from disk too: "sholder" is a shoulder
typo = extract("my left sholder hurts", nlp=nlp)
print(json.dumps([nlp.pipe_names, e.numbness, "cancer_history" in e.findings,
                  [[s.region, s.side] for s in e.pain_sites], [[s.region, s.side] for s in typo.pain_sites]]))
"""
    result = _run(code, str(ROOT))
    assert result.returncode == 0, result.stderr[-2000:]
    names, numbness, cancer, pain_sites, typo_sites = json.loads(result.stdout.strip().splitlines()[-1])
    assert names == ["sentencizer", "clinic_query_marks", "clinic_spelling", "entity_ruler", "clinic_cooccur",
                     "clinic_context"]
    assert numbness is False and cancer is False and pain_sites == [["leg", "left"]]
    assert typo_sites == [["shoulder", "left"]]


def test_portable_pipeline_loads_without_project_code(tmp_path):
    path = save_pipeline(tmp_path / "portable", include_context=False)
    code = f"""
import json, spacy
nlp = spacy.load({str(path)!r})
print(json.dumps([nlp.pipe_names, [(e.label_, e.ent_id_) for e in nlp("my lower back hurts").ents]]))
"""
    result = _run(code, "")
    assert result.returncode == 0, result.stderr[-2000:]
    names, found = json.loads(result.stdout.strip().splitlines()[-1])
    assert names == ["sentencizer", "entity_ruler"]
    assert ["REGION", "lower_back"] in found


def test_saved_pipeline_gives_the_same_entities_in_process(nlp, tmp_path):
    path = save_pipeline(tmp_path / "same")
    loaded = spacy.load(path)
    text = "no fevar, my dad had cancer, I used to limp and my left heel hurts 7/10, sholder too"
    assert [(e.text, e.label_, e.ent_id_, e._.is_negated, e._.is_family, e._.is_historical)
            for e in loaded(text).ents] == [
        (e.text, e.label_, e.ent_id_, e._.is_negated, e._.is_family, e._.is_historical) for e in nlp(text).ents
    ]
