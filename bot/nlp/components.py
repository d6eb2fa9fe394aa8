"""The custom spaCy component of the clinical pipeline: medspaCy ConText with our rules.

medspaCy's own factory reads its rules from a JSON path given in the config and
cannot save rules added later, so a saved pipeline would lose them. This
component runs medspaCy's ConText rules and modifiers, keeps the rule specs as
plain data and writes them next to the model (to_disk / from_disk), so
``spacy.load`` rebuilds the same component in a fresh process. Importing this
module (``import bot.nlp`` does) registers the factory; spaCy cannot find it
otherwise.
"""
# (no "from __future__ import annotations": spaCy validates the factory signature at runtime)

import re
from bisect import bisect_left, bisect_right
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

import srsly
from medspacy.common.medspacy_matcher import MedspacyMatcher
from medspacy.context import DEFAULT_ATTRIBUTES, ConText, ConTextGraph, ConTextModifier, ConTextRule
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import ensure_path

from bot.nlp import terms

FACTORY = "clinic_context"
RULES_FILE = "rules.json"
_FIXED_SCOPE = ("TERMINATE", "PSEUDO")  # directions whose scope limit_scope never changes
_NOT_PARTICLES = frozenset({"HISTORICAL", "FAMILY", "HYPOTHETICAL"})
# "no fevers, the heel is worst when...": a region right before one of these is a subject
_SUBJECT_VERBS = frozenset({"is", "'s", "are", "'re", "has", "have", "was", "were", "feels", "feel", "gets", "keeps",
                            "started", "starts", "hurts", "aches"})
# A sentence with one of these pairs asks, with or without its question mark.
_QUESTION_PAIRS = frozenset({("do", "i"), ("should", "i"), ("can", "i"), ("will", "i"), ("would", "i"),
                             ("do", "you"), ("should", "we"), ("what", "should"), ("what", "do"), ("who", "do"),
                             ("when", "should"), ("how", "do")})
# Ends every scope where a clause_opener follows a mention (see __call__).
_CLAUSE_BREAK = ConTextRule("clause break", "TERMINATE", direction="TERMINATE")
# "numbness in my groin? no." / "leaking urine - no.": a short answer after a question
# mark or a dash denies what comes before it (see _answers).
ANSWER_REACH = 8
# "his legs both went weak", "her left foot is numb": a body part owned by someone else,
# and what is said of it in its clause (see _possessive_regions).
POSSESSIVE_REACH = 6
_POSSESSIVE = ConTextRule("his / her", "FAMILY", direction="FORWARD", max_scope=POSSESSIVE_REACH,
                          terminated_by={"SELF"})
# "I am the carer for my sister, who has a leg ulcer ... my own complaint is my heel": the
# person cared for, in a message the writer writes for themselves, is someone else
_CARED_PERSON = ConTextRule("person cared for", "FAMILY", direction="FORWARD", max_scope=10, terminated_by={"SELF"})
_PROXY_POINTERS = frozenset({"he", "she", "his", "her", "their", "hes", "shes", "he's", "she's", "they", "him"})
_OWNERS = frozenset({"his", "her", "their", "hes", "shes"})
_BEFORE_PART = frozenset({"left", "right", "both", "lower", "upper", "low", "bad", "poor", "sore", "two", "whole",
                          "good", "other"})
_ANSWER_NO = ConTextRule("answer no", "NEGATED_EXISTENCE", direction="BACKWARD", max_scope=ANSWER_REACH)


class _LowerNorms:
    """A tokenizer whose tokens get the NORM the pipeline gives them: the lower-case text,
    or the word a listed misspelling means (grammar.yml spelling respell: "nite")."""

    def __init__(self, nlp: Language):
        self.nlp = nlp
        self.tokenizer = nlp.tokenizer

    def __call__(self, text: str) -> Doc:
        doc = self.tokenizer(text)
        respell = self.nlp.get_pipe("clinic_spelling").respell if "clinic_spelling" in self.nlp.pipe_names else {}
        for token in doc:
            token.norm_ = respell.get(token.lower_, token.lower_)
        return doc


def to_rule(spec: Dict[str, Any]) -> ConTextRule:
    """A ConTextRule from one spec of terms.context_rule_specs()."""
    return ConTextRule(
        literal=spec["literal"],
        category=spec["category"],
        pattern=spec.get("pattern"),
        direction=spec["direction"],
        max_scope=spec.get("max_scope"),
        allowed_types=set(spec["allowed_types"]) if spec.get("allowed_types") else None,
        terminated_by=set(spec["terminated_by"]) if spec.get("terminated_by") else None,
        metadata={key: spec[key] for key in ("back_to_comma", "forward_scope", "story_end", "list_intro")
                  if spec.get(key)} or None,
    )


def question_rule(spec: Dict[str, Any]) -> ConTextRule:
    """The wider rule a cue follows in a question ("if my foot goes numb, should I come
    in?"): the spec's in_question settings over its own."""
    wider = {**spec, **spec["in_question"], "in_question": None}
    return to_rule(wider)


def _sentence_bounds(doc: Doc) -> List[Tuple[int, int]]:
    """(start, end) of each token's sentence, in one pass: Token.sent walks the doc."""
    bounds: List[Tuple[int, int]] = []
    for sent in doc.sents:
        bounds.extend([(sent.start, sent.end)] * (sent.end - sent.start))
    return bounds


_LIST_CLOSE = frozenset({")", "-", "–", "—", "--"})


def _end_list_at_its_close(doc: Doc, modifier: ConTextModifier) -> None:
    """A list a cue opens ends at its closing bracket or a dash: in "red flags (numbness in
    saddle area, bladder problems) - I have the saddle numbness" the patient has it."""
    if not (modifier.rule.metadata or {}).get("list_intro") or modifier.direction != "FORWARD":
        return
    for i in range(modifier.modifier_span[1], modifier._scope_end):
        if doc[i].text in _LIST_CLOSE:
            modifier._scope_end = i  # medspaCy has no setter for the scope
            return


def _scope(rule: ConTextRule, start: int, end: int, sentence: Tuple[int, int]) -> Tuple[int, int]:
    """A cue's scope as ConTextModifier computes it: its sentence in its direction,
    cut to max_scope tokens."""
    sent_start, sent_end = sentence
    reach = rule.max_scope or len(range(sent_start, sent_end))
    if rule.direction == "FORWARD":
        return end, min(sent_end, end + reach)
    if rule.direction == "BACKWARD":
        return max(sent_start, start - reach), start
    return max(sent_start, start - reach), min(sent_end, end + reach)


# Words of a proxy cue that name no person ("writing for my mum" names "mum")
_PROXY_FILLER = frozenset({
    "writing", "messaging", "texting", "contacting", "you", "asking", "booking", "getting", "in", "touch", "typing",
    "message", "write", "text", "book", "for", "my", "on", "behalf", "of", "his", "her", "their", "him", "them",
    "asked", "me", "to", "wanted", "i", "im", "am", "the", "carer", "care", "this", "is", "it", "its", "about", "who",
    "patient", "again", "doesn", "does", "not", "have", "a", "phone", "he", "she", "hes", "shes", "s", "too",
    "embarrassed", "won", "wont", "call", "refuses", "want", "email", "contact", "get", "reach", "out", "ask",
    "answering", "replying", "here", "look", "after", "elderly", "please", "wants", "msg", "from"})


# The child an age is said of: "my 14yo son", "my daughter (15)"
_CHILD_WORDS = frozenset({"son", "daughter", "boy", "girl", "kid", "child", "lad", "teen", "teenager", "stepson",
                          "stepdaughter"})


def _child_word(doc: Doc, modifier: ConTextModifier) -> str:
    """The child word an age cue is said of ("my son (15)", "my 14yo son"), or ""."""
    start, end = modifier.modifier_span
    before = doc[start - 1].lower_ if start > 0 else ""
    after = doc[end].lower_ if end < len(doc) else ""
    if before in _CHILD_WORDS and start > 1 and doc[start - 2].lower_ == "my":
        return before
    if before == "my" and end - start == 1 and doc[start].lower_[-2:] in ("yo", "/o"):
        return after if after in _CHILD_WORDS else doc[start].lower_  # "my 12yo got his foot caught"
    if before == "my" and doc[end - 1].lower_ == "old":
        return after if after in _CHILD_WORDS else doc[start:end].text.lower()  # "my 15 year old says he can't..."
    return after if after in _CHILD_WORDS and before == "my" else ""


# "I", "me", "my own": the writer speaks of themselves too
_FIRST_PERSON = frozenset({"i", "im", "ive", "me", "myself", "own"})


def _writer_speaks_of_self(doc: Doc, cues: List[ConTextModifier]) -> bool:
    inside = {i for m in cues for i in range(*m.modifier_span)}
    return any(t.lower_ in _FIRST_PERSON for t in doc if t.i not in inside)


# doc.user_data keys: whom the message is written for, when it is written for someone else
# (the words that name them, maybe none: "he", "she"), as found in it; and as found earlier
# in the same conversation, set before the pipeline runs (extract(written_for=...)).
WRITTEN_FOR = "written_for"
WRITTEN_FOR_BEFORE = "written_for_before"
# what is left of a denial cue cut short by the finding it ran into, that denies nothing
_SUBJECTS = frozenset({"he", "she", "they", "i", "we", "it", "you"})


_CARED_FOR = frozenset({"client", "clients", "resident", "residents"})


def _points_at_patient(doc: Doc, modifier: ConTextModifier, named: Optional[Set[str]] = None) -> bool:
    """In a message written for the patient ("writing for my dad"), a cue of someone else
    that points at a person by a pronoun or a relative word is about the patient. A
    relative cue that names a condition ("family history of", "runs in the family")
    still is not."""
    if modifier.category != "FAMILY":
        return False
    words = doc[modifier.modifier_span[0]:modifier.modifier_span[1]].text.lower().split()
    if _CARED_FOR & set(words):
        return True  # a carer's "one of my clients", "our resident"
    if len(words) >= 2 and words[0] in ("his", "her", "their"):
        return False  # "his brother had prostate cancer": the patient's relative, not the patient
    bare = [w for w in words if w not in ("my", "our", "'s", "s")]
    if bare and named and set(w.rstrip("'s") if w.endswith("'s") else w for w in bare) <= named:
        return True  # the person written for, named again ("Mum's foot", "Dad slipped")
    return bool(words) and (words[0] in _PROXY_POINTERS or words[0] in ("my", "our") and len(words) <= 4
                            and not {"family", "history", "relative", "relatives"} & set(words))


# The writer's own complaint, which a message about someone else lacks: "my heel",
# "my left foot", "my back pain", "mine", "for me", "i have a sore back", "im 40, ...",
# "i'm the patient", or a complaint said bare at a clause's start ("left heel is sore").
_OWN_WORDS = frozenset({"mine", "mines", "myself"})
_OWN_TARGETS = frozenset({"REGION", "SYMPTOM", "FINDING", "GAIT"})
_OWN_BETWEEN = _BEFORE_PART | frozenset({"own", "big", "little", "l", "r", "achy", "painful", "dodgy", "stupid",
                                         "middle", "outer", "inner", "the", "just", "a", "an", "only", "also", "and",
                                         "plus", "still", "then"})
_I_WORDS = frozenset({"i", "im", "ive", "id", "i'm", "i've", "i'd"})
_I_REACH = 8  # how far after "i" a target still says what the writer has ("i have had a sore back")
# "he asked me to", "rang me": the writer as the one asked, not the one who hurts
_ASK_WORDS = frozenset({"asked", "rang", "called", "told", "tell", "help", "texted", "phoned", "wants", "wanted",
                        "let", "ask", "with", "gave", "give", "sent", "showed", "show", "woke", "wakes"})
_CLAUSE_MARKS = frozenset({",", ";", ".", ":", "-", "!", "?", "(", ")"})
# What shows the message is written to get the other person seen: their age, how long
# they have had it, a request, a carer's role. Without it, "my moms legs are both weak"
# is a relative's story told in passing.
_FOR_THEM = re.compile(
    r"\b(?:is|was|aged|age|turned|hes|shes|he's|she's) \d{1,3}\b|\(\d{1,3}\)|\b\d{1,3} ?(?:yo|y/o|yrs? old|years? old)\b"
    r"|^\W*(?:my )?\w+(?: \w+)?,? \d{1,3}\b|\bappointment\b|\bbook\b|\bbooking\b|\bcan (?:you|he|she|they|someone) "
    r"|\b(?:pls|please|plz)\b|\burgent|\ba ?& ?e\b|\ber\b|\b999\b|\b911\b|\bambulance\b|\bwhat (?:should|do|can) (?:we|i)\b"
    r"|\bshould (?:i|we)\b|\b(?:does|do|should) (?:he|she|they) need\b|\bcarer\b|\bresident\b|\bcare home\b"
    r"|\bnursing home\b|\blooking after\b|\blook after\b|\bkeep an eye\b|\bnext door\b|\bseen\b|\bhelp\b"
    r"|\w's \d{1,3}\b|\b(?:now|today|tonight|this morning|this evening|this afternoon|right now|at the moment|all week)\b"
    r"|\bsays\b|\bin (?:his|her|their) (?:[5-9]0s|sixties|seventies|eighties|nineties)\b")
# An emergency happening now: the reason to write at once, whatever the complaint
_HAPPENING_NOW = re.compile(
    r"\bcrushing\b|\b(?:cant|can't|cannot|barely|struggling to|hardly) breathe\b|\bscreaming\b|\bon the floor\b"
    r"|\b(?:wont|won't) stop bleeding\b|\b(?:cant|can't|cannot) stop (?:it|the) bleeding\b|\bwrong way\b"
    r"|\bbone(?:'s| is)? (?:poking|sticking) out\b")


def _writer_has_own_complaint(doc: Doc, targets: List[Span], others: Set[int]) -> bool:
    """The writer speaks of their own body or complaint. others: tokens of a cue of
    another person, where "i ..." stops ("i think my dad has a fever" is the dad's)."""
    starts = {t.start: t for t in targets if t.label_ in _OWN_TARGETS}
    # the last "he" or "her" of the message, found once (not once per clause)
    last_pointer = max((t.i for t in doc if t.lower_ in _PROXY_POINTERS), default=-1)
    for token in doc:
        word, i = token.lower_, token.i
        before = doc[i - 1].lower_ if i > 0 else ""
        if (word in _OWN_WORDS and before != "of" or word == "own" and before == "my") and i not in others:
            return True  # not "a friend of mine"
        if word == "me" and before not in _ASK_WORDS and not (i + 1 < len(doc) and (
                doc[i + 1].lower_ == "to" or i + 1 in others)):
            return True  # "for me", "me, i pulled my calf", "about me"; not "me husband"
        if word == "my" or token.is_sent_start or before in _CLAUSE_MARKS:
            # "my left heel", or a complaint said bare: ". lower back aching for 3 weeks"
            # (bare after a relative and before "he" or "her", it is theirs: "my husband is
            # 62, back been bad 3 weeks and now both his legs feel weak")
            j = i + 1 if word == "my" else i
            while j < len(doc) and j not in starts and (doc[j].lower_ in _OWN_BETWEEN or doc[j].ent_type_ == "SIDE"):
                j += 1
            if j in starts and j - i <= 4 and j not in others and (word == "my" or _bare_complaint(doc, starts, j) and not (
                    last_pointer >= j and any(o < j for o in others))):
                return True
        if word in _I_WORDS:
            nxt = [t.lower_ for t in doc[i + 1:i + 4] if t.lower_ not in ("m", "'m", "am")][:2]
            if nxt[:1] and (re.fullmatch(r"\d{1,3}", nxt[0]) or nxt[:2] in (["the", "patient"], ["the", "one"])):
                return True  # "im 40, back pain", "i'm the patient", "im the one with the bad back"
            for k in range(i + 1, min(len(doc), i + 1 + _I_REACH)):
                if doc[k].is_sent_start or doc[k].text in _CLAUSE_MARKS or k in others \
                        or doc[k].lower_ in _PROXY_POINTERS:
                    break
                if k in starts:
                    return True
    return False


def _writer_names_own(doc: Doc, cues: List[ConTextModifier]) -> bool:
    """"my own complaint is", "asking for myself", "I've now got pain in my lower back": a
    writer who says, after the cue of someone they care for, that a complaint is their own
    writes for themselves."""
    first = min(m.modifier_span[0] for m in cues)
    inside = {i for m in cues for i in range(*m.modifier_span)}
    starts = {ent.start: ent for ent in doc.ents if ent.label_ in _OWN_TARGETS}
    # after the cue ("ive had a dodgy knee myself but this is about my husband" is his);
    # "a diabetic myself" says nothing of the complaint
    for token in doc[first:]:
        word, i = token.lower_, token.i
        before = doc[i - 1].lower_ if i > 0 else ""
        if i in inside:
            continue
        if word == "own" and before == "my" or word == "myself" and before in _FOR_MYSELF:
            return True
        if word == "i" and _has_now(doc, i + 1, starts):
            return True  # "I'm her carer ... I've now got pain in my lower back"
    return False


_FOR_MYSELF = frozenset({"for", "about", "book", "booking", "asking", "writing", "me"})
# "i've now got", "i have", "i'm getting": the writer has it now
_HAVE_NOW = frozenset({"'ve", "ve", "have", "now", "also", "got", "get", "been", "having", "getting", "developed",
                       "started", "really", "a", "some", "bad", "terrible", "awful", "this", "myself", "too"})
_HAVE_VERBS = frozenset({"'ve", "ve", "have", "got", "get", "having", "getting", "developed"})


def _has_now(doc: Doc, i: int, starts: Dict[int, Span]) -> bool:
    """"I've now got pain in my lower back": after "i", a have-verb and a complaint that
    comes with "my" (the writer's own body)."""
    verb = False
    j = i
    while j < len(doc) and j - i <= 4 and j not in starts and doc[j].lower_ in _HAVE_NOW:
        verb = verb or doc[j].lower_ in _HAVE_VERBS
        j += 1
    if not verb or j not in starts or starts[j].label_ not in ("SYMPTOM", "FINDING"):
        return False
    return any(t.lower_ == "my" for t in doc[starts[j].start:min(len(doc), starts[j].end + 4)])


def _bare_complaint(doc: Doc, starts: Dict[int, Span], j: int) -> bool:
    """A body part, or a symptom of one, said bare: "lower back aching", "sore upper back";
    not "pain is 9/10", which names no part and goes with whoever came before."""
    if starts[j].label_ == "REGION":
        return True
    return starts[j].label_ == "SYMPTOM" and any(
        k in starts and starts[k].label_ == "REGION" for k in range(starts[j].end, min(len(doc), starts[j].end + 3)))


# "yes shes lost a stone", "no he hasnt": a reply about "he" or "she" alone answers the
# assistant's question about the patient
_REPLY_OPENERS = frozenset({"yes", "yeah", "yep", "yup", "yh", "ya", "no", "nope", "nah", "not", "ok", "okay"})


def _implicit_proxy(doc: Doc, modifiers: List[ConTextModifier], targets: List[Span]) -> Optional[Set[str]]:
    """"my husband is 62, back been bad 3 weeks and now both his legs feel weak": a message
    all about one other person's complaint, with nothing of the writer's own, and written
    to get them seen (their age, how long, a request), is written for that person, the
    patient, though it never says so. Returns the words that name them ({"husband"}), or
    None. A relative's illness alone ("my dad had back cancer", "my moms legs are both
    weak") stays someone else's."""
    family = [m for m in modifiers if m.category == "FAMILY"]
    # "im her daughter": the writer's role says whom the message is for
    role = any(m.category == "PROXY_ROLE" for m in modifiers)
    named = next(filter(None, (_person_named(doc, m) for m in family)), None)
    if named is None:
        pronouns_only = family and all(doc[m.modifier_span[0]].lower_ in _PROXY_POINTERS for m in family)
        if not (pronouns_only and (role or len(doc) and doc[0].lower_ in _REPLY_OPENERS)):
            return None
        named = set()
    others = {i for m in family for i in range(*m.modifier_span)}
    others |= {i for m in modifiers if m.category == "PROXY_ROLE" for i in range(*m.modifier_span)}
    if _writer_has_own_complaint(doc, targets, others):
        return None
    if not named and not role:
        return named  # a reply: "yes shes lost a stone"
    text = doc.text.lower()
    if role or _HAPPENING_NOW.search(text):
        return named
    if not any(t.label_ in ("SYMPTOM", "GAIT", "REGION") for t in targets):
        return None
    if not (_FOR_THEM.search(text) or any(_how_long(t) for t in doc.ents)):
        return None
    if not any(t.lower_ in _PRESENT or t.lower_.endswith(("n't", "nt")) and len(t) > 3 for t in doc):
        return None  # a story told in the past: "gran had back pain for months and it turned out to be myeloma"
    return named


def _about_named(doc: Doc, modifier: ConTextModifier, named: Set[str]) -> bool:
    """A cue of the person a message is implicitly written for: he, she, his, her (not
    "his brother"), or the person named again ("mother in law", "mum")."""
    if modifier.category != "FAMILY":
        return False
    if doc[modifier.modifier_span[0]].lower_ in _PROXY_POINTERS:
        return _points_at_patient(doc, modifier)
    person = _person_named(doc, modifier)
    return bool(person) and person <= named


def _person_named(doc: Doc, modifier: ConTextModifier) -> Optional[Set[str]]:
    """The person a relative cue names: {"husband"} of "my husband", {"mum"} of "mum"
    opening the message; None for a pronoun, a stranger or a family history."""
    start, end = modifier.modifier_span
    words = [t.lower_ for t in doc[start:end] if t.is_alpha and t.lower_ not in ("s",)]
    if not words or words[0] in _PROXY_POINTERS | _STRANGER or {"family", "history", "relative", "relatives"} & set(words):
        return None
    # "mum", "mother in law (77)" opening the message; "my 80 yo mum", "my 16yo daughter"
    opening = all(doc[i].is_punct or doc[i].lower_ in _OPENERS for i in range(0, start))
    owned = any(doc[i].lower_ in ("my", "our", "me") for i in range(max(0, start - 3), start))  # "me husband"
    if words[0] not in ("my", "our") and not opening and not owned:
        return None
    named = {w for w in words if w not in _PROXY_FILLER and w not in ("our",)}
    return named or None


# Words of the present: without any, a message about someone else is a story of the past
_PRESENT = frozenset({"is", "are", "am", "has", "have", "'s", "s", "'re", "'m", "now", "today", "keeps", "been", "gets",
                      "feels", "hurts", "aches", "cant", "cannot", "wont", "does", "do", "says", "still", "tonight",
                      "hes", "shes", "theyre", "takes", "needs", "seems", "looks", "goes", "walks", "limps", "drags"})
_STRANGER = frozenset({"a", "an", "the", "some", "this", "that", "someone", "somebody", "everyone", "people"})


def _how_long(ent: Span) -> bool:
    """A duration that says how long a complaint has lasted ("for 3 weeks", "5 days ago",
    "since friday"), not a date of something else ("in march", "last night")."""
    if ent.label_ == "SEVERITY":
        return True
    if ent.label_ != "DURATION":
        return False
    words = [t.lower_ for t in ent]
    return bool({"for", "since", "ago"} & set(words)) or words[0] in ("a", "an", "few", "couple") or any(
        t.like_num and len(t) <= 3 for t in ent)  # not a year: "in 2019"


def _reach_back_from_lone_cue(doc: Doc, modifier: ConTextModifier, bounds: List[Tuple[int, int]],
                              targets: List[Span]) -> None:
    """"Had a blood clot in my lung in 2017. Fine now.": a sentence that is nothing but a
    backward cue of time or family is about the sentence before it."""
    start, end = modifier.modifier_span
    if modifier.direction != "BACKWARD" or modifier.category not in _NOT_PARTICLES | {"NOT_MINE"}:
        return
    sent_start, sent_end = bounds[start]
    if sent_start == 0 or any(sent_start <= t.start < sent_end for t in targets):
        return
    if not all(doc[i].is_punct for i in range(sent_start, start)) or \
            not all(doc[i].is_punct for i in range(end, sent_end)):
        return
    previous_start = bounds[sent_start - 1][0]
    reach = modifier.max_scope or (sent_start - previous_start)
    modifier._scope_start = max(previous_start, start - reach)  # medspaCy has no setter


def _date_looks_back_to_the_comma(doc: Doc, modifier: ConTextModifier) -> None:
    """"fever no, weight loss no, cancer yes in 2015": a date said after a finding dates
    the finding of its own clause, not the answers listed before it. Forward it goes on
    ("in 2015, after chemo, i had ...", "broke my ankle years ago, the bone came through"). A
    date right after a comma looks back to the comma before.
    For the groups marked back_to_comma (dates). medspaCy has no setter for the scope."""
    if modifier.direction != "BIDIRECTIONAL" or not (modifier.rule.metadata or {}).get("back_to_comma"):
        return
    start, end = modifier.modifier_span
    # "passed out after giving blood once, years ago": a date right after the comma is an
    # afterthought about the clause before it ("no fever, had this before" is no date)
    date = doc[end - 1].lower_ in ("ago", "back") or doc[start].lower_ in ("in", "back", "last", "way")
    for i in range(start - (2 if date else 1), modifier.scope_span[0] - 1, -1):
        if doc[i].text in (",", ";"):
            modifier._scope_start = i + 1
            return


def _forward_scope(modifier: ConTextModifier) -> None:
    """A date group may reach less far forward than back (context.yml forward_scope): "I
    fainted at my blood test last year" reaches back over the whole clause, while "an
    epidural in 2020, and for 5 days I've had a fever" must not reach the fever."""
    reach = (modifier.rule.metadata or {}).get("forward_scope")
    if reach and modifier.direction == "BIDIRECTIONAL":
        modifier._scope_end = min(modifier._scope_end, modifier.modifier_span[1] + reach)


def _opening_date_reaches_the_end(doc: Doc, modifier: ConTextModifier, bounds: List[Tuple[int, int]]) -> None:
    """"In 2019 I lost control of my bladder and went numb in the saddle area": a date that
    opens its sentence dates all of it (up to a cue of now, which ends it as before)."""
    if modifier.direction != "BIDIRECTIONAL" or not (modifier.rule.metadata or {}).get("back_to_comma"):
        return
    start, _ = modifier.modifier_span
    sent_start, sent_end = bounds[start]
    if doc[start].lower_ not in ("in", "back", "last") or not all(
            doc[i].is_punct or doc[i].lower_ in ("so", "and", "but", "well", "ok", "okay", "back", "way")
            for i in range(sent_start, start)):
        return
    modifier._scope_end = sent_end  # medspaCy has no setter


_OPENERS = frozenset({"so", "and", "but", "well", "ok", "okay", "also", "oh", "plus", "btw", "fyi"})
_MINE = frozenset({"i", "me", "my", "mine", "myself"})
_OWN_COMPLAINT = frozenset({"REGION", "SYMPTOM", "SEVERITY", "DURATION"})


def _opening_relative_reaches_on(doc: Doc, modifier: ConTextModifier, bounds: List[Tuple[int, int]]) -> None:
    """"my mum has a bad infection in her foot, pus and a horrible smell": a relative who
    opens the sentence is its subject, so the sentence is about them up to the first word
    of the writer's own ("I", "my") or a comma before a body part, a symptom or a number
    ("mum had cancer, lower back pain 3 weeks": the patient's own complaint, said bare)."""
    if modifier.category != "FAMILY" or modifier.direction != "FORWARD":
        return
    start, end = modifier.modifier_span
    sent_start, sent_end = bounds[start]
    if not all(doc[i].is_punct or doc[i].lower_ in _OPENERS for i in range(sent_start, start)):
        return
    own = {ent.start for ent in doc.ents if ent.label_ in _OWN_COMPLAINT}
    stop = end
    while stop < sent_end and doc[stop].lower_ not in _MINE and not (
            doc[stop].text == "," and stop + 1 in own):
        stop += 1
    if stop > modifier._scope_end:
        modifier._scope_end = stop  # medspaCy has no setter


def _list_number(doc: Doc, i: int) -> bool:
    """"1. bladder - no 2. bowels - no": the next item's number ends an answer."""
    text = doc[i].text
    if re.fullmatch(r"\d{1,2}[.)]|\(?[a-e]\)", text.lower()):
        return True
    if text == "(" and i + 2 < len(doc) and re.fullmatch(r"[a-e]", doc[i + 1].lower_) and doc[i + 2].text == ")":
        return True  # "(b) no"
    return bool(re.fullmatch(r"\d{1,2}", text)) and i + 1 < len(doc) and doc[i + 1].text in (".", ")")


def _overlaps(a: Tuple[int, int], b: Tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _limit_scope(modifier: ConTextModifier, other: ConTextModifier) -> None:
    """ConTextModifier.limit_scope with a correct overlap test: a cue's scope ends
    at a terminating cue, at a cue of a category listed in terminated_by, or at
    another cue of its own category."""
    if modifier.direction in _FIXED_SCOPE or not _overlaps(modifier.scope_span, other.scope_span):
        return
    if _overlaps(modifier.modifier_span, other.modifier_span):
        return  # ", i havent" is a denial; its own ", i" does not end it
    # "the foot drop i had after my fusion went away", "sprained it in the spring": a clause
    # break ends scopes that run forward; looking back, the words are one clause.
    is_break = other.rule is _CLAUSE_BREAK
    if is_break and modifier.direction == "BACKWARD":
        return
    # "no to all of: numb bum, wetting myself, not feeling when I need a poo, weak legs": a
    # list runs on over its commas and its own "not"s (not over a new clause: "red flags (numbness
    # in saddle area) - I have the saddle numbness")
    if (modifier.rule.metadata or {}).get("list_intro") and not is_break and other.category == modifier.category:
        return
    # "my knee dislocated and I fainted, but that was in 2011": the end of a story reaches
    # back over its "and I" (a token-pattern break), not over "but" or "however"
    if (modifier.direction == "BACKWARD" and (modifier.rule.metadata or {}).get("story_end")
            and other.direction == "TERMINATE" and other.rule.pattern is not None):
        return
    if modifier.category == "CHRONIC":
        return  # "a bit of leaking when I sneeze but that's been since my kids": "but" brings it
    # "i must have lost weight but i havent": a closing denial right after "but" is
    # the answer to what came before it, not a new clause.
    if (modifier.rule is _ANSWER_NO and other.direction == "TERMINATE"
            and other.modifier_span[1] == modifier.modifier_span[0]):
        return
    if other.direction != "TERMINATE" and other.category not in modifier.rule.terminated_by:
        if other.category != modifier.category:
            return
        if modifier.category == "FAMILY" and other.direction != "BACKWARD":
            # someone else's stays someone else's: "someone at work had a tumour on her
            # spine that showed up as night pain" ("her" does not cut "someone at work");
            # "family history of osteoporosis on my moms side" closes the phrase
            return
        if (modifier.allowed_types, modifier.excluded_types) != (other.allowed_types, other.excluded_types):
            return  # same category for other targets: no limit (as in medspaCy)
    start, end = modifier.modifier_span
    other_start, other_end = other.modifier_span
    # medspaCy keeps the scope in these two attributes; it has no setter for them.
    if modifier.direction in ("FORWARD", "BIDIRECTIONAL") and other_start > start:
        modifier._scope_end = min(modifier._scope_end, other_start)
    if modifier.direction in ("BACKWARD", "BIDIRECTIONAL") and other_end < end and not is_break:
        modifier._scope_start = max(modifier._scope_start, other_end)


def _modifies(modifier: ConTextModifier, target: Span) -> bool:
    """ConTextModifier.modifies with a correct overlap test."""
    span = (target.start, target.end)
    if modifier.direction in _FIXED_SCOPE or _overlaps(modifier.modifier_span, span):
        return False
    return modifier.allows(target.label_.upper()) and _overlaps(modifier.scope_span, span)


class ClinicContext:
    """Drops IGNORE look-alikes from doc.ents, then applies medspaCy ConText to the
    clinical ones.

    Targets are the entities with target_labels, so that values (DURATION,
    SEVERITY) neither get context flags nor swallow cue words: a cue that overlaps
    a target is dropped, and "5 years ago" must stay a cue in "I had cancer 5
    years ago".

    Matching, rules and scopes are medspaCy's (MedspacyMatcher, ConTextRule,
    ConTextModifier); the pairing of cues with cues and targets is done here, for
    two reasons. medspaCy's ConText compares every cue with every cue and every
    target, which is quadratic and took seconds on a 5,000-character message of
    repeated "no"; every cue that modifies has a max_scope (checked by
    terms.context_rule_specs), so only cues and targets that close can interact
    and the pairing is windowed. And medspaCy 1.3.1's overlap test misses a span
    lying inside another, so "and I" did not end the scope of "my dad" in "my dad
    had back cancer and I have no numbness": _overlaps below is the usual test.
    """

    def __init__(
        self,
        nlp: Language,
        name: str,
        target_labels: Iterable[str],
        drop_labels: Iterable[str],
        span_group: str,
        clause_openers: Iterable[str] = (),
        answer_marks: Iterable[str] = (),
        answer_words: Iterable[str] = (),
        copulas: Iterable[str] = (),
        closing_denials: Iterable[str] = (),
    ):
        self.name = name
        self.clause_openers = frozenset(clause_openers)
        self.answer_marks = frozenset(answer_marks)
        self.answer_words = frozenset(answer_words)
        self.copulas = frozenset(copulas)
        self.closing_denials = list(closing_denials)
        self._closing = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._closing.add("closing", [nlp.make_doc(text) for text in self.closing_denials])
        self._in_question: Dict[str, ConTextRule] = {}
        self.nlp = nlp
        self.target_labels = frozenset(target_labels)
        self.drop_labels = frozenset(drop_labels)
        self.span_group = span_group
        self.rule_specs: List[Dict[str, Any]] = []
        self._widest = 0  # the longest max_scope of any rule
        # "no history of" beats "history of": overlapping cues keep the longest.
        # Cues match on NORM, so that a misspelt cue ("nevr", "dosent") is found like a term
        # (bot.nlp.spelling). medspaCy makes a cue's pattern with the bare tokenizer, whose
        # NORM is spaCy's ("n't" -> "not"); ours is the lower-case word: same for the cues.
        self._matcher = MedspacyMatcher(nlp, name=name, phrase_matcher_attr="NORM", prune=True)
        self._matcher.nlp = _LowerNorms(nlp)
        ConText.register_default_attributes()
        ConText.register_graph_attributes()

    def add_rules(self, specs: Iterable[Dict[str, Any]]) -> None:
        specs = list(specs)
        self._matcher.add([to_rule(spec) for spec in specs])
        self._in_question.update({spec["literal"]: question_rule(spec) for spec in specs if spec.get("in_question")})
        self.rule_specs.extend(specs)
        self._widest = max((spec.get("max_scope") or 0 for spec in self.rule_specs), default=0)

    def __call__(self, doc: Doc) -> Doc:
        if self.drop_labels:
            doc.ents = [ent for ent in doc.ents if ent.label_ not in self.drop_labels]
        targets = [ent for ent in doc.ents if ent.label_ in self.target_labels]
        doc.spans[self.span_group] = targets
        bounds = _sentence_bounds(doc)
        modifiers = self._modifiers(doc, targets, bounds)
        proxies = [m for m in modifiers if m.category == "PROXY"]
        children = [m for m in modifiers if m.category == "CHILD_PROXY" and _child_word(doc, m)]
        modifiers = [m for m in modifiers if m.category != "CHILD_PROXY"]
        if children and _writer_speaks_of_self(doc, children):
            children = []
        earlier = doc.user_data.get(WRITTEN_FOR_BEFORE)
        if (proxies or children) and _writer_names_own(doc, proxies + children):
            # "I am the carer for my sister ... My own complaint is my heel"
            modifiers = [m for m in modifiers if m not in proxies] + [
                ConTextModifier(_CARED_PERSON, m.modifier_span[0], m.modifier_span[1], doc,
                                *_scope(_CARED_PERSON, m.modifier_span[0], m.modifier_span[1], bounds[m.modifier_span[0]]))
                for m in proxies]
            modifiers.sort(key=lambda m: m.modifier_span)  # the scope and edge passes bisect on the starts
            proxies = children = []
        if proxies or children:
            # "writing for mum: ... Mum's foot has gone cold": the person written for, named again
            named = {t.lower_ for m in proxies for t in doc[m.modifier_span[0]:m.modifier_span[1]]
                     if t.is_alpha and t.lower_ not in _PROXY_FILLER}
            named |= {_child_word(doc, m) for m in children}
            modifiers = [m for m in modifiers if not _points_at_patient(doc, m, named)]
            doc.user_data[WRITTEN_FOR] = sorted(named)
        elif (named := _implicit_proxy(doc, modifiers, targets)) is not None or earlier is not None:
            # the person the message is about, and he / she / his / her; another relative
            # named in it ("our son has a fever") stays someone else. In a conversation
            # written for someone, their "he" and "she" go on meaning the patient.
            named = set(earlier or ()) | (named or set())
            modifiers = [m for m in modifiers if not _about_named(doc, m, named)]
            doc.user_data[WRITTEN_FOR] = sorted(named)
        else:
            for modifier in modifiers:
                _opening_relative_reaches_on(doc, modifier, bounds)
        # Cues and targets further apart than this cannot interact.
        window = self._widest + max((end - start for start, end in (m.modifier_span for m in modifiers)), default=0)
        self._limit_scopes(modifiers, window)
        edges = self._edges(targets, modifiers, window)
        for target, modifier in edges:
            target._.modifiers += (modifier,)
            for attr, value in DEFAULT_ATTRIBUTES.get(modifier.category, {}).items():
                setattr(target._, attr, value)
        doc._.context_graph = ConTextGraph(targets=targets, modifiers=modifiers, edges=edges)
        return doc

    def _modifiers(self, doc: Doc, targets: List[Span], bounds: List[Tuple[int, int]]) -> List[ConTextModifier]:
        """Cues in the doc, minus those inside a target (the "n't" of "can't pee"),
        plus the clause breaks."""
        in_target = {i for span in targets for i in range(span.start, span.end)}
        # "after my baby" is a cause and a past time: a cue of time, family or fear that
        # is a cause or a treatment still counts
        in_care_or_cause = {i for span in targets if span.label_ in ("CAUSE", "CARE") for i in range(span.start, span.end)}
        cues = []
        questions: Dict[Tuple[int, int], bool] = {}
        for match_id, start, end in self._matcher(doc):
            rule = self._matcher.rule_map[self.nlp.vocab.strings[match_id]]
            if any(i in in_target for i in range(start, end)) and not (
                    rule.category in _NOT_PARTICLES and all(i in in_care_or_cause for i in range(start, end))):
                # "don't feel" + "feel faint": a cue that runs into a target keeps the
                # words before it ("don't"), so the target is still negated; so do "and"
                # of "and i" + "i can feel everything down there" and "from the" of
                # "from the" + "bike seat". A cue that starts inside a target (the "n't"
                # of "can't pee") is dropped.
                if start in in_target:
                    # "check my feet every day for" + "check my feet": a forward cue that runs
                    # on past the target keeps the words after it ("every day for")
                    rest = [i for i in range(start, end) if i not in in_target]
                    if not (rule.direction == "FORWARD" and rest and rest == list(range(rest[0], end))):
                        continue
                    start = rest[0]
                if any(i in in_target for i in range(start, end)):
                    end = next(i for i in range(start, end) if i in in_target)
                if rule.category == "NEGATED_EXISTENCE" and all(
                        doc[i].is_punct or doc[i].lower_ in _SUBJECTS for i in range(start, end)):
                    continue  # ", haven't" + "haven't had a wee", "he" + "hasnt been able to pee": what is left denies nothing
            if rule.literal in self._in_question:
                sentence = bounds[start]
                if sentence not in questions:  # once per sentence: "if if if ..." stays linear
                    questions[sentence] = self._in_a_question(doc, sentence)
                if questions[sentence]:
                    rule = self._in_question[rule.literal]
            cues.append((rule, start, end))
        # A TERMINATE cue where a clause opener follows a mention: "no fever | my leg
        # is numb". Token patterns cannot look behind, so this is done here.
        # "when i was pregnant i had sciatica": a cause inside a cue of time or family is
        # part of that cue, and no clause ends after it.
        in_cue = {i for rule, start, end in cues if rule.category in _NOT_PARTICLES for i in range(start, end)}
        in_cue |= {i for span in targets if span.label_ in ("CAUSE", "CARE") and span.start - 1 in in_cue
                   for i in range(span.start, span.end)}
        cues += [
            (_CLAUSE_BREAK, span.end, span.end + 1)
            for span in targets
            if span.end < len(doc) and span.end not in in_target and doc[span.end].lower_ in self.clause_openers
            and span.label_ != "SIDE"  # "both my legs" is one phrase
            and not (span.label_ in ("CAUSE", "CARE") and span.start - 1 in in_cue)
        ]
        modifiers = [
            ConTextModifier(rule, start, end, doc, *_scope(rule, start, end, bounds[start]))
            for rule, start, end in cues
        ]
        for modifier in modifiers:
            _reach_back_from_lone_cue(doc, modifier, bounds, targets)
            _end_list_at_its_close(doc, modifier)
            _date_looks_back_to_the_comma(doc, modifier)
            _forward_scope(modifier)
            _opening_date_reaches_the_end(doc, modifier, bounds)
        modifiers += self._answers(doc, bounds)
        modifiers += [ConTextModifier(_CLAUSE_BREAK, i, i + 1, doc, i, i + 1) for i in self._subject_breaks(doc, targets)]
        modifiers += [ConTextModifier(_POSSESSIVE, i, i + 1, doc, *_scope(_POSSESSIVE, i, i + 1, bounds[i]))
                      for i in self._possessive_regions(doc, targets)]
        return sorted(modifiers, key=lambda m: m.modifier_span)

    def _subject_breaks(self, doc: Doc, targets: List[Span]) -> List[int]:
        """"no fever, chills or weight loss, back has been sore": a region after a comma
        or "and" that is the subject of a symptom starts a new clause, so the negation
        ends at the comma. "no back pain" has no comma and stays one phrase."""
        symptom_at = {span.start: span for span in targets if span.label_ == "SYMPTOM"}
        breaks = []
        for span in targets:
            if span.label_ != "REGION":
                continue
            before = span.start - 1
            while before >= 0 and doc[before].lower_ in ("my", "the", "his", "her", "our", "left", "right", "both"):
                before -= 1
            if before < 0 or doc[before].lower_ not in (",", ";", "and", "&", "n", "but"):
                continue
            after = span.end
            verb = after < len(doc) and doc[after].lower_ in _SUBJECT_VERBS
            while after < len(doc) and after not in symptom_at and doc[after].lower_ in self.copulas:
                after += 1
            if verb or after in symptom_at:
                breaks.append(before)
        return breaks

    @staticmethod
    def _possessive_regions(doc: Doc, targets: List[Span]) -> List[int]:
        """"his legs both went weak with his disc": his / her / their right before a body
        part (over a side or a plain adjective) makes the part someone else's. The rules'
        "his" cue reaches findings only: "i told her my back hurts" has "my" between."""
        in_side = {i for span in targets if span.label_ == "SIDE" for i in range(span.start, span.end)}
        found = []
        for span in targets:
            if span.label_ != "REGION":
                continue
            before = span.start - 1
            while before >= 0 and (before in in_side or doc[before].lower_ in _BEFORE_PART):
                before -= 1
            if before >= 0 and doc[before].lower_ in _OWNERS:
                found.append(before)
        return found

    @staticmethod
    def _in_a_question(doc: Doc, sentence: Tuple[int, int]) -> bool:
        """A question mark, or a question asked without one: "do i call you or 911"."""
        start, end = sentence
        if any(doc[i].text == "?" for i in range(start, end)):
            return True
        return any((doc[i].lower_, doc[i + 1].lower_) in _QUESTION_PAIRS for i in range(start, end - 1))

    def _answers(self, doc: Doc, bounds: List[Tuple[int, int]]) -> List[ConTextModifier]:
        """"chest pain? no." / "leaking urine - no": an answer word right after a question
        mark or a dash negates the words before the mark, back to the sentence start.
        After a dash the answer must end its clause ("back pain - no numbness" is not one)."""
        found = []
        # a finding or symptom right after the answer word; a phrase that itself says all
        # is well ("nah if anything ive gained") is part of the answer
        specs = terms.finding_specs()
        mention_starts = {ent.start for ent in doc.ents
                          if ent.label_ == "SYMPTOM" and ent.ent_id_ != "ok"
                          or ent.label_ == "FINDING" and not specs[ent.ent_id_]["denies"]}
        for i in range(len(doc) - 1):
            if doc[i].text not in self.answer_marks:
                continue
            first = i + 1
            if (doc[i].text == "?" and first + 2 < len(doc) and doc[first].lower_ in ("a", "ans", "answer")
                    and doc[first + 1].text == ":"):
                first += 2  # "Q: bowels? A: no change"
            size = self._answer_size(doc, first)
            if not size:
                continue
            after = first + size
            if (doc[i].text != "?" and after < len(doc) and not doc[after].is_punct and not doc[after].is_space
                    and not _list_number(doc, after)):
                continue
            if after in mention_starts:
                continue  # "could it be an infection? no fever though": a new denial, no answer
            if after < len(doc) and doc[after].lower_ in ("idea", "clue"):
                continue  # "is a temperature a bad sign? no idea": not an answer
            sent_start = bounds[i][0]
            found.append(ConTextModifier(_ANSWER_NO, i, after, doc, max(sent_start, i - ANSWER_REACH), i))
        return found + self._closing_denials(doc, bounds)

    def _answer_size(self, doc: Doc, start: int) -> int:
        """Tokens of the answer at start: one answer word, or an answer of several words
        ("osteoporosis: don't think so"); 0 when there is none."""
        if doc[start].lower_ in self.answer_words:
            return 1
        for size in range(2, 6):
            if start + size <= len(doc) and doc[start:start + size].text.lower() in self.answer_words:
                return size
        return 0

    def _closing_denials(self, doc: Doc, bounds: List[Tuple[int, int]]) -> List[ConTextModifier]:
        """"fever no, chills no", "told to call if i got weakness in both legs, i havent":
        a denial that closes its clause (punctuation or the end follows) negates that
        clause, or the clause before when its own holds nothing else."""
        found = []
        taken: set = set()
        target_starts = {ent.start for ent in doc.ents}
        for start, end in sorted(((s, e) for _, s, e in self._closing(doc)), key=lambda se: (se[0], -se[1])):
            if start in taken or (end < len(doc) and not doc[end].is_punct and not doc[end].is_space):
                continue
            if start > 0 and doc[start - 1].lower_ == "but" and doc[start].lower_ == "nothing":
                continue  # "I've had back pain 2 weeks but nothing like that": a contrast, not a no
            taken.update(range(start, end))
            sent_start = bounds[start][0]
            clause = start
            while clause > sent_start and doc[clause - 1].text not in (",", ";"):
                clause -= 1
            if clause == start and clause > sent_start:  # ", i havent": the clause before
                clause -= 1
                while clause > sent_start and doc[clause - 1].text not in (",", ";"):
                    clause -= 1
            elif (clause == start == sent_start and start > 0 and doc[start - 1].text in (".", "!")
                  and all(doc[i].is_punct for i in range(end, bounds[start][1]))):
                # "It was my dad who had the cancer, not me. I've never had it.": a sentence
                # that is only a denial answers the last clause before it that says something
                previous_start = bounds[start - 1][0]
                clause = start - 1
                while clause > previous_start and (doc[clause - 1].text not in (",", ";")
                                                   or not any(clause <= t < start - 1 for t in target_starts)):
                    clause -= 1
            elif clause == start and start > 0 and doc[start - 1].text == "?":
                # "my back hurts, is a fever a bad sign? i dont have one": the question's clause
                clause = start - 1
                while clause > bounds[start - 1][0] and doc[clause - 1].text not in (",", ";"):
                    clause -= 1
            reach = max(clause, start - ANSWER_REACH - 4)
            if reach < start:
                found.append(ConTextModifier(_ANSWER_NO, start, end, doc, reach, start))
        return found

    @staticmethod
    def _limit_scopes(modifiers: List[ConTextModifier], window: int) -> None:
        """ConTextGraph.update_scopes, for pairs near enough to matter. TERMINATE and
        PSEUDO cues never have their own scope limited, so they are only the
        "other" side of a pair."""
        limitable = [m.direction not in _FIXED_SCOPE for m in modifiers]
        for i, first in enumerate(modifiers):
            for j in range(i + 1, len(modifiers)):
                second = modifiers[j]
                if second.modifier_span[0] - first.modifier_span[1] > window:
                    break
                if limitable[i]:
                    _limit_scope(first, second)
                if limitable[j]:
                    _limit_scope(second, first)

    @staticmethod
    def _edges(
        targets: List[Span], modifiers: List[ConTextModifier], window: int
    ) -> List[Tuple[Span, ConTextModifier]]:
        """ConTextGraph.apply_modifiers, looking only at cues near each target."""
        starts = [m.modifier_span[0] for m in modifiers]
        for target in targets:
            low = bisect_left(starts, target.start - window)
            high = bisect_right(starts, target.end + window)
            for modifier in modifiers[low:high]:
                if _modifies(modifier, target):
                    modifier.modify(target)
        edges = []
        for modifier in modifiers:
            modifier.reduce_targets()
            edges.extend((target, modifier) for target in modifier._targets)  # no public accessor
        return edges

    def to_disk(self, path: Path, exclude: Iterable[str] = ()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / RULES_FILE, self.rule_specs)

    def from_disk(self, path: Path, exclude: Iterable[str] = ()) -> "ClinicContext":
        self.add_rules(srsly.read_json(ensure_path(path) / RULES_FILE))
        return self


@Language.factory(
    FACTORY,
    default_config={
        "target_labels": list(terms.CONTEXT_TARGET_LABELS),
        "drop_labels": [terms.IGNORE],
        "span_group": "clinic_targets",
        "clause_openers": [],
        "answer_marks": [],
        "answer_words": [],
        "copulas": [],
        "closing_denials": [],
    },
)
def make_clinic_context(
    nlp: Language,
    name: str,
    target_labels: List[str],
    drop_labels: List[str],
    span_group: str,
    clause_openers: List[str],
    answer_marks: List[str],
    answer_words: List[str],
    copulas: List[str],
    closing_denials: List[str],
) -> ClinicContext:
    return ClinicContext(nlp, name, target_labels, drop_labels, span_group, clause_openers, answer_marks,
                         answer_words, copulas, closing_denials)


# -- findings said in words no phrase list foresaw --------------------------------------------
COOCCUR_FACTORY = "clinic_cooccur"
COOCCUR_FILE = "cooccur.json"
_CLAUSE_ENDS = frozenset({",", ";", ".", "?", "!", "but", "though", "although", "however", "except", "and", "or",
                          "&", "plus"})
_NEGATORS = frozenset({"not", "n't", "nt", "no", "never", "without", "nor"})


def _word_test(words: Iterable[str]):
    exact = {w for w in words if not w.endswith("*")}
    prefixes = tuple(w[:-1] for w in words if w.endswith("*"))
    return lambda text: text in exact or (bool(prefixes) and text.startswith(prefixes))


class ClinicCooccur:
    """FINDING entities from two words said close together in one clause, for the many
    ways no phrase list can foresee: "my privates have gone kind of numb" is saddle
    numbness whatever the words between. A rule (data/nlp/findings.yml cooccur) names
    the finding entity, a word list for each part and the largest gap. Entities already
    there win when they are findings, walking changes or look-alikes; a region or a
    symptom inside the new span gives way to it. A span with a negation word inside
    is not made: ConText must see that word as a cue, outside the finding."""

    def __init__(self, nlp: Language, name: str):
        self.name = name
        self.rules: List[Dict[str, Any]] = []
        self._tests: List[Tuple[Dict[str, Any], Any, Any, Any]] = []

    def add_rules(self, rules: Iterable[Dict[str, Any]]) -> None:
        for rule in rules:
            self.rules.append(rule)
            first, second = (_word_test(words) for words in rule["words"])
            unless = _word_test(rule.get("unless") or ()) if rule.get("unless") else None
            self._tests.append((rule, first, second, unless))

    def __call__(self, doc: Doc) -> Doc:
        if not self._tests:
            return doc
        keep = {"FINDING", "GAIT", "GAIT_OK", "IGNORE", "CARE", "CAUSE"}
        # a bare topic word ("weight" of "lost a bit of weight") gives way like a region
        weak = terms.only_denied_entities()
        taken = {i for ent in doc.ents if ent.label_ in keep and ent.ent_id_ not in weak
                 for i in range(ent.start, ent.end)}
        # a one-word finding may take a cause's word ("football" of "a football tackle"): the
        # injury findings imply that cause themselves
        causes = {i for ent in doc.ents if ent.label_ == "CAUSE" for i in range(ent.start, ent.end)}
        new: List[Span] = []
        for sent in doc.sents:
            # NORM: the lower-case word, or the word a misspelling means (bot.nlp.spelling)
            lower = [t.norm_ for t in sent]
            for rule, first, second, unless in self._tests:
                a = [i for i, w in enumerate(lower) if first(w)]
                b = [j for j, w in enumerate(lower) if second(w)]
                best = None
                for i in a:
                    for j in b:
                        lo, hi = min(i, j), max(i, j)
                        if i == j or hi - lo > rule["window"] or (rule.get("ordered") and j < i):
                            continue
                        between = lower[lo + 1:hi]
                        if any(w in _CLAUSE_ENDS or w in _NEGATORS for w in between):
                            continue
                        # "hurts since last night", "pain is better at night", "I work nights":
                        # a word in or just before the pair that makes it mean something else
                        if unless is not None and any(unless(w) for w in lower[max(lo - 1, 0):hi + 1]):
                            continue
                        # span "first"/"second": only that word becomes the finding, so the
                        # body part of "twisted my ankle" stays a region of its own
                        part = {"first": (i, i), "second": (j, j)}.get(rule.get("span"), (lo, hi))
                        if any(sent.start + k in taken and not (part[0] == part[1] and sent.start + k in causes)
                               for k in range(part[0], part[1] + 1)):
                            continue
                        if best is None or hi - lo < best[2]:
                            best = (part[0], part[1], hi - lo)
                if best is not None:
                    span = Span(doc, sent.start + best[0], sent.start + best[1] + 1, label="FINDING",
                                span_id=rule["entity"])
                    new.append(span)
                    taken.update(range(span.start, span.end))
        if new:
            kept = [ent for ent in doc.ents if not any(_overlaps((ent.start, ent.end), (n.start, n.end)) for n in new)]
            doc.ents = sorted(kept + new, key=lambda e: e.start)
        return doc

    def to_disk(self, path: Path, exclude: Iterable[str] = ()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / COOCCUR_FILE, self.rules)

    def from_disk(self, path: Path, exclude: Iterable[str] = ()) -> "ClinicCooccur":
        self.add_rules(srsly.read_json(ensure_path(path) / COOCCUR_FILE))
        return self


@Language.factory(COOCCUR_FACTORY)
def make_clinic_cooccur(nlp: Language, name: str) -> ClinicCooccur:
    return ClinicCooccur(nlp, name)
