"""Misspelt clinical words read as the word meant: "ankel swolen" matches "ankle swollen".

Patients type on phones, dictate, write in a second language: "sholder", "numbnes",
"twistd", "siatica", "walkin". Listing every misspelling of every phrase cannot keep
up, so this component gives such a token the spelling of the clinical word it is one
edit away from (pyspellchecker does the edits), in ``token.norm_``; the entity ruler
and the co-occurrence rules match on NORM. The text itself is never changed.

A token is only corrected when it is no English word (pyspellchecker's English word
list), no word of our own term lists (data/nlp) and at least ``min_length`` letters
long, or one shorter with two letters swapped or one dropped ("pian", "nevr"): "cancel"
stays "cancel" although "cancer" is one letter away, and "copd" is no "cold". A
capitalised word inside a sentence is a name ("Cath") and stays as it is. Every other token gets ``norm_`` =
``lower_``, so matching on NORM is matching on LOWER plus the corrections.
"""
# (no "from __future__ import annotations": spaCy validates the factory signature at runtime)

from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import srsly
from spacy.language import Language
from spacy.tokens import Doc, Token
from spacy.util import ensure_path
from spellchecker import SpellChecker

FACTORY = "clinic_spelling"
VOCAB_FILE = "spelling.json"
# Which slip is likelier, when a word is one edit from two of our words: two letters
# swapped ("wrose": worse, not wrote), a letter dropped ("peing": peeing, not being), a
# wrong letter ("fevar": fever, not fear), an extra letter ("skiin" is skiing first).
_EDIT_RANK = {"swap": 4, "dropped": 3, "wrong": 2, "extra": 1}
# Four-letter words are only read as another when a letter was swapped or dropped
# ("pian", "arhc", "nevr", "ankl"): a wrong letter in so short a word is as likely a
# word we do not know ("copd", "cafe").
_SHORT_EDITS = frozenset({"swap", "dropped"})


def edit_kind(word: str, candidate: str) -> str:
    """How ``candidate`` differs from ``word``, one edit apart."""
    if len(candidate) == len(word) + 1:
        return "dropped"
    if len(candidate) == len(word) - 1:
        return "extra"
    diff = [i for i, (a, b) in enumerate(zip(word, candidate)) if a != b]
    if len(diff) == 2 and diff[1] == diff[0] + 1 and word[diff[0]] == candidate[diff[1]]:
        return "swap"
    return "wrong"


class ClinicSpelling:
    """Sets token.norm_: the lower-case word, or the clinical word a misspelling means."""

    def __init__(self, nlp: Language, name: str, min_length: int = 5):
        self.name = name
        self.min_length = min_length
        self.words: List[str] = []
        self.keep: List[str] = []
        self.respell: Dict[str, str] = {}
        self._english = SpellChecker(distance=1)
        self._ours = SpellChecker(language=None, distance=1)
        self._known: frozenset = frozenset()
        self._cache: Dict[str, Optional[str]] = {}
        self._tokenizer = nlp.tokenizer
        self._pieces: Dict[str, Tuple[str, str]] = {}

    def set_words(self, words: Iterable[str], keep: Iterable[str] = (),
                  respell: Optional[Dict[str, str]] = None) -> None:
        """Our vocabulary (the words corrections may go to), words never to correct, and
        misspellings too short or too English to guess, with the word they mean."""
        self.words = sorted({w.lower() for w in words if w.isalpha()})
        self.keep = sorted({w.lower() for w in keep})
        self.respell = {str(k).lower(): str(v).lower() for k, v in (respell or {}).items()}
        self._ours = SpellChecker(language=None, distance=1)
        self._ours.word_frequency.load_words(self.words)
        self._known = frozenset(self.words) | frozenset(self.keep)
        self._cache = {}
        # our words the tokenizer splits in two ("doesnt" -> "does", "nt"; "cant" -> "ca", "nt")
        self._pieces = {}
        for word in self.words:
            pieces = [t.lower_ for t in self._tokenizer(word)] if self._tokenizer is not None else [word]
            if len(pieces) == 2:
                self._pieces[word] = tuple(pieces)

    def correct(self, word: str) -> Optional[str]:
        """The clinical word ``word`` misspells, or None."""
        if word in self.respell:
            return self.respell[word]
        if word in self._cache:
            return self._cache[word]
        fixed = None
        if (len(word) >= self.min_length - 1 and word.isalpha() and word not in self._known
                and word not in self._english):
            kinds = {c: edit_kind(word, c) for c in self._ours.candidates(word) or () if c != word and c in self._known}
            if len(word) < self.min_length:
                kinds = {c: kind for c, kind in kinds.items() if kind in _SHORT_EDITS}
            if kinds:
                # the likeliest slip, then the commoner English word, then the first alphabetically
                fixed = max(sorted(kinds), key=lambda c: (_EDIT_RANK[kinds[c]], self._english.word_frequency[c]))
        if len(self._cache) < 50_000:
            self._cache[word] = fixed
        return fixed

    def __call__(self, doc: Doc) -> Doc:
        split = []
        for token in doc:
            lower = token.lower_
            name = token.is_title and not token.is_sent_start
            token.norm_ = (None if name else self.correct(lower)) or lower
            if token.norm_ != lower and token.norm_ in self._pieces:
                split.append(token)
        if split:
            self._split(doc, split)
        return doc

    def _split(self, doc: Doc, tokens: List[Token]) -> None:
        """"dosent" means "doesnt", which the tokenizer (and so every cue) has as "does" + "nt":
        the misspelling is split the same way, its last piece as long as the word's."""
        with doc.retokenize() as retokenizer:
            for token in tokens:
                head, tail = self._pieces[token.norm_]
                text = token.text
                if len(text) <= len(tail):
                    continue
                orths = [text[:-len(tail)], text[-len(tail):]]
                retokenizer.split(token, orths, heads=[(token, 1), token], attrs={"NORM": [head, tail]})

    def to_disk(self, path: Path, exclude: Iterable[str] = ()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / VOCAB_FILE, {"min_length": self.min_length, "words": self.words, "keep": self.keep,
                                             "respell": self.respell})

    def from_disk(self, path: Path, exclude: Iterable[str] = ()) -> "ClinicSpelling":
        data = srsly.read_json(ensure_path(path) / VOCAB_FILE)
        self.min_length = int(data["min_length"])
        self.set_words(data["words"], data.get("keep") or (), data.get("respell") or {})
        return self


@Language.factory(FACTORY, default_config={"min_length": 5})
def make_clinic_spelling(nlp: Language, name: str, min_length: int) -> ClinicSpelling:
    return ClinicSpelling(nlp, name, min_length)
