"""Building, caching, saving and loading the clinical spaCy pipeline.

blank English -> sentencizer -> clinic_query_marks ("?septic joint" goes on) -> clinic_spelling (misspelt clinical words, as NORM) ->
entity_ruler (data/nlp patterns, matched on NORM) -> clinic_cooccur
(findings from two words said close together) -> clinic_context (medspaCy ConText).
No trained model and no download: everything comes from the data files, so the
pipeline builds offline and the same way everywhere.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Optional, Union

import spacy
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.pipeline.sentencizer import Sentencizer

from bot.nlp import components, terms
from bot.nlp import spelling as spelling_module

PIPELINE_NAME = "clinic_intake_nlp"
PIPELINE_VERSION = "1.0.0"

_lock = threading.Lock()
_pipeline: Optional[Language] = None


def _shouted_contractions(nlp: Language) -> None:
    """spaCy splits "dont" and "Dont" into do + nt but not "DONT": give every lower-case
    word exception its capitals form too, so "what i DONT have: fever" is a denial."""
    for key, pieces in list(nlp.tokenizer.rules.items()):
        shouted = key.upper()
        if (key.islower() and any(c.isalpha() for c in key) and shouted not in nlp.tokenizer.rules
                and "".join(piece[ORTH] for piece in pieces) == key):
            nlp.tokenizer.add_special_case(shouted, [{**piece, ORTH: piece[ORTH].upper()} for piece in pieces])


def _sentence_final_abbreviations(nlp: Language) -> None:
    """"go to A&E." is one token to spaCy (an abbreviation with a dot), so the sentence
    never ends: split the full stop off."""
    # ... nor does a form's "osteoporosis N." or "fever Y."
    for word in ("A&E", "a&e", "A&e", "A+E", "a+e", "N", "n", "Y", "y"):
        nlp.tokenizer.add_special_case(word + ".", [{ORTH: word}, {ORTH: "."}])


QUERY_MARKS = "clinic_query_marks"


@Language.component(QUERY_MARKS)
def query_marks(doc):
    """"?septic joint", "?discitis": a question mark written onto the next word is the
    notes' "query", not the end of a sentence (data/nlp/context.yml reads it as a cue)."""
    for token in doc[:-1]:
        if (token.text == "?" and not token.whitespace_ and doc[token.i + 1].is_alpha
                and (token.i == 0 or doc[token.i - 1].whitespace_)):
            doc[token.i + 1].is_sent_start = False
    return doc


def _assemble(include_context: bool = True) -> Language:
    terms.check_codes()
    nlp = spacy.blank("en")
    _shouted_contractions(nlp)
    _sentence_final_abbreviations(nlp)
    ends = list(Sentencizer.default_punct_chars) + list(terms.load("grammar")["sentence_ends"])
    nlp.add_pipe("sentencizer", config={"punct_chars": ends})
    if include_context:
        # the portable pipeline (no ConText) has no project components to register
        nlp.add_pipe(QUERY_MARKS)
        # misspelt clinical words get the word meant as their NORM, which the ruler matches
        grammar = terms.load("grammar")
        spelling = nlp.add_pipe(spelling_module.FACTORY, config={"min_length": int(grammar["spelling"]["min_length"])})
        spelling.set_words(terms.spelling_vocabulary(), grammar["spelling"]["keep"], grammar["spelling"]["respell"])
    ruler = nlp.add_pipe(
        "entity_ruler",
        config={"phrase_matcher_attr": "NORM" if include_context else "LOWER", "overwrite_ents": True,
                "validate": False},
    )
    ruler.add_patterns(terms.ruler_patterns())
    if include_context:
        # findings from words said close together, then ConText over all of them
        cooccur = nlp.add_pipe(components.COOCCUR_FACTORY)
        cooccur.add_rules(terms.cooccur_rules())
        grammar = terms.load("grammar")
        context = nlp.add_pipe(components.FACTORY, config={
            "clause_openers": list(grammar["clause_openers"]),
            "answer_marks": list(grammar["answer_marks"]),
            "answer_words": list(grammar["answer_words"]),
            "copulas": list(grammar["copulas"]),
            "closing_denials": list(grammar["closing_denials"]),
        })
        context.add_rules(terms.context_rule_specs())
    nlp.meta.update(
        {
            "name": PIPELINE_NAME,
            "version": PIPELINE_VERSION,
            "description": "Rule-based clinical extractor for back and foot pain intake "
            "(regions, symptoms, gait, red-flag findings, negation and history by medspaCy ConText).",
            "author": "clinic-intake-bot",
            "license": "proprietary",
        }
    )
    return nlp


def build_pipeline() -> Language:
    """The clinical pipeline, built once per process (about a second) and shared."""
    global _pipeline
    if _pipeline is None:
        with _lock:
            if _pipeline is None:
                _pipeline = _assemble()
    return _pipeline


def save_pipeline(path: Union[str, Path], include_context: bool = True) -> Path:
    """Write the pipeline as a spaCy package folder (config.cfg, meta.json, components).

    ``spacy.load(path)`` then works offline, e.g. for Rasa's SpacyNLP; the process
    must have imported ``bot.nlp`` first so that spaCy finds the clinic_context
    factory. With include_context=False only built-in spaCy components are saved
    (sentencizer and entity ruler, no negation), loadable with no project code.
    """
    path = Path(path)
    nlp = build_pipeline() if include_context else _assemble(include_context=False)
    nlp.to_disk(path)
    return path


def load_pipeline(path: Union[str, Path]) -> Language:
    """spacy.load for a saved pipeline; this module's import registered the factory."""
    return spacy.load(Path(path))
