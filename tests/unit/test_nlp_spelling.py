"""Misspelt clinical words (bot/nlp/spelling.py): read as the word meant, in NORM only."""
import pytest

from bot.nlp import build_pipeline, extract


@pytest.fixture(scope="module")
def spelling():
    return build_pipeline().get_pipe("clinic_spelling")


@pytest.mark.parametrize("typed, meant", [
    ("sholder", "shoulder"),   # dropped letter
    ("twistd", "twisted"),     # dropped ending letter
    ("siatica", "sciatica"),
    ("walkin", "walking"),     # dropped g
    ("bladdr", "bladder"),
    ("fevar", "fever"),        # a wrong letter before a dropped one ("fear")
    ("skiin", "skiing"),       # a dropped letter before an extra one ("skin")
    ("problms", "problems"),
])
def test_misspellings_are_read_as_the_clinical_word(spelling, typed, meant):
    assert spelling.correct(typed) == meant


@pytest.mark.parametrize("word", [
    "cancel",   # English, though one letter from "cancer"
    "sweet",    # English, one letter from "sweat"
    "copd",     # too short to guess at
    "cafe",     # four letters, a wrong one ("came"): no guess
    "spina",    # kept: spina bifida
    "xyzzyq",   # nothing near it
])
def test_words_that_are_not_corrected(spelling, word):
    assert spelling.correct(word) is None


def test_only_norm_changes_not_the_text():
    doc = build_pipeline()("my left sholder hurts")
    token = doc[2]
    assert token.text == "sholder" and token.norm_ == "shoulder"
    assert [(e.text, e.ent_id_) for e in doc.ents if e.label_ == "REGION"] == [("sholder", "shoulder")]
    assert doc[0].norm_ == "my"  # other tokens: their lower-case form, not spaCy's default norms


def test_misspelt_message_fills_the_facts():
    ex = extract("no fevar, no bladdr problms, my lower back is killin me and my sholder")
    assert ex.findings["fever"].present is False
    assert ex.findings["urinary_retention"].present is False
    assert {s.region for s in ex.pain_sites} >= {"lower_back", "shoulder"}


def test_an_english_word_near_a_red_flag_word_raises_nothing():
    ex = extract("i need to cancel my appointment on friday, my heel is sore")
    assert "cancer_history" not in ex.findings


@pytest.mark.parametrize("typed, meant", [
    ("pian", None),      # an English word list has it: left alone
    ("arhc", "arch"),    # four letters: two swapped
    ("nevr", "never"),   # four letters: one dropped
    ("copd", None),      # four letters, a wrong one: no guess
    ("wrose", "worse"),  # swapped before wrong ("wrote")
    ("peing", "peeing"),  # dropped before wrong ("being")
])
def test_short_words_and_which_slip_wins(spelling, typed, meant):
    assert spelling.correct(typed) == meant


def test_a_name_inside_a_sentence_is_not_corrected():
    doc = build_pipeline()("my carer Cath says the heel is worse")
    assert doc[2].norm_ == "cath"


def test_misspelt_cues_work_too():
    # "nevr" is a ConText negation cue once read as "never"
    ex = extract("nevr had back surgry")
    assert ex.findings["prior_spine_surgery"].present is False


@pytest.mark.parametrize("typed, meant", [("rite", "right"), ("nite", "night"), ("bth", "both"), ("kne", "knee")])
def test_listed_misspellings_are_respelt(spelling, typed, meant):
    # too short or too English to guess: grammar.yml spelling respell lists them
    assert spelling.correct(typed) == meant


def test_every_phrase_matches_a_respelt_word():
    # "twisted my right ankle" is a sprain phrase; "rite" and "anckle" are read into it
    assert extract("twistd my rite anckle stepping off the kerb").findings["sprain"].present is True
    assert extract("no pain at nite, only when i walk").findings["night_pain"].present is False
