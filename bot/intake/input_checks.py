"""Recognise input that is not an answer: empty, emoji only, another language, gibberish.

Cheap heuristics on purpose: they run on every message and must never raise.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional

MAX_PROCESSED_CHARS = 5000  # longer messages are cut before any parsing
MAX_STORED_ANSWER_CHARS = 500

# Frequent function words of the languages patients in NJ/NY most often write in
# besides English. A message dominated by them, with no English ones, is answered in
# English with the clinic's phone.
_FOREIGN = {
    "es": {"el", "la", "los", "las", "de", "que", "y", "en", "me", "mi", "duele", "dolor",
           "espalda", "pie", "tengo", "hola", "por", "favor", "una", "un", "muy", "es", "con"},
    "pt": {"o", "os", "as", "do", "da", "que", "e", "em", "meu", "minha", "dor", "nas", "costas",
           "tenho", "olá", "obrigado", "muito", "pé", "não", "uma", "um"},
    "fr": {"le", "la", "les", "de", "des", "et", "je", "mon", "ma", "mal", "au", "dos", "pied",
           "bonjour", "j'ai", "est", "une", "un", "très", "avec", "pas"},
    "de": {"der", "die", "das", "und", "ich", "habe", "mein", "meine", "rücken", "fuß",
           "schmerzen", "hallo", "nicht", "ein", "eine", "sehr", "mit"},
    "it": {"il", "la", "di", "che", "e", "ho", "mal", "schiena", "piede", "dolore", "ciao",
           "mio", "mia", "molto", "non", "una", "un"},
}
_ENGLISH = {"the", "i", "my", "and", "it", "is", "have", "pain", "hurts", "back", "foot", "a",
            "in", "to", "of", "no", "yes", "not", "hi", "hello", "leg", "heel", "toe", "me",
            "when", "since", "for", "with", "on", "at", "but", "been", "feel", "can't", "cant"}
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


def trim(text: Optional[str], limit: int = MAX_PROCESSED_CHARS) -> str:
    return (text or "")[:limit]


def classify(text: Optional[str]) -> Optional[str]:
    """Return 'empty', 'no_words', 'other_language', 'gibberish', or None for ordinary text."""
    text = trim(text).strip()
    if not text:
        return "empty"
    letters = [ch for ch in text if ch.isalpha()]
    digits = [ch for ch in text if ch.isdigit()]
    if not letters:
        return None if digits else "no_words"
    non_latin = sum(1 for ch in letters if not _is_latin(ch))
    if non_latin / len(letters) > 0.5:
        return "other_language"
    words = [w.lower() for w in _WORD.findall(text)]
    if _looks_foreign(words):
        return "other_language"
    if _looks_gibberish(words):
        return "gibberish"
    return None


def _is_latin(ch: str) -> bool:
    try:
        return "LATIN" in unicodedata.name(ch)
    except ValueError:
        return False


def _looks_foreign(words: list) -> bool:
    if len(words) < 2:
        return False
    english = sum(1 for w in words if w in _ENGLISH)
    best = max(sum(1 for w in words if w in vocab) for vocab in _FOREIGN.values())
    return best >= 2 and best > 2 * english


def _looks_gibberish(words: list) -> bool:
    """Keyboard mashing: long words without vowels or with long consonant runs."""
    if not words:
        return False
    odd = 0
    for word in words:
        if len(word) < 4:
            continue
        if not re.search(r"[aeiouy]", word) or re.search(r"[^aeiouy\W]{5,}", word):
            odd += 1
    long_words = [w for w in words if len(w) >= 4]
    return bool(long_words) and odd / len(long_words) >= 0.6


# Explicit words for starting over; a message merely classified as "start_over" is not enough.
START_OVER = re.compile(
    r"\b(start(ing)? (again|over|fresh)|restart|reset|begin again|new intake|from the (beginning|start)"
    r"|start a new)\b", re.I)


def asks_to_start_over(text: Optional[str]) -> bool:
    return bool(START_OVER.search(trim(text)))
