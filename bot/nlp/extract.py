"""extract(): a patient's message in the intake record's vocabulary.

The pipeline (bot.nlp.pipeline) finds the mentions and ConText marks which are
negated, about family, past or hypothetical. This module decides what they add
up to: which regions hurt, where the pain goes, which findings are present or
denied. Regions are tied to symptoms by a short walk over small words
(data/nlp/grammar.yml), which copes with run-on, unpunctuated messages better
than a parser trained on edited text would.

Rules for findings: an affirmed mention sets present=True, a negated one
present=False (True wins when both are said); mentions about family or
hypothetical ones are left out, and so are past ones unless the finding is
history by nature (cancer, spine surgery...: data/nlp/findings.yml).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span

from bot import codes
from bot.intake import parse
from bot.intake.record import Finding, PainSite
from bot.nlp import terms
from bot.nlp.components import WRITTEN_FOR, WRITTEN_FOR_BEFORE
from bot.nlp.pipeline import build_pipeline
from bot.nlp.terms import (
    CARE, CAUSE, DURATION, EXTENT, FINDING, GAIT, GAIT_OK, ONSET, REGION, SEVERITY, SIDE, SYMPTOM,
)

# Longer messages are cut: the intake asks one thing at a time, and this bounds the work.
MAX_CHARS = 20000
# No word is this long. spaCy's tokenizer is slow on long runs without spaces (5,000
# emoji took 3 s), so such runs are blanked out, keeping every character offset.
MAX_WORD_CHARS = 64
_LONG_RUN = re.compile(rf"\S{{{MAX_WORD_CHARS + 1},}}")
WORDS_MAX = 200  # Finding.words and cause_words
NEAREST_ANCHOR_TOKENS = 6  # last resort for a region the walks could not tie
REGION_WORDS_REACH = 6  # "the inner side of my left ankle": a part named before its region
EXTRACTOR = "clinic_nlp"

# Mentions that only say where, when or how much: a sentence with nothing else is
# an answer to "where does it hurt?".
_LOCATION_ONLY = frozenset({REGION, SIDE, DURATION, SEVERITY, ONSET, EXTENT})
BELOW_KNEE_REGIONS = codes.LEG_BELOW_KNEE | codes.FOOT_REGIONS
ABOVE_KNEE_REGIONS = codes.LEG_ABOVE_KNEE | {"knee"}


@dataclass
class Extraction:
    pain_sites: List[PainSite] = field(default_factory=list)
    radiation: Optional[bool] = None
    radiation_to: List[str] = field(default_factory=list)
    below_knee: Optional[bool] = None
    numbness: Optional[bool] = None
    numbness_sites: List[str] = field(default_factory=list)
    weakness: Optional[bool] = None
    weakness_sites: List[str] = field(default_factory=list)
    gait: List[str] = field(default_factory=list)
    gait_denied: bool = False
    severity: Optional[int] = None
    severity_vague: bool = False
    onset: Optional[str] = None
    duration_days: Optional[int] = None
    cause: Optional[str] = None
    cause_words: Optional[str] = None
    prior_care: List[str] = field(default_factory=list)
    findings: Dict[str, Finding] = field(default_factory=dict)
    side: Optional[str] = None  # a side said without a region ("the left one")
    # The side said for each region of any site, pain or not ("my feet are numb": foot both)
    site_sides: Dict[str, str] = field(default_factory=dict)
    entities: List[Dict[str, Any]] = field(default_factory=list)
    # The message is written for someone else, the patient ("writing for my dad", "my
    # husband is 62 and his legs..."): the words that name them (maybe none: "he"). None:
    # written by the patient. Passed back as extract(written_for=...) for the next message.
    written_for: Optional[List[str]] = None

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


# -- mentions ----------------------------------------------------------------------------
def _flag(span: Span, attr: str) -> bool:
    # A pipeline saved without ConText has no such extensions.
    return bool(Span.has_extension(attr) and span._.get(attr))


def _denied_since(span: Span) -> bool:
    """"i used to inject years ago, been clean since 2015, no fevers": a denial said after
    the time cue and before the finding is about now."""
    if not Span.has_extension("modifiers"):
        return False
    times = [m.modifier_span[0] for m in span._.modifiers if m.category in ("HISTORICAL", "DATED", "DATED_LAST_MONTH")]
    denials = [m.modifier_span[0] for m in span._.modifiers if m.category == "NEGATED_EXISTENCE"]
    return bool(times and denials) and all(t < d < span.start for t in times for d in denials)


_FUTURE = frozenset({"will", "'ll", "ll", "ill", "itll", "gonna", "might", "may", "could", "would"})


def _feared_denial(span: Span) -> bool:
    """"scared i'll end up not able to hold my wee": a denial inside what is feared for the
    future (the fear said first, then the denial, both before the mention) is part of the
    fear, unlike "is a fever bad? i don't have one" or "worried, no fever though", where the
    denial is the patient's answer."""
    if not Span.has_extension("modifiers"):
        return False
    doc = span.doc
    fears = [m.modifier_span[0] for m in span._.modifiers if m.category == "HYPOTHETICAL"
             and _FUTURE & {t.lower_ for t in doc[m.modifier_span[0]:m.modifier_span[1]]}]
    denials = [m.modifier_span[0] for m in span._.modifiers if m.category == "NEGATED_EXISTENCE"]
    return bool(fears and denials) and all(f < d < span.start for f in fears for d in denials)


# A sentence that opens with a bare "no" to what was just asked about or advised: "they
# said ring if I get a fever or a bad headache. I've got neither"
_NO_ANSWERS = tuple(sorted((
    "none of them", "none of those", "none of these", "none of that", "none of the above", "i have none",
    "i've got none", "ive got none", "i've got neither", "ive got neither", "i have neither", "i've had neither",
    "ive had neither", "neither", "none so far", "nothing so far", "none yet", "nothing yet", "so far so good",
    "all fine so far", "all good so far", "all fine", "all good", "i haven't", "i havent", "i have not",
    "i didn't", "i didnt", "i did not", "i don't", "i dont", "i do not", "not me", "no to all", "no to both",
    "i can feel it fine", "i can feel it", "no", "nope", "nah", "thankfully not", "luckily not",
    "fortunately not", "not so far", "not at the moment", "not at the minute", "not yet",
    "not that i know of", "not that i know", "not that i'm aware of", "not that im aware of", "not that i've noticed",
    "not that ive noticed", "all normal", "all ok", "all okay", "all clear", "all negative", "none",
    "for now no", "for now not", "so far no", "so far not", "fortunately it does not", "fortunately it doesn't",
    "fortunately it doesnt", "luckily it does not", "thankfully it does not", "is not like this", "it is not like this",
    "its not like this", "it's not like this", "not like this", "nothing like that", "nothing like this", "i say no",
    "i said no", "i answered no", "i do not have this", "i don't have this", "i dont have this"),
    key=len, reverse=True))
# ... or says so later in the sentence: "I have read it carefully and have none of them",
# "Fortunately it does not and I have not"
_NO_IN_ANSWER = re.compile(
    r"\b(?:none of (?:them|these|those|that|the above)|neither (?:of (?:them|these|those)|has happened|have happened"
    r"|happened)|(?:have|got) none|nothing (?:like that|of the sort)|(?:i|it) (?:have|has|does|do|did) not"
    r"|(?:i|it) (?:haven't|havent|hasn't|hasnt|doesn't|doesnt|didn't|didnt))\s*[.!]?\s*$")
_NOT_AN_ANSWER = ("idea", "clue", "sure", "know", "think", "remember", "understand", "mean", "want", "need", "really know")


def _denied_next(span: Span) -> bool:
    """The next sentence answers what this (asked about, advised) mention names with a no."""
    doc, i = span.doc, span.end
    while i < len(doc) and doc[i].text not in (".", "?", "!"):
        i += 1
    while i < len(doc) and (doc[i].is_punct or doc[i].is_quote):
        i += 1
    if i >= len(doc):
        return False
    sentence = _sentence_of(doc[i:i + 1])
    if _NO_IN_ANSWER.search(sentence.text.lower()) and _names_nothing(doc, sentence.start, sentence.end):
        return True
    rest = doc.text[doc[i].idx:doc[i].idx + 60].lower()
    for answer in _NO_ANSWERS:
        if rest.startswith(answer) and not rest[len(answer):len(answer) + 1].isalnum():
            after = rest[len(answer):].strip(" ,")
            if after.startswith(_NOT_AN_ANSWER):
                return False
            # a no that names its own finding ("no fever though") answers only that
            end = i
            while end < len(doc) and doc[end].text not in (",", ".", "?", "!", ";"):
                end += 1
            return _names_nothing(doc, i, end)
    return False


def _names_nothing(doc: Doc, start: int, end: int) -> bool:
    """No mention between the tokens start and end ("all normal" is itself a mention: one
    that says fine, which names nothing)."""
    return not any(ent.start < end and ent.end > start and ent.ent_id_ != "ok" for ent in doc.ents)


# Said to be back after being over: "the tingling I had years ago is back since friday",
# "the ulcer healed but it's opened up again", "the shivering stopped but started again".
_RECURS = re.compile(
    r"^[^.?!;]*?\b(?:(?:is|are|it's|its|it is|has|have|'s|they're|has come|have come|it's come|its come|"
    r"it has come|they've come|came|come|coming|started|starting|flared|flaring|opened|opening|kicked|kicking|"
    r"happening|dropping|going|gone)\s+(?:back|up\s+again|again)|back again|again now|"
    r"recurred|returned|(?:has|have) recurred|(?:has|have) returned|never went away|never went|never cleared|"
    r"never healed|didn't clear|didnt clear|hasn't gone|hasnt gone|not gone away|hasn't cleared|hasnt cleared)\b")
_NOT_RECURRING = re.compile(
    r"\b(?:came|come|coming|has come|have come)\s+back\s+(?:fully|completely|properly|100)|"
    r"(?:\b(?:never|not)|n't|nt)\s+(?:come|came|been)\s+back\b|\bback\s+(?:pink|warm|to\s+normal|normal)\b|\bi\s+(?:came|come|went|got)\s+back\b|back\s+on\b|"
    r"\b(?:feeling|sensation|strength|power|movement|control|weight)\s+(?:has\s+|have\s+|'s\s+|is\s+)?(?:all\s+)?"
    r"(?:came|come|coming|returned|back)")


def _sentence_of(span: Span) -> Span:
    """span.sent, from a per-doc table of sentence bounds (plain numbers, so the doc still
    serialises): Span.sent walks the doc each time, which made long messages with many
    mentions quadratic."""
    doc = span.doc
    table = doc.user_data.get("clinic_sentence_of")
    if table is None:
        table = [0] * len(doc)
        for sent in doc.sents:
            table[sent.start:sent.end] = [(sent.start, sent.end)] * (sent.end - sent.start)
        doc.user_data["clinic_sentence_of"] = table
    start, end = table[span.start]
    return doc[start:end]


def _doc_lower(doc: Doc) -> str:
    """doc.text lower-cased, once per doc (doc.text joins every token each time it is read),
    one character for one so that character offsets still hold ("İ" lower-cases to two)."""
    lower = doc.user_data.get("clinic_lower")
    if lower is None:
        text = doc.text
        lower = text.lower()
        if len(lower) != len(text):
            lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        doc.user_data["clinic_lower"] = lower
    return lower


def _recurs(span: Span) -> bool:
    """The rest of the mention's sentence says it is back (see _RECURS)."""
    rest = _doc_lower(span.doc)[span.end_char:]
    match = _RECURS.match(rest)
    return bool(match) and not _NOT_RECURRING.search(rest[:match.end() + 12])


# "no fever since the antibiotics", "no temp since thursday": none since a time or a
# treatment says there was one before; the finding is over, not denied. "No bladder trouble
# since the pain started" stays a denial (since the complaint began, not since it ended), and
# so does a bare "no fever since." after a procedure, unless the finding was told as over
# earlier in the message ("had a fever saturday but it's gone now, no temp since").
_NONE_SINCE = re.compile(
    r"^\s*(?:at all\s+|now\s+)?since\s+(?:(?:last\s+)?(?:mon|tues|tue|wednes|wed|thurs|thur|fri|satur|sat|sun)(?:day)?\b|"
    r"yesterday|last night|then|the weekend|this morning|(?:the|my|taking the|taking)\s+(?:antibiotics|tablets|paracetamol|"
    r"ibuprofen|meds|medicine)|antibiotics|paracetamol)")
_BARE_SINCE = re.compile(r"^\s*since\s*(?:$|[.,;!])")


def _none_since(span: Span) -> bool:
    """A denial before the finding (or a phrase that denies it), then "since" a time: over."""
    if not Span.has_extension("modifiers") or span.ent_id_.endswith("_topic"):
        return False  # "nothing's right down below since saturday": a topic denied is no finding
    spec = terms.finding_specs()[span.ent_id_]
    denied_before = spec["denies"] or any(
        m.category == "NEGATED_EXISTENCE" and m.modifier_span[0] < span.start for m in span._.modifiers)
    if not denied_before:
        return False
    rest = _doc_lower(span.doc)[span.end_char:span.end_char + 60]
    if _NONE_SINCE.match(rest):
        return True
    names = set(spec["findings"])
    return bool(_BARE_SINCE.match(rest)) and any(
        ent.label_ == FINDING and ent.end <= span.start and _flag(ent, "is_historical")
        and names & set(terms.finding_specs()[ent.ent_id_]["findings"]) for ent in span.doc.ents)


_QUOTES = frozenset({"'", '"', "\u2018", "\u2019", "\u201c", "\u201d", "`"})


def _quoted(span: Span) -> bool:
    """"whats the difference between 'night pain' and ...": a finding in quotes is a word
    the patient is talking about, not something they report."""
    if span.label_ != FINDING:
        return False
    doc = span.doc
    before = span.start > 0 and doc[span.start - 1].text in _QUOTES
    after = span.end < len(doc) and doc[span.end].text in _QUOTES
    return before and after


# A question someone else put, reported: "doc asked if id had any fevers, night pain or
# weight loss", "doctor asked was I ever on steroids long term" (the answer, when it follows,
# is read by _denied_next). An answer or a clause of the patient's own between the question
# and the finding ends it: "...and yes i've lost weight".
_ASKED = re.compile(r"\b(?:asked|asking|asks|wanted to know|checked|checking)(?:\s+(?:me|us|him|her|them))?"
                    r"\s+(?:if|whether|about|was i|were you|have you|had you|had i|have i|did you|did i|do you|do i|"
                    r"are you|am i)\b(?P<rest>[^.?!;:]*)$")
_ASKED_ANSWERED = re.compile(r"\b(?:yes|yeah|yep|but|though|however|which|and i|and im|and ive|and my|i said|"
                             r"told (?:him|her|them))\b")

# (a few words may finish the question first: "asked was i ever on steroids long term, yes for 5 years")
_ASKED_YES = re.compile(r"^[^,.;?!-]{0,20}?\s*(?:[,-]\s*)?(?:and\s+|which\s+)?"
                        r"(?:yes|yeah|yep|i do|i have|i did|i am|i'm|im|i had)\b")


# A list after advice and a colon is what to watch for, to the sentence's end: "discharge
# letter says go to ED if: numbness in saddle area, loss of bladder control, fever".
# ("for" is not one: "writing this for me: I can't feel my foot")
_ADVICE_BEFORE_COLON = frozenset({"if", "include", "includes", "including", "flags", "signs", "when"})


def _advice_listed(span: Span) -> bool:
    if ":" not in _doc_lower(span.doc):
        return False
    sentence = _sentence_of(span)
    colons = [t.i for t in span.doc[sentence.start:span.start] if t.text == ":"]
    return bool(colons) and any(
        t.lower_ in _ADVICE_BEFORE_COLON for t in span.doc[max(sentence.start, colons[-1] - 2):colons[-1]])


# A condition with what to do then, in one sentence: "they told me if i cut my foot and it
# wont stop bleeding go straight to A&E", "if my foot goes red and i get a temp i need A&E".
# (A bare "if" reaches three words in ConText: "if I cough I wet myself" is a real leak.)
_CONDITION_BEFORE = re.compile(r"\bif\b(?![^,;]*\b(?:but|though|however)\b)[^.?!;]*$")
_THEN_ACT = re.compile(
    r"^[^.?!;]*?\b(?:go|going|get|come|head|call|ring|phone|dial|need|needs|should|must|to)\b[^.?!;]{0,20}?"
    r"\b(?:a&e|a & e|a and e|er|ed|e\.r|emergency|hospital|999|911|111|ambulance|urgent care|casualty)\b")

_ASKS_WHAT_TO_DO = re.compile(r"\?|\b(?:should|shall|do|can|must)\s+i\b")


def _conditional_advice(span: Span) -> bool:
    text = _doc_lower(span.doc)
    if "if" not in text:
        return False
    sentence = _sentence_of(span)
    after = text[span.end_char:sentence.end_char]
    # "if i cough i wet myself, should i go to a&e?" asks about a real leak
    return bool(_CONDITION_BEFORE.search(text[sentence.start_char:span.start_char])
                and _THEN_ACT.match(after) and not _ASKS_WHAT_TO_DO.search(after))


def _asked_of(span: Span) -> Optional[bool]:
    """True: asked about and not answered; False: asked and answered yes on the spot ("they
    asked if i had a temperature, i do": the "if" of the question does not make it a maybe);
    None: not a reported question."""
    if span.label_ not in (FINDING, GAIT):
        return None
    text = _doc_lower(span.doc)
    if not any(word in text for word in ("ask", "wanted to know", "check")):
        return None
    sentence = _sentence_of(span)
    before = text[sentence.start_char:span.start_char]
    match = _ASKED.search(before)
    if not match or _ASKED_ANSWERED.search(match.group("rest")):
        return None
    # "people keep asking if im poorly, back aches day and night": a symptom told in between
    # is the patient's own report, and so is what follows it
    asked_end = sentence.start_char + match.start("rest")
    if any(ent.label_ == SYMPTOM and ent.start_char >= asked_end and ent.end <= span.start for ent in span.doc.ents):
        return None
    # "they asked whether i had a fever, i do": answered yes on the spot
    return not _ASKED_YES.match(text[span.end_char:sentence.end_char])


def _finding_with_cue(span: Span, category: str) -> Optional[Set[str]]:
    """The finding names of a FINDING mention that a cue of this category modifies."""
    if span.label_ != FINDING or not Span.has_extension("modifiers"):
        return None
    if not any(modifier.category == category for modifier in span._.modifiers):
        return None
    return set(terms.finding_specs()[span.ent_id_]["findings"])


def _chronic(span: Span) -> bool:
    """"leaking when I sneeze, been like that since my kids, nothing new": a finding said to
    be long-standing, of those findings.yml lists as not new when chronic."""
    names = _finding_with_cue(span, "CHRONIC")
    return bool(names) and names <= terms.finding_rules()["chronic_is_not_new"]


def _dated_past(span: Span) -> bool:
    """"had a fever in august": a finding dated to a month (a DATED cue) is over, unless
    findings.yml lists it as recent when dated; "a fever last month" too, unless listed as
    recent last month."""
    rules = terms.finding_rules()
    names = _finding_with_cue(span, "DATED")
    if names and not names & rules["recent_when_dated"]:
        return True
    names = _finding_with_cue(span, "DATED_LAST_MONTH")
    return bool(names) and not names & (rules["recent_when_dated"] | rules["recent_last_month"])


@dataclass(eq=False)
class Mention:
    """One entity of the doc, with its ConText flags."""

    span: Span
    negated: bool
    family: bool
    historical: bool
    hypothetical: bool

    @classmethod
    def of(cls, span: Span) -> "Mention":
        negated, family, historical, hypothetical = (
            _flag(span, a) for a in ("is_negated", "is_family", "is_historical", "is_hypothetical"))
        historical = (historical or _dated_past(span) or _chronic(span)) and not (negated and _denied_since(span))
        historical = historical and not _recurs(span)
        if span.label_ == FINDING and not family and _none_since(span):
            negated, historical = False, True
        asked = _asked_of(span)
        hypothetical = ((hypothetical and asked is not False) or _quoted(span) or asked is True or _advice_listed(span)
                        or _conditional_advice(span))
        negated = (negated and not (hypothetical and _feared_denial(span))) or (
            hypothetical and not negated and not family and _denied_next(span))
        family = family and not _finding_with_cue(span, "SHARED")  # "my son has a fever and so do I"
        if family and _finding_with_cue(span, "NOT_MINE"):
            family, negated = False, True  # "my sister's the diabetic, I'm not": the patient's no
        return cls(span, negated, family, historical, hypothetical)

    @property
    def label(self) -> str:
        return self.span.label_

    @property
    def key(self) -> str:
        return self.span.ent_id_ or self.span.text.lower()

    @property
    def start(self) -> int:
        return self.span.start

    @property
    def end(self) -> int:
        return self.span.end

    @property
    def about_patient(self) -> bool:
        return not (self.family or self.hypothetical)

    @property
    def current(self) -> bool:
        """Affirmed, about the patient, now."""
        return self.about_patient and not (self.negated or self.historical)


@dataclass
class Site:
    """A region tied to a symptom kind: role "site" (it is felt there), "path"
    (the pain travels there) or "origin" (the pain travels from there)."""

    region: Mention
    kind: str
    role: str = "site"


# Words after "a few weeks back" that show "back" means "ago": "...back my heel started".
_AFTER_AGO = frozenset({"i", "my", "me", "the", "a", "when", "we", "he", "she", "it", "that", "this", "in", "on", "at",
                        "after", "before", "while", "then", "now", "so", "since", "there", "they", "our", "his", "her"})


def _back_as_ago(doc: Doc, ent: Span) -> bool:
    """"back" of "a few weeks back, I ...": a time (the duration took "weeks", so the
    ignore phrase "weeks back" cannot match), not the back. "3 weeks back pain" keeps it."""
    if ent.label_ != REGION or ent.ent_id_ != "back" or len(ent) != 1 or ent.start == 0:
        return False
    before = doc[ent.start - 1]
    if before.ent_type_ != DURATION:
        return False
    if ent.end == len(doc):
        return True
    after = doc[ent.end]
    return after.is_punct or after.lower_ in _AFTER_AGO


class _Message:
    """The doc with its mentions indexed by token, and the side of each region."""

    def __init__(self, doc: Doc):
        self.doc = doc
        self.mentions = [Mention.of(ent) for ent in doc.ents
                         if ent.label_ != terms.IGNORE and not _back_as_ago(doc, ent)]
        self.mentions = sorted(self.mentions + _mine(doc, self.mentions), key=lambda m: m.start)
        self.owner: Dict[int, Mention] = {i: m for m in self.mentions for i in range(m.start, m.end)}
        self.regions = [m for m in self.mentions if m.label == REGION]
        self.sides: Dict[int, Optional[str]] = {}
        self.used_sides: Set[int] = set()
        self.implied: List["Site"] = []  # regions findings and gait imply (set by extract)
        # (token index, side, region) for "L foot": the side shares the region's context
        self.letter_sides: List[Tuple[int, str, Mention]] = []
        # Sentences by token, computed once: Span.sent walks the doc on every call.
        self.text = doc.text
        self.sentences = [doc[s.start:s.end] for s in doc.sents]
        self.sent_index = [0] * len(doc)
        for number, sent in enumerate(self.sentences):
            self.sent_index[sent.start:sent.end] = [number] * len(sent)
        self.by_sentence: Dict[int, List[Mention]] = {}
        for mention in self.mentions:
            self.by_sentence.setdefault(self.sent_index[mention.start], []).append(mention)
        self.anchors_by_sentence = {
            number: [m for m in mentions if anchor_kind(m)] for number, mentions in self.by_sentence.items()
        }
        self.location_only = {
            number: all(m.label in _LOCATION_ONLY for m in mentions) for number, mentions in self.by_sentence.items()
        }
        _resolve_sides(self)

    def of(self, *labels: str) -> List[Mention]:
        return [m for m in self.mentions if m.label in labels]

    def side(self, region: Mention) -> Optional[str]:
        if isinstance(region, _ImpliedRegion):
            # "sprained my right ankle": the side sits inside the phrase that implies the region
            return _side_inside(region)
        return self.sides.get(id(region))

    def sentence(self, mention: Mention) -> Span:
        return self.sentences[self.sent_index[mention.start]]

    def words(self, mention: Mention) -> str:
        return words_for(mention.span, self.sentence(mention), self.text)

    def same_sentence(self, mention: Mention) -> List[Mention]:
        return self.by_sentence.get(self.sent_index[mention.start], [])


class _MineRegion(Mention):
    """"my wife's feet are numb, mine just ache": "mine" stands for the region named of
    someone else before it, now the patient's."""

    def __init__(self, span: Span, region: str):
        super().__init__(span, False, False, False, False)
        self._region = region

    @property
    def label(self) -> str:
        return REGION

    @property
    def key(self) -> str:
        return self._region


MINE_REACH = 30  # tokens back to the other person's region


def _mine(doc: Doc, mentions: List[Mention]) -> List[Mention]:
    taken = {i for m in mentions for i in range(m.start, m.end)}
    found: List[Mention] = []
    for token in doc:
        if token.lower_ != "mine" or token.i in taken or (token.i > 0 and doc[token.i - 1].lower_ == "of"):
            continue
        theirs = [m for m in mentions if m.label == REGION and m.family and token.i - MINE_REACH <= m.end <= token.i]
        if theirs:
            found.append(_MineRegion(doc[token.i:token.i + 1], theirs[-1].key))
    return found


def anchor_kind(mention: Mention) -> Optional[str]:
    """The symptom kind a mention stands for, if any ("getting weaker" is weakness)."""
    if mention.label == SYMPTOM:
        return mention.key
    if mention.label == FINDING:
        return terms.finding_specs()[mention.key]["implies"].get("symptom")
    if mention.label == GAIT:
        # "can't put weight on my left foot": the walking change says the foot hurts
        return (terms.gait_implies().get(mention.key) or {}).get("symptom")
    return None


# -- sides ---------------------------------------------------------------------------------
def _resolve_sides(msg: _Message) -> None:
    """Side of each region: a side word in it, just before it, just after it, shared
    with the region it is listed with, "both" for plurals, midline for the spine."""
    past_sided: Set[int] = set()  # "it was both legs at first, now just the left"
    for region in msg.regions:
        msg.sides[id(region)] = _side_inside(region) or _side_before(msg, region, past_sided)
    for region in msg.regions:
        if msg.sides[id(region)] is None and id(region) not in past_sided:
            msg.sides[id(region)] = _side_after(msg, region)
    for index, region in enumerate(msg.regions):
        if msg.sides[id(region)] is None and id(region) not in past_sided:
            msg.sides[id(region)] = _side_default(msg, region, msg.regions[:index])
    _side_spread(msg)
    _side_course(msg)


def _says_at(msg: _Message, at: int, phrase: str) -> bool:
    """The words from token at on are the phrase ("too", "has it too")."""
    words = phrase.split()
    return [t.lower_ for t in msg.doc[at:at + len(words)]] == words


def _side_spread(msg: _Message) -> None:
    """"my left leg went weak, now the right one too": a lone side said with "too" after
    a region of the other side spreads that region to both sides."""
    too = terms.grammar()["side_too"]
    for side in msg.of(SIDE):
        if id(side) in msg.used_sides or side.negated or side.key not in ("left", "right"):
            continue
        if not any(_says_at(msg, side.end, w) for w in too):
            continue
        earlier = [r for r in msg.regions if r.end <= side.start and r.key in codes.SIDED_REGIONS]
        if earlier and msg.sides.get(id(earlier[-1])) in ("left", "right") and msg.sides[id(earlier[-1])] != side.key:
            msg.sides[id(earlier[-1])] = "both"
            msg.used_sides.add(id(side))


_POSSESSIVES = frozenset({"my", "the", "his", "her", "their", "your", "a", "one", "in", "on"})


def _words_before(msg: _Message, region: Mention, count: int = 6) -> str:
    """The words just before a region, its side and possessive left out: "only the right
    leg" -> "... only"."""
    words: List[str] = []
    i = region.start - 1
    while i >= 0 and len(words) < count:
        mention = msg.owner.get(i)
        if not words and mention is not None and mention.label == SIDE:
            i = mention.start - 1
            continue
        if not words and mention is None and msg.doc[i].lower_ in _POSSESSIVES:
            i -= 1
            continue
        words.append(msg.doc[i].lower_)
        i -= 1
    return " ".join(reversed(words))


def _side_course(msg: _Message) -> None:
    """Sides over time. A later side of the same region joins the earlier one ("sciatica
    started in my left leg, now the right leg has it too"), is now the only one ("it was
    in both legs last month but now it's only the right leg"), or the complaint has left
    the earlier one ("the pain moved from my left leg to my right leg")."""
    grammar = terms.grammar()
    sided = [r for r in msg.regions if r.key in codes.SIDED_REGIONS and r.current]
    for index, region in enumerate(sided):
        side = msg.sides.get(id(region))
        earlier = [r for r in sided[:index] if r.key == region.key and msg.sides.get(id(r))]
        if side not in ("left", "right", "both") or not earlier:
            continue
        before = earlier[-1]
        if (msg.sides[id(before)] in ("left", "right") and side in ("left", "right") and side != msg.sides[id(before)]
                and any(_says_at(msg, region.end, w) for w in grammar["side_joins"])):
            msg.sides[id(before)] = "both"
            continue
        between = " " + " ".join(t.lower_ for t in msg.doc[before.end:region.start]) + " "
        said_before = " " + _words_before(msg, region)
        if (any(said_before.endswith(" " + w) for w in grammar["side_only"])
                and any(f" {w} " in between for w in grammar["side_now"])):
            for other in earlier:
                msg.sides[id(other)] = None
    for index, region in enumerate(sided):
        said_before = " " + _words_before(msg, region)
        if (any(said_before.endswith(" " + w) for w in grammar["side_left_from"])
                and any(r.key == region.key and msg.sides.get(id(r)) for r in sided[index + 1:])):
            msg.sides[id(region)] = None


def _side_inside(region: Mention) -> Optional[str]:
    words = terms.side_words()
    found = {words[t.lower_] for t in region.span if t.lower_ in words and len(t.lower_) > 2}
    return _combine_sides(found)


def _side_before(msg: _Message, region: Mention, past_sided: Optional[Set[int]] = None) -> Optional[str]:
    reach = terms.grammar()["side_before"]
    letters = terms.load("sides")["side_letters"]
    before = region.start - 1
    if before >= 0 and before not in msg.owner and msg.doc[before].lower_ in letters:
        msg.letter_sides.append((before, letters[msg.doc[before].lower_], region))
        return letters[msg.doc[before].lower_]
    for i in range(before, max(region.start - reach - 1, -1), -1):
        mention = msg.owner.get(i)
        if mention is not None and mention.label == REGION:
            return None
        if mention is not None and mention.label == SIDE and not mention.negated:
            if _lone_side_too(msg, mention):
                return None  # "now it's spreading to the left too, back pain": the leg's side
            msg.used_sides.add(id(mention))
            if mention.historical and past_sided is not None:
                past_sided.add(id(region))  # the side it was, not the side it is: none said now
                return None
            return mention.key
    return None


def _lone_side_too(msg: _Message, side: Mention) -> bool:
    """A side followed by "too" and a stop: said of a region before it."""
    for too in terms.grammar()["side_too"]:
        stop = side.end + len(too.split())
        if _says_at(msg, side.end, too) and (stop >= len(msg.doc) or msg.doc[stop].is_punct):
            return True
    return False


def _side_after(msg: _Message, region: Mention) -> Optional[str]:
    reach = terms.grammar()["side_after"]
    letters = terms.load("sides")["side_letters"]
    for i in range(region.end, min(region.end + reach, len(msg.doc))):
        mention = msg.owner.get(i)
        if mention is None and msg.doc[i].lower_ in letters and i > region.end and msg.owner.get(i - 1) is not None:
            # "knee pain L 5/10": a lone letter right after the region's symptom
            msg.letter_sides.append((i, letters[msg.doc[i].lower_], region))
            return letters[msg.doc[i].lower_]
        if mention is not None and mention.label == REGION:
            return None
        if mention is not None and mention.label == SIDE and not mention.negated:
            if id(mention) in msg.used_sides:
                return None
            msg.used_sides.add(id(mention))
            return mention.key
    return None


def _side_default(msg: _Message, region: Mention, earlier: List[Mention]) -> Optional[str]:
    if region.key in codes.BACK_REGIONS:
        return "midline"
    if region.span.text.lower() in terms.plural_means_both() or region.span[-1].lower_ in terms.plural_means_both():
        return "both"
    if region.key not in codes.SIDED_REGIONS or not earlier:
        return None
    # "my left leg and foot": a region listed right after a sided one shares its side.
    previous = earlier[-1]
    between = msg.doc[previous.end:region.start]
    skip = terms.grammar()["left_skip"]
    if len(between) <= 3 and all(t.lower_ in skip for t in between) and previous.key in codes.SIDED_REGIONS:
        return msg.side(previous)
    return None


def _combine_sides(sides: Iterable[Optional[str]]) -> Optional[str]:
    found = {s for s in sides if s}
    if not found:
        return None
    if "both" in found or {"left", "right"} <= found:
        return "both"
    if len(found) == 1:
        return found.pop()
    return next(s for s in ("left", "right", "midline") if s in found)


# -- tying regions to symptoms ------------------------------------------------------------
@dataclass
class _Walk:
    anchor: Optional[Mention]
    chain: List[Mention]
    distance: int = 0  # tokens between the region and what the walk reached
    path: bool = False  # ended at "from" after regions joined by "to": a radiation path


def _walk(msg: _Message, region: Mention, step: int) -> Optional[_Walk]:
    """From a region leftwards (step -1) or rightwards (+1) to the symptom it goes with.

    A list joiner ("and", ",") is crossed only on the way to another region
    ("my back and my leg hurt"), never straight to a symptom: in "tingling in my
    foot and pain in my back" the foot is not in pain.
    """
    grammar = terms.grammar()
    skip = grammar["left_skip"] if step < 0 else grammar["right_skip"]
    sent = msg.sentence(region)
    i = region.start - 1 if step < 0 else region.end
    chain: List[Mention] = []
    joined_by_path = listing = path = False
    steps = distance = 0
    while sent.start <= i < sent.end and steps <= grammar["max_walk"]:
        mention = msg.owner.get(i)
        if mention is not None:
            if mention.label not in (REGION, SIDE):
                if anchor_kind(mention) and not listing:
                    return _Walk(mention, chain, distance)
                return None
            if mention.label == REGION:
                chain.append(mention)
                path, joined_by_path, listing = path or joined_by_path, False, False
            steps, distance = steps + 1, distance + len(mention.span)
            i = mention.start - 1 if step < 0 else mention.end
            continue
        word = msg.doc[i].lower_
        if step < 0 and path and word in grammar["path_start"]:
            return _Walk(None, chain, distance, path=True)
        if word not in skip:
            return None
        joined_by_path = joined_by_path or (step < 0 and word in grammar["path_joiners"])
        listing = listing or word in grammar["list_joiners"]
        i, steps, distance = i + step, steps + 1, distance + 1
    return None


def _listed_with(msg: _Message, anchor: Mention, step: int) -> List[Mention]:
    """The anchor and the symptoms listed with it: "pain and numbness in my foot"."""
    joiners = terms.grammar()["list_joiners"]
    found = [anchor]
    sent = msg.sentence(anchor)
    i = anchor.start - 1 if step < 0 else anchor.end
    joined = False  # "pain and numbness": a joiner between; "pain doesn't go down" is no list
    while sent.start <= i < sent.end:
        mention = msg.owner.get(i)
        if mention is not None and anchor_kind(mention) and joined:
            found.append(mention)
            joined = False
            i = mention.start - 1 if step < 0 else mention.end
        elif mention is None and msg.doc[i].lower_ in joiners:
            joined = True
            i += step
        else:
            break
    return found


def _nearest_anchor(msg: _Message, region: Mention) -> Optional[Mention]:
    candidates = [
        m for m in msg.anchors_by_sentence.get(msg.sent_index[region.start], [])
        if min(abs(m.start - region.end), abs(region.start - m.end)) <= NEAREST_ANCHOR_TOKENS
    ]
    # An affirmed symptom within reach wins over a nearer negated one: in "the pain is back
    # in my lower back, no numbness" the back hurts; the "no" is about the numbness.
    return min(candidates, key=lambda m: (bool(m.negated), min(abs(m.start - region.end), abs(region.start - m.end))),
               default=None)


def _is_bare(msg: _Message, region: Mention) -> bool:
    """A region in a sentence of nothing but places and times answers "where does
    it hurt?" ("it's more the outside of my foot"); next to a finding or a
    treatment ("an ulcer on my big toe", "surgery at L4-L5") it does not. So does
    such a region in a clause of its own after a complaint: "hurts a lot but i can
    manage, mid back"."""
    if msg.location_only.get(msg.sent_index[region.start], True):
        return True
    sent = msg.sentence(region)
    start, end = region.start, region.end
    while start > sent.start and msg.doc[start - 1].text not in (",", ";"):
        start -= 1
    while end < sent.end and msg.doc[end].text not in (",", ";"):
        end += 1
    clause = [m for m in msg.same_sentence(region) if start <= m.start < end]
    said_before = any(anchor_kind(m) in ("pain", "numbness", "weakness", "radiation") and m.current
                      for m in msg.mentions if m.end <= start)
    return start > sent.start and said_before and all(m.label in _LOCATION_ONLY for m in clause)


def _closest_walk(msg: _Message, region: Mention) -> Optional[Tuple[_Walk, int]]:
    """The left or right walk that reaches a symptom sooner (left on a tie)."""
    walks = [(w, step) for w, step in ((_walk(msg, region, -1), -1), (_walk(msg, region, +1), +1)) if w]
    if walks:
        return min(walks, key=lambda item: item[0].distance)
    return None


def _nearest(msg: _Message, region: Mention) -> Optional[Tuple[_Walk, int]]:
    """The nearest symptom in the sentence, as a walk."""
    anchor = _nearest_anchor(msg, region)
    if anchor is None:
        return None
    return _Walk(anchor, []), (-1 if anchor.start < region.start else +1)


def _pronoun_site(msg: _Message, region: Mention) -> Optional[Site]:
    """"...that cleared up, now it's my right heel", "the right hip is the problem": a
    region named after "it's" / "the problem is" is where the complaint is. It takes the
    kind of the last symptom said before it, or pain."""
    grammar = terms.grammar()
    i, said = region.start - 1, False
    while i >= 0 and ((i in msg.owner and msg.owner[i].label == SIDE)
                      or (i not in msg.owner and (msg.doc[i].lower_ in grammar["left_skip"]
                                                  or msg.doc[i].lower_ in grammar["pronouns"]))):
        said = said or (i not in msg.owner and msg.doc[i].lower_ in grammar["pronouns"])
        i -= 1
    after = region.end
    while after < len(msg.doc) and after not in msg.owner and msg.doc[after].lower_ in grammar["right_skip"]:
        after += 1
    said = said or (
        after < len(msg.doc) and after not in msg.owner and msg.doc[after].lower_ in grammar["pronouns"]
        and msg.doc[after].lower_ not in ("it", "its", "that", "this", "they"))
    if not said:
        return None
    earlier = [m for m in msg.mentions if m.end <= region.start and anchor_kind(m) in ("pain", "numbness", "weakness")
               and m.current]
    if not earlier:
        # "it's the soles of both feet, they burn and feel numb": the symptom said after it
        earlier = [m for m in msg.same_sentence(region) if m.start >= region.end
                   and anchor_kind(m) in ("pain", "numbness", "weakness") and m.current][:1]
    return Site(region, anchor_kind(earlier[-1]) if earlier else "pain")


def _sites_for(msg: _Message, region: Mention) -> List[Site]:
    found = _closest_walk(msg, region)
    if found is None:
        pronoun = _pronoun_site(msg, region)
        if pronoun is not None:
            return [pronoun]
        found = _nearest(msg, region)
    if found is None:
        if _walking_blamed_on(msg, region):
            return [Site(region, "pain")]
        return [Site(region, "bare")] if _is_bare(msg, region) else []
    walk, step = found
    if walk.path:
        origin, path = walk.chain[-1], [region] + walk.chain[:-1]
        extent = _numb_within_the_foot(msg, origin, path)
        if extent:
            return extent
        return [Site(r, "radiation", "path") for r in path] + [Site(origin, "radiation", "origin")]
    sites = []
    for anchor in _listed_with(msg, walk.anchor, step):
        if not anchor.current:
            continue
        kind = anchor_kind(anchor)
        role = ("path" if step < 0 else "origin") if kind == "radiation" else "site"
        sites.append(Site(region, kind, role))
    return sites


_FOOT_AND_ANKLE = codes.FOOT_REGIONS | {"ankle"}


def _numb_within_the_foot(msg: _Message, origin: Mention, path: List[Mention]) -> List[Site]:
    """"both feet are numb from the toes to the ankles": numbness from one part of the foot
    to another is where it is numb, not pain travelling down the leg."""
    if not all(r.key in _FOOT_AND_ANKLE for r in [origin] + path):
        return []
    i = origin.start - 1
    while i >= 0 and i not in msg.owner and msg.doc[i].lower_ in ("the", "my", "from", "frm", "up", "all", "way"):
        i -= 1
    before = msg.owner.get(i)
    if before is None or before.label != SYMPTOM or anchor_kind(before) != "numbness" or not before.current:
        return []
    return [Site(r, "numbness") for r in [origin] + path]


_BLAME = (("because", "of"), ("cause", "of"), ("cos", "of"), ("coz", "of"), ("due", "to"), ("thanks", "to"))


def _walking_blamed_on(msg: _Message, region: Mention) -> bool:
    """"limping since saturday because of my heel": a walking change put down to a part
    says that part hurts."""
    i = region.start - 1
    while i >= 0 and ((i in msg.owner and msg.owner[i].label == SIDE) or
                      (i not in msg.owner and msg.doc[i].lower_ in ("my", "the", "this", "that", "sore", "bad"))):
        i -= 1
    if i < 1 or (msg.doc[i - 1].lower_, msg.doc[i].lower_) not in _BLAME:
        return False
    return any(m.label == GAIT and m.current and m.start < region.start for m in msg.same_sentence(region))


def _implies(mention: Mention) -> Dict[str, str]:
    """What a finding or gait mention says besides itself (data: "implies")."""
    if mention.label == FINDING:
        return terms.finding_specs()[mention.key]["implies"]
    if mention.label == GAIT:
        return terms.gait_implies().get(mention.key) or {}
    return {}


def _implied_sites(msg: _Message) -> List[Site]:
    """Regions a finding or gait names without a REGION entity ("rolled my ankle", foot drop)."""
    sites = []
    for mention in msg.of(FINDING, GAIT):
        implies = _implies(mention)
        if mention.current and implies.get("region"):
            sites.append(Site(_ImpliedRegion(mention, implies["region"]), implies.get("symptom", "pain")))
    return sites


class _ImpliedRegion(Mention):
    """A region stood for by another mention; its key is the implied region code."""

    def __init__(self, mention: Mention, region: str):
        super().__init__(mention.span, False, False, False, False)
        self._region = region

    @property
    def key(self) -> str:
        return self._region


def _locators(msg: _Message) -> Set[int]:
    """Regions that only locate the part named before them ("pinky toe on my left
    foot"); the part takes the locator's side when it has none of its own."""
    grammar = terms.grammar()
    found: Set[int] = set()
    for part, whole in zip(msg.regions, msg.regions[1:]):
        if part.key not in grammar["part_of"].get(whole.key, ()):
            continue
        between = range(part.end, whole.start)
        if len(between) <= 4 and all(
                (i in msg.owner and msg.owner[i].label == SIDE) or msg.doc[i].lower_ in grammar["part_joiners"]
                for i in between):
            found.add(id(whole))
            if msg.sides.get(id(part)) is None:
                msg.sides[id(part)] = msg.sides.get(id(whole))
    for earlier, region in zip(msg.regions, msg.regions[1:]):
        i = region.start - 1
        while i >= 0 and i not in msg.owner and msg.doc[i].lower_ in ("the", "my", "a", "of", "to"):
            i -= 1
        words = {msg.doc[i].lower_, " ".join(t.lower_ for t in msg.doc[max(i - 1, 0):i + 1])} if i >= 0 else set()
        if words & grammar["locator_words"] and msg.sent_index[earlier.start] == msg.sent_index[region.start] \
                and "," not in msg.doc[earlier.end:region.start].text:
            found.add(id(region))
    return found


def _all_sites(msg: _Message) -> List[Site]:
    sites: List[Site] = []
    locators = _locators(msg)
    for region in msg.regions:
        if region.current and id(region) not in locators:
            sites += [s for s in _sites_for(msg, region) if s.region.current]
    return sites + msg.implied


# -- symptoms -----------------------------------------------------------------------------------
def _symptom_states(msg: _Message) -> Dict[str, Optional[bool]]:
    """kind -> True (said), False (denied) or None; affirmed beats denied."""
    states: Dict[str, Optional[bool]] = {}
    for mention in msg.mentions:
        kind = anchor_kind(mention)
        if not kind or not mention.about_patient or mention.historical:
            continue
        if mention.negated and mention.label != SYMPTOM:
            # "no saddle numbness", "no foot drop": a narrower thing denied, not the symptom
            continue
        states[kind] = True if not mention.negated else (states.get(kind) or False)
    return states


def _regions(sites: Iterable[Site], kinds: Iterable[str], roles: Iterable[str] = ("site",)) -> List[str]:
    kinds, roles = set(kinds), set(roles)
    out: List[str] = []
    for site in sites:
        if site.kind in kinds and site.role in roles and site.region.key not in out:
            out.append(site.region.key)
    return out


def _pain_sites(msg: _Message, sites: List[Site]) -> List[PainSite]:
    sides: Dict[str, List[Optional[str]]] = {}
    for site in sites:
        felt = site.kind in ("pain", "local", "bare") and site.role == "site"
        if felt or (site.kind == "radiation" and site.role == "origin"):
            sides.setdefault(site.region.key, []).append(_site_side(msg, site))
    return [PainSite(region=region, side=_combine_sides(found)) for region, found in sides.items()]


def _site_sides(msg: _Message, sites: List[Site]) -> Dict[str, str]:
    found: Dict[str, List[Optional[str]]] = {}
    for site in sites:
        found.setdefault(site.region.key, []).append(_site_side(msg, site))
    return {region: side for region, side in ((r, _combine_sides(s)) for r, s in found.items()) if side}


def _site_side(msg: _Message, site: Site) -> Optional[str]:
    side = msg.side(site.region)
    if side is None and site.region.key in codes.BACK_REGIONS:
        return "midline"
    return side


def _radiation_to(sites: List[Site]) -> List[str]:
    out: List[str] = []
    for site in sites:
        if site.kind != "radiation" or site.region.key in out:
            continue
        if site.role == "path" or (site.role == "origin" and site.region.key not in codes.BACK_REGIONS):
            out.append(site.region.key)
    return out


def _radiation(states: Dict[str, Optional[bool]], radiation_to: List[str]) -> Optional[bool]:
    if states.get("radiation") or radiation_to:
        return True
    if states.get("radiation") is False or states.get("local") or states.get("no_radiation"):
        return False
    return None


def _below_knee(msg: _Message, radiation: Optional[bool], radiation_to: List[str]) -> Optional[bool]:
    extents = [m for m in msg.of(EXTENT) if m.about_patient and not m.historical]
    if any(set(radiation_to) & BELOW_KNEE_REGIONS) or any(m.key == "below_knee" and not m.negated for m in extents):
        return True
    if radiation is False or any(
        (m.key == "below_knee" and m.negated) or (m.key == "above_knee" and not m.negated) for m in extents
    ):
        return False
    if radiation_to and set(radiation_to) <= ABOVE_KNEE_REGIONS:
        return False
    return None


# -- findings ------------------------------------------------------------------------------------
def words_for(span: Span, sent: Optional[Span] = None, doc_text: Optional[str] = None) -> str:
    """The patient's phrase for a mention: its sentence, or a window of it, <= 200 chars.

    sent and doc_text can be passed in when known: computing them walks the doc.
    """
    sent = sent if sent is not None else span.sent
    doc_text = doc_text if doc_text is not None else span.doc.text
    text = doc_text[sent.start_char:sent.end_char].strip()
    if len(text) <= WORDS_MAX:
        return text
    start = max(sent.start_char, span.start_char - WORDS_MAX // 3)
    end = min(sent.end_char, start + WORDS_MAX)
    while start > sent.start_char and not doc_text[start - 1].isspace() and start < span.start_char:
        start += 1  # do not cut a word at the front
    window = doc_text[start:end]
    if end < sent.end_char and " " in window:
        window = window[: window.rfind(" ")]
    return window.strip()[:WORDS_MAX]


def _region_group_named(msg: _Message, mention: Mention, group: str) -> bool:
    """A region of the group in the finding's sentence, or, when that sentence names
    no region ("It's swollen."), anywhere in the message."""
    regions = terms.finding_rules()["region_groups"][group]
    in_sentence = [r for r in msg.same_sentence(mention) if r.label == REGION]
    in_sentence += [s.region for s in msg.implied if msg.sent_index[s.region.start] == msg.sent_index[mention.start]]
    pool = in_sentence or msg.regions + [s.region for s in msg.implied]
    # "no redness or swelling on the foot": the region shares the denial
    return any(r.key in regions and (not r.negated or mention.negated) for r in pool)


# Where a clause ends, for the part a finding is said of; and where a new subject starts.
_PART_BREAKS = frozenset({",", ";", ":", "-", "but", "though", "although", "plus", "also"})
_NEW_SUBJECT = frozenset({"and", "&", "i", "im", "i'm", "ive", "i've"})
_SUBJECT_BREAKS = _PART_BREAKS | _NEW_SUBJECT


def _clause_start(msg: _Message, i: int, stops: frozenset, floor: int = 0) -> int:
    """The first token of the clause token i is in: back to a stop word or an end of sentence."""
    while i > floor and msg.doc[i - 1].lower_ not in stops and msg.doc[i - 1].text not in ".!?":
        i -= 1
    return i


def _leak_of_wound(msg: _Message, mention: Mention, leak: Dict[str, frozenset]) -> bool:
    """findings.yml leak_of_wound: "the blister on my heel is leaking a bit"."""
    if any(t.lower_ in leak["own_words"] for t in mention.span):
        return False
    # back to the start of its clause or a new subject ("my foot hurts and I'm leaking a bit")
    start = _clause_start(msg, mention.start, _SUBJECT_BREAKS, msg.sentence(mention).start)
    return any(t.lower_ in leak["wound_words"] for t in msg.doc[max(start, mention.start - 8):mention.start])


def _said_of_elsewhere(msg: _Message, mention: Mention) -> bool:
    """findings.yml site_bound: the finding is said of a part of the body outside the
    field: a part in the phrase itself first ("itchy toes" is ours), else the part nearest
    it in its sentence (a tie goes to ours); no part named: not elsewhere."""
    outside, ours = terms.body_words()
    own = {token.lower_ for token in mention.span}
    if own & ours:
        return False
    if own & outside:
        return True
    # parts named anywhere in the sentence, inside other phrases too ("twisted my ankle"),
    # not in look-alikes ("on the other hand"); "big toe knuckle": a word of ours just
    # before an outside word makes it a part of ours
    ignored = {i for ent in msg.doc.ents if ent.label_ == terms.IGNORE for i in range(ent.start, ent.end)}
    parts = []
    for token in msg.sentence(mention):
        if mention.start <= token.i < mention.end or token.i in ignored:
            continue
        if token.lower_ in ours:
            parts.append((token.i, token.i + 1, False))
        elif token.lower_ in outside and not (token.i > 0 and msg.doc[token.i - 1].lower_ in ours):
            parts.append((token.i, token.i + 1, True))
    if not parts:
        return False

    def distance(part: Tuple[int, int, bool]) -> Tuple[bool, int, bool]:
        # a part in the same clause first ("felt a pop, my hand is grazed": the pop is not the hand's)
        start, end, elsewhere = part
        lo, hi = (mention.end, start) if start >= mention.end else (end, mention.start)
        crosses = any(msg.doc[i].lower_ in _PART_BREAKS for i in range(lo, hi))
        return crosses, hi - lo, elsewhere

    return min(parts, key=distance)[2]


def _finding_names(msg: _Message, mention: Mention) -> List[str]:
    """The finding names a FINDING mention counts for, after the context rules."""
    rules = terms.finding_rules()
    spec = terms.finding_specs()[mention.key]
    if mention.family:
        return []
    if spec["needs_region"] and not _region_group_named(msg, mention, spec["needs_region"]):
        return []
    names = spec["findings"]
    leak = rules["leak_of_wound"]
    if leak and leak["findings"].intersection(names) and _leak_of_wound(msg, mention, leak):
        names = [name for name in names if name not in leak["findings"]]
    if rules["site_bound"].intersection(names) and _said_of_elsewhere(msg, mention):
        # "an itchy rash up both forearms", "my ears pop": a part the finding is not about
        names = [name for name in names if name not in rules["site_bound"]]
    for group, other in spec["with_region"].items():
        if _region_group_named(msg, mention, group):
            names = other  # "my foot went pale and cold": the foot, not shock
            break
    spinal = rules["recent_care_findings"]
    if spinal.intersection(names) and _care_of_elsewhere(msg, mention, msg.same_sentence(mention)):
        # "knee injection last week": a procedure right by a place that is not the back is not spinal
        names = [name for name in names if name not in spinal]
    if mention.hypothetical and not mention.negated:
        # asked about, then denied ("is a fever a bad sign? i don't have one") is denied
        mine = _said_mine(msg, mention)
        names = [n for n in names if n in rules["keep_hypothetical"] or (mine and n in rules["owned_when_my"])]
    if mention.historical and not spec["lasting"]:  # a transplant in 2019 is still there
        names = [n for n in names if n in rules["history_by_nature"]]
    return names


def _said_mine(msg: _Message, mention: Mention) -> bool:
    """"my osteoporosis", "chemo for my breast cancer": the patient's own."""
    start = mention.start
    return msg.doc[start].lower_ == "my" or (start > 0 and msg.doc[start - 1].lower_ == "my")


def _vetoed(mention: Mention, name: str) -> bool:
    """findings.yml vetoed_in_sentence: "lost a stone on a diet" is no weight loss (a no);
    vetoed_by_entry: "heartbroken, cant sleep" is no night pain."""
    rules = terms.finding_rules()
    words = rules["vetoed_in_sentence"].get(name)
    by_entry = rules["vetoed_by_entry"].get(mention.key)
    if not words and not by_entry:
        return False
    sentence = _sentence_text(mention.span)
    if words and any(_affirmed_word(sentence, w) for w in words):
        return True
    return bool(by_entry) and not any(re.search(rf"\b{re.escape(w)}\b", sentence)
                                      for w in rules["vetoed_by_entry_unless"]) and any(
        _affirmed_word(sentence, w) for w in by_entry)


_DENIED_BEFORE = re.compile(r"(?:\b(?:not?|nt|without|never|nor|neither|havent|hasnt|isnt|wasnt|dont|didnt|doesnt|arent|"
                            r"aint|werent)|n't)\b(?:\s+\S+){0,3}\s*$")


def _affirmed_word(sentence: str, word: str) -> bool:
    """The word is in the sentence and not denied ("on a diet", not "not dieting")."""
    for match in re.finditer(rf"\b{re.escape(word)}\b", sentence):
        if not _DENIED_BEFORE.search(sentence[:match.start()]):
            return True
    return False


def _sentence_text(span: Span) -> str:
    """The lower-cased text of the sentence the span is in (split at . ? ! ;)."""
    text = _doc_lower(span.doc)
    start = max(text.rfind(p, 0, span.start_char) for p in ".?!;") + 1
    ends = [i for i in (text.find(p, span.end_char) for p in ".?!;") if i >= 0]
    return text[start:min(ends) if ends else len(text)]


def _finding_present(mention: Mention) -> bool:
    """Affirmed, unless the phrase itself says all is well ("i pee normal": denies: true).
    Such a phrase always denies: in "no chest pain and breathing is fine" the "no" has
    run on; nobody negates "breathing is fine" to say they are short of breath."""
    if terms.finding_specs()[mention.key]["denies"]:
        return False
    return not mention.negated


def _set_finding(findings: Dict[str, Finding], name: str, present: bool, words: str) -> None:
    known = findings.get(name)
    if known is None or (present and not known.present):
        findings[name] = Finding(present=present, words=words)


def _recent_care(msg: _Message, today: Optional[date], findings: Dict[str, Finding]) -> None:
    """"got an epidural on the 5th": care dated within max_days makes its finding."""
    for rule in terms.finding_rules()["recent_care"]:
        spinal = set(rule["spinal_words"])
        dated = rule.get("dated_findings") or {}
        for care in msg.of(CARE, FINDING):
            # "they did a nerve block on the 12th": an injection named with a date was done
            item = care.key if care.label == CARE else (_implies(care).get("care") or dated.get(care.key))
            if item not in rule["care"] or not care.about_patient or care.negated or care.historical:
                continue
            near = msg.same_sentence(care)
            if not (spinal & {t.lower_ for t in care.span}
                    or any(m.label == REGION and m.key in codes.BACK_REGIONS and m.about_patient for m in near)):
                continue
            if _care_of_elsewhere(msg, care, near):
                continue  # "knee injection last week ... now my lower back hurts"
            before = {t.lower_ for t in msg.doc[max(0, care.start - 4):care.start]}
            said_done = {t.lower_ for t in msg.doc[msg.sentence(care).start:care.start]} & _DONE_WORDS
            if before & set(rule.get("planned_words") or ()) and not said_done:
                # "appointment for a caudal epidural on the 30th": not done yet (not "had my booked epidural")
                continue
            # the date said nearest the care is its date ("surgery in 2015, fine until 3 weeks ago")
            # ("for 3 weeks" is how long something lasted, never the care's date)
            dates = sorted((m for m in near if m.label == DURATION and not m.span.text.lower().startswith("for ")),
                           key=lambda m: _distance(m, care))
            days = parse.parse_duration_days(dates[0].span.text, today) if dates else None
            # "had an epidural recently", "a nerve block earlier this month": no date, but recent
            recent = not dates and _says_recent(msg.sentence(care).text, rule.get("recent_words") or ())
            if (days is not None and days <= rule["max_days"]) or recent:
                _set_finding(findings, rule["finding"], True, msg.words(care))


_DONE_WORDS = frozenset({"had", "got", "did", "done", "received", "after", "since"})


def _care_of_elsewhere(msg: _Message, care: Mention, near: Iterable[Mention]) -> bool:
    """A place that is not the back said right by the care: "knee injection", "a shot in my hip"
    (not an epidural or a nerve block, which are spinal wherever the patient feels them)."""
    if terms.finding_rules()["spinal_words"] & {t.lower_ for t in care.span}:
        return False
    for m in near:
        if m.label != REGION or m.key in codes.BACK_REGIONS:
            continue
        if m.end <= care.start and care.start - m.end <= 1:
            return True
        between = [t.lower_ for t in msg.doc[care.end:m.start]]
        if m.start >= care.end and between and between[0] in ("in", "into", "to", "for") and len(between) <= 3:
            return True
    return False


def _says_recent(text: str, words: Iterable[str]) -> bool:
    lower = " " + " ".join(re.findall(r"[\w'-]+", text.lower())) + " "
    return any(f" {w} " in lower for w in words)


REQUEST_FINDINGS = frozenset({"diabetic_foot_check", "wants_injections"})  # what the patient asks for
_FINE_WORDS = frozenset({"ok", "okay", "fine", "normal", "good", "alright", "regular", "normally", "steady", "stable",
                         "unchanged"})
_FINE_SKIP = frozenset({"control", "function", "functions", "habits", "n", "+", "-", ":", "is", "are", "'s", "'re", "feel",
                        "feels", "seem", "seems", "both", "all", "totally", "working", "it", "its", "that", "thats",
                        "everything", "work", "works", "and", "or", ",", "&", "been", "has", "have", "completely",
                        "pretty", "perfectly"})


_FINE_BEFORE_SKIP = frozenset({"with", "my", "the", "in", "of", "when", "for"})


def _said_fine(msg: _Message, mention: Mention) -> bool:
    """"my bladder and bowels are normal", "bowel control, bladder control, both totally
    normal": the finding, or the list it is in, is followed by "is fine"."""
    i = mention.end
    while i < len(msg.doc):
        owner = msg.owner.get(i)
        if owner is not None and (owner.label == FINDING or owner.label == SIDE and owner.key == "both"):
            i = owner.end  # "bladder and bowels are both working normally"
        elif owner is None and msg.doc[i].lower_ in _FINE_SKIP:
            i += 1
        else:
            break
    after = msg.owner.get(i)
    if after is None and i < len(msg.doc) and msg.doc[i].lower_ in _FINE_WORDS:
        return True  # "bladder n bowels ok": a bare "ok" only right after the list
    # "no problem starting or stopping my stream": the all-is-well said first
    j = mention.start - 1
    while j >= 0 and j not in msg.owner and msg.doc[j].lower_ in _FINE_BEFORE_SKIP:
        j -= 1
    before = msg.owner.get(j)
    if before is not None and before.label == SYMPTOM and before.key == "ok" and not before.negated:
        return True
    return after is not None and after.label == SYMPTOM and after.key == "ok" and not after.negated


_OVER_WORDS = frozenset({"gone", "better", "cleared", "resolved", "settled", "passed"})
_OVER_SKIP = frozenset({"is", "'s", "has", "have", "all", "now", "completely", "totally", "long"})
_OVER_ENDS = frozenset({".", ",", ";", "!", ")", "-", "now", "but", "and", "though", "tho", "since", "again"})


def _said_over(msg: _Message, mention: Mention) -> bool:
    """"fever gone", "the tingling's all gone now, but": the finding, then a word that says
    it is over, then the end of the clause ("gone into my toes", "gone white" are not)."""
    i = mention.end
    while i < len(msg.doc) and i not in msg.owner and msg.doc[i].lower_ in _OVER_SKIP:
        i += 1
    if i >= len(msg.doc) or i in msg.owner or msg.doc[i].lower_ not in _OVER_WORDS:
        return False
    return i + 1 == len(msg.doc) or msg.doc[i + 1].lower_ in _OVER_ENDS


_OR_WORDS = frozenset({"or", "nor", ",", "/", "my", "the", "any", "with", "in", "of"})


def _denied_in_list(msg: _Message, mention: Mention, earlier: List[Mention], list_denied: Set[int]) -> bool:
    """"I have not lost control of my bladder or bowels": a finding joined by "or" to a
    denied one shares the denial, however far the negation's scope reached (list_denied: the
    starts of mentions denied so, for the next one in the list)."""
    if not earlier:
        return False
    before = earlier[-1]
    between = [t.lower_ for t in msg.doc[before.end:mention.start]]
    if not ((before.negated or before.start in list_denied) and before.about_patient):
        return False
    if any(w in ("or", "nor") for w in between) and all(w in _OR_WORDS for w in between):
        return True
    # "none of these: fever, weight loss, history of cancer": a list after a denial and a colon
    return "," in between and all(w in _OR_WORDS or w in _LIST_FILLER for w in between) and _denied_list_opened(
        msg, before)


_LIST_FILLER = frozenset({"history", "a", "an", "previous", "past", "and", "hx"})
_LIST_DENIALS = frozenset({"none", "no", "not", "never", "nothing", "n't", "nt", "neither", "without", "deny", "denies"})


def _denied_list_opened(msg: _Message, mention: Mention) -> bool:
    """A colon before the mention in its sentence, with a denial just before the colon."""
    sent = msg.sentence(mention)
    colons = [t.i for t in msg.doc[sent.start:mention.start] if t.text == ":"]
    return bool(colons) and any(t.lower_ in _LIST_DENIALS for t in msg.doc[max(sent.start, colons[-1] - 4):colons[-1]])


_DONE_WORDS = frozenset({"had", "got", "tried", "received", "did", "given", "gave"})


def _told_as_done(msg: _Message, mention: Mention) -> bool:
    """"had an epidural", "got a cortisone shot in my heel": the request words name care had."""
    before = [t.lower_ for t in msg.doc[max(mention.start - 5, msg.sentence(mention).start):mention.start]]
    return bool(_DONE_WORDS & set(before))


_NOW_WORDS = frozenset({"now", "anymore", "today", "currently", "nowadays", "presently"})


def _said_now(msg: _Message, mention: Mention) -> bool:
    """"not dizzy now", "no fever today": a denial that says it is of now."""
    sentence = msg.sentence(mention)
    near = msg.doc[max(sentence.start, mention.start - 3):min(sentence.end, mention.end + 2)]
    return any(t.lower_ in _NOW_WORDS for t in near)


_BEFORE_WORDS = frozenset({"yesterday", "before", "earlier", "ago", "last", "previously", "used", "til", "till",
                           "until", "then", "was", "were"})


def _said_before(msg: _Message, mention: Mention) -> bool:
    """"Temperature was normal yesterday": a denial of an earlier time, not of now."""
    words = {t.lower_ for t in msg.sentence(mention)}
    return bool(words & _BEFORE_WORDS) and not words & _NOW_WORDS


# "not a high fever", "no major bleeding": a degree denied, not the finding
_DEGREE = frozenset({"high", "bad", "big", "huge", "massive", "serious", "major", "severe", "raging", "terrible",
                     "proper", "real", "much", "very", "great", "heavy", "lot", "significant"})


def _findings(msg: _Message, sites: List[Site], gait: List[str], causes: Set[str]) -> Dict[str, Finding]:
    findings: Dict[str, Finding] = {}
    earlier: List[Mention] = []
    list_denied: Set[int] = set()
    history_names = set(terms.finding_rules()["history_by_nature"])
    several_kinds = terms.finding_rules()["several_kinds"]
    # finding -> (sentence start, token) of each mention that says it is there; and of the last
    # that denies it, with whether it says "now" and its words
    true_in: Dict[str, List[Tuple[int, int]]] = {}
    denied_in: Dict[str, Tuple[int, int, bool, str]] = {}
    for mention in msg.of(FINDING):
        # "due for my foot exam, no problems right now": a request is not denied by "fine"
        spec = terms.finding_specs()[mention.key]
        names = set(spec["findings"])
        request = names <= REQUEST_FINDINGS
        # "hurt my knee in 2020, it's been fine since": a history stays a history
        history = names <= history_names
        if not history and not mention.negated and _said_over(msg, mention):
            continue  # "fever gone": over, neither had now nor denied
        present = _finding_present(mention) and (request or history or not _said_fine(msg, mention))
        if (not present and history and mention.negated and not spec["denies"]
                and names <= terms.finding_rules()["owned_when_my"] and _said_mine(msg, mention)):
            # "I chose not to have chemo for my breast cancer": the denial is of the chemo;
            # "my breast cancer" is the patient's own
            present = True
        if present and _denied_in_list(msg, mention, earlier, list_denied):
            present = False
            list_denied.add(mention.start)
        earlier.append(mention)
        if present and spec["only_denied"]:
            continue  # "bladder: no" denies; a bare "my bladder" says nothing
        if request and _told_as_done(msg, mention):
            continue  # "had a nerve block injection": care had (prior care), not a wish
        for name in _finding_names(msg, mention):
            value = present and not _vetoed(mention, name)
            _set_finding(findings, name, value, msg.words(mention))
            if value:
                true_in.setdefault(name, []).append((msg.sentence(mention).start, mention.start))
            elif ((mention.negated or spec["denies"]) and mention.about_patient and not mention.historical
                  and name not in several_kinds  # a black spot, and "no redness"
                  and not _said_before(msg, mention)  # "Temperature was normal yesterday"
                  and not {t.lower_ for t in msg.doc[max(0, mention.start - 2):mention.start]} & _DEGREE):
                denied_in[name] = (msg.sentence(mention).start, mention.start, _said_now(msg, mention),
                                   msg.words(mention))  # not "not a high fever"
        if not present and mention.negated and mention.about_patient:
            # "never had back surgery": so none lately either
            for name in spec["denied_also"]:
                _set_finding(findings, name, False, msg.words(mention))
    # What the patient says of now is how it is now: a denial in a later sentence ("in 2017 I had
    # a spinal infection with fevers ... I have had no fevers since"), or later in the same one
    # with "now" ("felt woozy yesterday but i'd not eaten, not dizzy now")
    # (A history stays a history: "I had breast cancer in 2019. No cancer now, all clear.")
    for name, (sentence, start, now, words) in denied_in.items():
        if name in findings and findings[name].present and name not in history_names and all(
                said < sentence or now and at < start for said, at in true_in.get(name, ())):
            findings[name] = Finding(present=False, words=words)
    for rule in terms.finding_rules()["derived"]:
        if (rule.get("gait") and rule["gait"] not in gait) or (rule.get("cause") and rule["cause"] not in causes):
            continue
        matched = [site for site in sites if _derived_match(site, rule) and not _general_question(msg, site.region)
                   and (not rule.get("answer_only") or _answer_only(msg, site.region))]
        sides = [msg.side(site.region) for site in matched]
        if matched and ("side" not in rule or _combine_sides(sides) == rule["side"]):
            # "both": on both sides at once, or "started in my left leg, now the right one too"
            site = next((s for s, side in zip(matched, sides) if side == rule.get("side")), matched[0])
            _set_finding(findings, rule["finding"], True, msg.words(site.region))
    # "my legs aren't weak", "no numbness in either foot": a symptom denied on both sides
    # denies the finding it would make (a finding said present anywhere still wins).
    denied = _denied_sites(msg)
    for rule in terms.finding_rules()["derived"]:
        if rule.get("side") != "both" or rule.get("gait") or rule.get("cause"):
            continue
        matched = [site for site in denied if _derived_match(site, rule)]
        if matched and _combine_sides(msg.side(site.region) for site in matched) == "both":
            _set_finding(findings, rule["finding"], False, msg.words(matched[0].region))
    return findings


def _denied_sites(msg: _Message) -> List[Site]:
    """Regions tied to a symptom the patient denies: "legs aren't weak"."""
    sites = []
    for region in msg.regions:
        found = _closest_walk(msg, region) or _nearest(msg, region)
        if found is None and region.negated and region.about_patient and not region.historical:
            sites.append(Site(region, "pain", "site"))  # "both legs: no", "it's not both legs"
            continue
        if found is None or found[0].path or found[0].anchor is None:
            continue
        walk, step = found
        for anchor in _listed_with(msg, walk.anchor, step):
            if anchor.family or anchor.historical or (anchor.hypothetical and not anchor.negated):
                continue  # asked about and then denied ("call if ..., i havent") is denied
            kind = anchor_kind(anchor)
            if anchor.negated:
                sites.append(Site(region, kind or "", "site"))
            elif kind in _DENYING_KINDS:
                # "both legs are fine", "it doesn't go down both legs"
                sites.append(Site(region, _DENYING_KINDS[kind], "site"))
    return sites


# Symptom kinds that deny another where they are said: "fine" denies pain there, "doesn't
# go down" denies the pain travelling there.
_DENYING_KINDS = {"ok": "pain", "no_radiation": "radiation"}


_ASKING = frozenset({"can", "could", "does", "do", "will", "would", "is", "are", "should", "might", "may"})
_ASKER = frozenset({"i", "i'm", "im", "you", "we", "my", "me", "u"})
# "can barely stand, my legs are weak": a statement with its subject left out
_NOT_ASKING = frozenset({"barely", "hardly", "only", "not", "n't", "nt", "just", "still", "never", "no", "really",
                         "also", "now", "even", "sometimes", "always", "usually", "easily", "definitely"})


def _general_question(msg: _Message, region: Mention) -> bool:
    """"can sciatica go into both legs?": a question about such things in general, not
    the patient's own legs ("do my legs both going numb mean..." asks about them)."""
    sent = msg.sentence(region)
    words = [t.lower_ for t in sent if not t.is_punct][:2]
    return len(words) == 2 and words[0] in _ASKING and words[1] not in _ASKER | _NOT_ASKING


_ANSWER_FILL = frozenset({"yes", "yep", "yeah", "yup", "ya", "yh", "y", "both", "my", "in", "of", "the", "them",
                          "sides", "side", "it's", "its", "it", "is", "down", "into"})


def _answer_only(msg: _Message, region: Mention) -> bool:
    """The region's sentence is nothing but the answer: "yep, both legs", "in both my legs"."""
    sent = msg.sentence(region)
    if sent.text.rstrip().endswith("?"):
        return False
    return all(t.is_punct or region.start <= t.i < region.end or t.lower_ in _ANSWER_FILL for t in sent)


def _derived_match(site: Site, rule: Dict[str, Any]) -> bool:
    if site.kind not in rule["symptoms"] or site.region.key not in rule["regions"]:
        return False
    if rule.get("region_words"):
        # "burning on the inside of my right ankle", "burning between two of my toes"
        span = site.region.span
        near = span.doc[max(0, span.start - REGION_WORDS_REACH):span.end]
        return any(t.lower_ in rule["region_words"] for t in near)
    return True


# -- walking, course, cause, care --------------------------------------------------------------
def _gait(msg: _Message) -> Tuple[List[str], bool]:
    gait: List[str] = []
    denied = False
    # "limped for a while after my surgery, now i walk fine": walking said to be fine
    # after a change means the change is over; one said after it ("walking is fine
    # but i trip") still counts.
    fine = [m.start for m in msg.of(GAIT_OK) if m.current]
    over_before = max(fine, default=-1)
    for mention in msg.of(GAIT, GAIT_OK, FINDING):
        if mention.label != GAIT_OK and mention.end <= over_before:
            continue
        if mention.label == FINDING:
            implied = _implies(mention).get("gait")
            if implied and mention.current and implied not in gait:
                gait.append(implied)
        elif mention.label == GAIT and mention.current and mention.key not in gait:
            gait.append(mention.key)
        elif mention.about_patient and not mention.historical:
            # a denied gait change, or "walking is fine"
            denied = denied or mention.label == GAIT_OK or mention.negated
    return gait, denied and not gait


def _followed_by_unit(msg: _Message, mention: Mention) -> Optional[str]:
    """"is 2 days": a score-looking number that is a duration; its full text."""
    if mention.end < len(msg.doc) and msg.doc[mention.end].lower_ in terms.word_lists()["units"]:
        return f"{mention.span.text} {msg.doc[mention.end].text}"
    return None


def _distance(a: Mention, b: Mention) -> int:
    return max(a.start - b.end, b.start - a.end, 0)


def _about_complaint(msg: _Message, mention: Mention) -> bool:
    """A duration dates what it is said next to. It dates the complaint unless
    the nearest mention is a finding or a treatment that is not how it started:
    "breast cancer 5 years ago", "a microdiscectomy in 2018", "PT for 6 weeks";
    "fell off a ladder 3 weeks ago" does date it (the fall implies a cause)."""
    near = [m for m in msg.same_sentence(mention) if m.label in (SYMPTOM, GAIT, REGION, FINDING, CARE)]
    if not near:
        return True
    closest = min(near, key=lambda m: _distance(m, mention))
    if not closest.about_patient or closest.historical:
        return False  # "my sister got a shot last week", "chills in october, that passed"
    if closest.label == CARE:
        # "got an epidural on the 5th, since then my back throbs": the care dates the complaint
        after = msg.doc[mention.end:msg.sentence(mention).end].text.lower()
        return any(phrase in after for phrase in terms.grammar()["since_then"])
    if closest.label != FINDING:
        return True
    # a finding dates the complaint unless it is history ("breast cancer 5 years ago");
    # "started leaking urine yesterday" is when this began
    names = terms.finding_specs()[closest.key]["findings"]
    return bool(_implies(closest).get("cause")) or not set(names) <= terms.finding_rules()["history_by_nature"]


def _duration(msg: _Message, today: Optional[date]) -> Optional[int]:
    for mention in msg.of(DURATION, SEVERITY):
        text = mention.span.text if mention.label == DURATION else _followed_by_unit(msg, mention)
        if text and _about_complaint(msg, mention):
            days = parse.parse_duration_days(text, today)
            if days is not None:
                return days
    return None


def _severity(msg: _Message) -> Optional[int]:
    scores = [
        parse.parse_severity(m.span.text)
        for m in msg.of(SEVERITY)
        if _followed_by_unit(msg, m) is None and m.about_patient
    ]
    scores = [s for s in scores if s is not None]
    return max(scores) if scores else None


def _severity_vague(msg: _Message) -> bool:
    """"really bad", "terrible", said about the pain: in a sentence with a symptom
    or a region, or in a message that is nothing else ("it's mild")."""
    if not msg.mentions:
        return parse.mentions_vague_severity(msg.text)
    painful = {msg.sent_index[m.start] for m in msg.mentions if m.label in (SYMPTOM, REGION)}
    return any(parse.mentions_vague_severity(msg.sentences[number].text) for number in painful)


def _onset(msg: _Message) -> Optional[str]:
    for mention in msg.of(ONSET):
        if mention.about_patient and not mention.historical:
            if mention.negated:
                return "gradual" if mention.key == "sudden" else "sudden"
            return mention.key
    return None


def _causes(msg: _Message) -> List[Tuple[str, Mention]]:
    """(cause, mention) for every cause said, from CAUSE phrases and from findings
    that imply one ("fell off a ladder": injury)."""
    found: List[Tuple[str, Mention]] = []
    for mention in msg.of(CAUSE, FINDING):
        cause = mention.key if mention.label == CAUSE else _implies(mention).get("cause")
        if cause and mention.current:
            found.append((cause, mention))
    return found


def _cause(msg: _Message, found: List[Tuple[str, Mention]]) -> Tuple[Optional[str], Optional[str]]:
    """The most specific cause said (data: cause_priority), with its sentence."""
    if not found:
        return None, None
    priority = terms.cause_rules()["priority"]
    cause, mention = min(found, key=lambda item: priority.index(item[0]))
    return cause, msg.words(mention)


_INJURY_WORDS = re.compile(r"injur|trauma|hurt it")


def _near(msg: _Message, a: Mention, b: Mention, reach: Optional[int]) -> bool:
    """No reach: anywhere in the sentence; else at most reach tokens apart, in one clause."""
    if reach is None:
        return True
    lo, hi = (a.end, b.start) if a.end <= b.start else (b.end, a.start)
    return hi - lo <= reach and not any(msg.doc[i].lower_ in _PART_BREAKS for i in range(lo, hi))


_YEAR = re.compile(r"(?:19|20)\d\d$")


def _clause_dated(msg: _Message, mention: Mention) -> bool:
    """The mention's clause (between commas) says when, long ago: a year, "ago", "at school"."""
    words = terms.cause_rules()["dated_words"]
    start, end = _clause_start(msg, mention.start, _PART_BREAKS), mention.end
    while end < len(msg.doc) and msg.doc[end].lower_ not in _PART_BREAKS and msg.doc[end].text not in ".!?":
        end += 1
    return any(t.lower_ in words or _YEAR.match(t.text) for t in msg.doc[start:end])


def _cause_findings(msg: _Message, found: List[Tuple[str, Mention]], findings: Dict[str, Finding]) -> None:
    """Findings that follow from causes said together (sport + injury: sports injury), or
    from a cause said with a region that is the patient's now (an injury and the foot:
    "dropped a tin of paint on my foot")."""
    said = {cause for cause, _ in found}
    # "no injury, it just came on": the patient denies a new injury
    for mention in msg.of(CAUSE):
        if mention.key == "none" and not mention.family and not mention.hypothetical and not mention.historical \
                and _INJURY_WORDS.search(mention.span.text.lower()) and "acute_injury" not in findings:
            _set_finding(findings, "acute_injury", False, msg.words(mention))
    for rule in terms.cause_rules()["findings"]:
        if set(rule["causes"]) <= said:
            mention = next(m for c, m in found if c == rule["causes"][0])
            regions = rule.get("regions")
            if regions and not any(m.label == REGION and m.key in regions and m.current
                                   and _near(msg, mention, m, rule.get("near"))
                                   for m in msg.same_sentence(mention)):
                continue
            if rule.get("not_dated") and _clause_dated(msg, mention):
                continue  # "a stress fracture from running 2 years ago": that injury is over
            _set_finding(findings, rule["finding"], True, msg.words(mention))


# "getting worse every day", "worse than last week", "weaker each morning", "worse by the hour"
_WORSENING = re.compile(
    r"\b(?:(?:getting|got|gets|get|going|gone|grown|growing|becoming)\s+(?:a\s+(?:bit|lot|little)\s+|much\s+|even\s+"
    r"|steadily\s+|slowly\s+|progressively\s+)?(?:worse|weaker)"
    r"|(?:worse|weaker)\s+(?:every|each|by\s+the|day\s+by|than|today|this\s+week|and\s+(?:worse|weaker))"
    r"|more\s+(?:every|each)\s+(?:day|week|morning))\b")
_NOT_BEFORE = re.compile(r"(?:\bnot?|n't|\bnt|\bnever|\bisnt|\bisn't|\bhasnt|\bhasn't|\baint)\s+(?:\w+\s+){0,1}$")
_IF_BEFORE = re.compile(r"(?:\b(?:if|case|would|could|might|may|worried|afraid|scared|unless|should)\b"
                        r"(?:\s+(?!but\b)[^\s,.;?!]+){0,8}"
                        r"|\b(?:was|were|had\s+been))\s*$")
# walking changes that are weakness said another way
_WEAK_GAITS = frozenset({"foot_drop", "foot_slap", "dragging_foot", "steppage_gait", "heel_walk_difficulty",
                         "toe_walk_difficulty"})


def _worsening_weakness(msg: _Message, findings: Dict[str, Finding]) -> None:
    """Weakness of the patient's now and, nearer it than any pain, a word that it gets worse:
    "my right foot's been dragging a month and this week it's got worse". The brief's
    progressive weakness (a red flag); "not getting worse" denies it."""
    if "weakness_worsening" in findings:
        return
    weak = [m for m in msg.mentions if m.current and (
        (m.label == SYMPTOM and m.key == "weakness") or (m.label == GAIT and m.key in _WEAK_GAITS)
        or (m.label == FINDING and (_implies(m).get("symptom") == "weakness" or {"giving_way", "weakness_both_legs"}
                                    & set(terms.finding_specs()[m.key]["findings"]))))]
    if not weak:
        return
    pains = [m for m in msg.mentions if m.label == SYMPTOM and m.key == "pain"]
    for match in _WORSENING.finditer(msg.text.lower()):
        span = msg.doc.char_span(match.start(), match.end(), alignment_mode="expand")
        if span is None or span.start in msg.owner and msg.owner[span.start].label == FINDING:
            continue
        # ("getting worse" is a pain phrase of its own: not a pain it could be said of)
        others = [m for m in pains if m.end <= span.start or m.start >= span.end]
        same = [m for m in weak + others if msg.sent_index[m.start] == msg.sent_index[span.start]]
        near = same or weak + others

        def gap(m: Mention) -> Tuple[int, bool]:
            return (span.start - m.end if m.end <= span.start else m.start - span.end), m in weak

        nearest = min(near, key=gap)  # a tie goes to the pain
        if nearest not in weak:
            continue
        before = msg.text.lower()[max(0, match.start() - 60):match.start()]
        if _IF_BEFORE.search(before):
            continue  # "what if the weakness gets worse", "the weakness was getting worse the first week"
        denied = bool(_NOT_BEFORE.search(before))
        _set_finding(findings, "weakness_worsening", not denied, msg.words(nearest))
        return


def _prior_care(msg: _Message) -> List[str]:
    care: List[str] = []
    for mention in msg.of(CARE, FINDING):
        if not mention.about_patient or mention.negated:
            continue  # tried before is still tried: past care counts
        item = mention.key if mention.label == CARE else _implies(mention).get("care")
        if item and item not in care:
            care.append(item)
    return care


def _unattached_side(msg: _Message) -> Optional[str]:
    free = [m.key for m in msg.of(SIDE) if id(m) not in msg.used_sides and m.about_patient and not m.negated]
    # "my left foot drags": the side said inside a walking change that names no region
    free += [_side_inside(m) for m in msg.of(GAIT) if m.current and not _implies(m).get("region")]
    return _combine_sides(free)


# -- entities for Rasa -------------------------------------------------------------------------------
def _entity_values(msg: _Message, mention: Mention, today: Optional[date]) -> List[Tuple[str, Any]]:
    """(entity name, value) pairs for one mention; a finding phrase may stand for several."""
    if mention.label == FINDING:
        return [("finding", name) for name in terms.finding_specs()[mention.key]["findings"]]
    if mention.label == DURATION:
        return [("duration", parse.parse_duration_days(mention.span.text, today))]
    if mention.label == SEVERITY:
        as_duration = _followed_by_unit(msg, mention)
        if as_duration:
            return [("duration", parse.parse_duration_days(as_duration, today))]
        return [("severity", parse.parse_severity(mention.span.text))]
    return [(mention.label.lower(), mention.key)]


def _entity(name: str, value: Any, start: int, end: int, text: str, mention: Optional[Mention]) -> Dict[str, Any]:
    return {
        "entity": name,
        "value": value,
        "start": start,
        "end": end,
        "text": text,
        "negated": bool(mention and mention.negated),
        "family": bool(mention and mention.family),
        "historical": bool(mention and mention.historical),
        "hypothetical": bool(mention and mention.hypothetical),
        "extractor": EXTRACTOR,
    }


def _entities(msg: _Message, today: Optional[date]) -> List[Dict[str, Any]]:
    out = []
    for mention in msg.mentions:
        span = mention.span
        for name, value in _entity_values(msg, mention, today):
            out.append(_entity(name, value, span.start_char, span.end_char, span.text, mention))
    for index, side, region in msg.letter_sides:
        token = msg.doc[index]
        out.append(_entity("side", side, token.idx, token.idx + len(token.text), token.text, region))
    return sorted(out, key=lambda e: (e["start"], e["end"]))


# -- the whole message ---------------------------------------------------------------------------------
def extract(text: str, today: Optional[date] = None, nlp: Optional[Language] = None,
            written_for: Optional[Sequence[str]] = None) -> Extraction:
    """What the patient said, as intake-record values. Never raises on odd text;
    empty, emoji-only or non-text input gives an empty Extraction.

    today: for "since March" (default: today's date). nlp: a pipeline to use
    instead of the cached one (e.g. one loaded with spacy.load). written_for: an
    earlier message of the conversation was written for someone else (its
    Extraction.written_for): "he" and "she" here are that person, the patient.
    """
    if not isinstance(text, str) or not text.strip():
        return Extraction(written_for=None if written_for is None else list(written_for))
    text = _LONG_RUN.sub(lambda run: " " * len(run.group()), text[:MAX_CHARS])
    nlp = nlp or build_pipeline()
    doc = nlp.make_doc(text)
    if written_for is not None:
        doc.user_data[WRITTEN_FOR_BEFORE] = list(written_for)
    for _, component in nlp.pipeline:
        doc = component(doc)
    msg = _Message(doc)
    msg.implied = _implied_sites(msg)
    sites = _all_sites(msg)
    states = _symptom_states(msg)
    radiation_to = _radiation_to(sites)
    radiation = _radiation(states, radiation_to)
    gait, gait_denied = _gait(msg)
    severity = _severity(msg)
    causes = _causes(msg)
    cause, cause_words = _cause(msg, causes)
    findings = _findings(msg, sites, gait, {cause for cause, _ in causes})
    _recent_care(msg, today, findings)
    _cause_findings(msg, causes, findings)
    _worsening_weakness(msg, findings)
    return Extraction(
        pain_sites=_pain_sites(msg, sites),
        radiation=radiation,
        radiation_to=radiation_to,
        below_knee=_below_knee(msg, radiation, radiation_to),
        numbness=states.get("numbness"),
        numbness_sites=_regions(sites, ["numbness"]),
        weakness=states.get("weakness"),
        weakness_sites=_regions(sites, ["weakness"]),
        gait=gait,
        gait_denied=gait_denied,
        severity=severity,
        severity_vague=severity is None and _severity_vague(msg),
        onset=_onset(msg),
        duration_days=_duration(msg, today),
        cause=cause,
        cause_words=cause_words,
        prior_care=_prior_care(msg),
        findings=findings,
        side=_unattached_side(msg),
        site_sides=_site_sides(msg, sites),
        entities=_entities(msg, today),
        written_for=doc.user_data.get(WRITTEN_FOR),
    )
