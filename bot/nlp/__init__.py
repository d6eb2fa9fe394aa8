"""The clinical language layer: a rule-based spaCy + medspaCy pipeline over the
term lists in data/nlp, and extract() that turns a patient's message into
intake-record values (regions, symptoms, gait, findings with negation, family,
history and hypothetical context).

    from bot.nlp import extract
    extract("lower back's been killing me for 3 wks, shoots down my left leg").radiation_to
    # ['leg']

Importing this package registers the pipeline's custom spaCy component, which
``spacy.load`` of a saved pipeline (save_pipeline) needs.
"""
from bot.nlp.components import ClinicContext
from bot.nlp.spelling import ClinicSpelling
from bot.nlp.extract import Extraction, extract, words_for
from bot.nlp.pipeline import build_pipeline, load_pipeline, save_pipeline

__all__ = [
    "ClinicContext",
    "ClinicSpelling",
    "Extraction",
    "build_pipeline",
    "extract",
    "load_pipeline",
    "save_pipeline",
    "words_for",
]
