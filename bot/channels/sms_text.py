"""Pure functions of the SMS channel: what a phone can show, and what a patient's reply means.

Nothing here touches the network, the database or Rasa, so each rule is tested on its
own (tests/unit/test_sms_text.py):

* ``to_gsm7``: plain GSM-7 text (curly quotes, dashes and emoji would turn the whole
  message into UCS-2: 70 characters a segment instead of 160).
* ``plain_text``: no markdown or raw payloads ever reach a phone.
* ``format_with_choices``: buttons become numbered choices inside one text.
* ``pack_messages``: a turn's texts joined and split into messages of at most two
  segments each (306 GSM-7 septets, or 134 characters when UCS-2 cannot be avoided).
* ``match_choice``: "1", "2", "yes", "no" or a choice's own title back to its payload.
* ``keyword``: STOP / START / HELP words (clinical-triage.md, "SMS rules").
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

# -- GSM-7 --------------------------------------------------------------------------
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")  # two septets each (escape + character)

SEGMENT_GSM7, SEGMENT_GSM7_MULTI = 160, 153
SEGMENT_UCS2, SEGMENT_UCS2_MULTI = 70, 67
# At most two segments per message: long enough for a question with its choices,
# short enough to arrive together.
MAX_GSM7 = 2 * SEGMENT_GSM7_MULTI  # 306 septets
MAX_UCS2 = 2 * SEGMENT_UCS2_MULTI  # 134 characters

_REPLACE = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u2022": "-", "\u00b7": "-", "\u2023": "-", "\u25aa": "-", "\u25cf": "-",
    "\u00d7": "x", "\u00f7": "/", "\u2264": "<=", "\u2265": ">=", "\u2192": "->",
    "\u00bd": "1/2", "\u00bc": "1/4", "\u00be": "3/4",
    "\u00b0": " degrees", "\u00a9": "(c)", "\u00ae": "(R)", "\u2122": "(TM)",
    "\t": " ",
    # Latin letters that do not decompose to a GSM-7 base letter
    "\u0141": "L", "\u0142": "l", "\u0110": "D", "\u0111": "d", "\u0126": "H", "\u0127": "h",
    "\u0131": "i", "\u0152": "OE", "\u0153": "oe", "\u00de": "Th", "\u00fe": "th",
    "\u00f0": "d", "\u00d0": "D",
}
_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def gsm7_length(text: str) -> int:
    """Septets the text takes in GSM-7 (extension characters count twice)."""
    return sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)


def segments(text: str) -> int:
    """How many SMS segments the text is sent as."""
    if is_gsm7(text):
        length = gsm7_length(text)
        return 1 if length <= SEGMENT_GSM7 else -(-length // SEGMENT_GSM7_MULTI)
    length = len(text.encode("utf-16-le")) // 2
    return 1 if length <= SEGMENT_UCS2 else -(-length // SEGMENT_UCS2_MULTI)


def _fits(text: str) -> bool:
    if is_gsm7(text):
        return gsm7_length(text) <= MAX_GSM7
    return len(text.encode("utf-16-le")) // 2 <= MAX_UCS2


def _clean_char(ch: str) -> str:
    if ch in GSM7_BASIC or ch in GSM7_EXTENSION:
        return ch
    if ch in _REPLACE:
        return _REPLACE[ch]
    if _SPACES.match(ch):
        return " "
    decomposed = "".join(c for c in unicodedata.normalize("NFKD", ch)
                         if not unicodedata.combining(c))
    if decomposed and all(c in GSM7_BASIC for c in decomposed):
        return decomposed  # "ç" -> "c", "ō" -> "o", "ﬁ" -> "fi"
    if unicodedata.category(ch)[0] in "LN":
        return ch  # a letter of another script: keep the meaning, even if UCS-2
    return ""  # emoji, pictographs, variation selectors, joiners, other symbols


def to_gsm7(text: str) -> str:
    """Plain GSM-7 where possible: typographic punctuation replaced, accents folded when
    GSM-7 lacks the letter, emoji and symbols dropped; letters of other scripts kept."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
    cleaned = "".join(_clean_char(ch) for ch in text)
    cleaned = re.sub(r"[ ]{2,}", " ", cleaned)
    cleaned = re.sub(r" +\n", "\n", cleaned)
    cleaned = re.sub(r"\n +", "\n", cleaned)
    cleaned = re.sub(r"\n{3,}", "\n\n", cleaned)
    return cleaned.strip()


# -- markdown and payloads ------------------------------------------------------------
_PAYLOAD = re.compile(r"^/[A-Za-z_][\w-]*(\{.*\})?$", re.S)
_LINK = re.compile(r"\[([^\]]+)\]\((\S+?)\)")


def is_payload(text: str) -> bool:
    return bool(_PAYLOAD.match(text.strip()))


def plain_text(text: str) -> str:
    """Markdown to what a phone shows: emphasis marks dropped, links as "text (url)",
    headings and bullets as plain lines. A raw payload becomes nothing."""
    if not text or is_payload(text):
        return ""
    text = _LINK.sub(lambda m: m.group(1) if m.group(1) == m.group(2)
                     else f"{m.group(1)} ({m.group(2)})", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])", r"\1", text)
    text = re.sub(r"`{1,3}([^`]*)`{1,3}", r"\1", text)
    text = re.sub(r"^\s{0,3}#{1,6}\s+", "", text, flags=re.M)
    text = re.sub(r"^\s*[*+]\s+", "- ", text, flags=re.M)
    return text


# -- numbered choices ------------------------------------------------------------------
@dataclass(frozen=True)
class Choice:
    title: str
    payload: str

    def to_dict(self) -> Dict[str, str]:
        return {"title": self.title, "payload": self.payload}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Choice":
        return cls(title=str(data["title"]), payload=str(data["payload"]))


def choices_from_buttons(buttons: Optional[Iterable[Mapping[str, Any]]]) -> List[Choice]:
    result = []
    for button in buttons or []:
        title, payload = button.get("title"), button.get("payload")
        if title and payload and button.get("type", "postback") == "postback":
            result.append(Choice(to_gsm7(plain_text(str(title))) or str(title), str(payload)))
    return result


# Web wording ("tap") said the SMS way. A channel-specific response variant in the
# domain (`channel: sms`) would be the cleaner home for these; see docs/channels.md.
_TAP = [
    (re.compile(r"\btap the ones that apply, reply with their numbers,", re.I),
     "reply with the numbers of the ones that apply,"),
    (re.compile(r"\btap all that apply\b", re.I), "reply with the numbers of all that apply"),
    (re.compile(r"\btap the changes that apply\b", re.I),
     "reply with the numbers of the changes that apply"),
    (re.compile(r"\btap one\b", re.I), "reply with a number"),
    (re.compile(r"\btap\b", re.I), "reply with"),
]


def sms_wording(text: str) -> str:
    for pattern, replacement in _TAP:
        def repl(match: "re.Match[str]", replacement: str = replacement) -> str:
            first = match.group(0)[0]
            return replacement[0].upper() + replacement[1:] if first.isupper() else replacement
        text = pattern.sub(repl, text)
    return text


_SHORT_TITLE = 24


def format_with_choices(text: str, choices: Sequence[Choice]) -> str:
    """One text with its numbered choices: "Reply 1 for Yes, 2 for No." for a few
    short ones, else one numbered line per choice."""
    text = text.strip()
    if not choices:
        return text
    if len(choices) <= 3 and all(len(c.title) <= _SHORT_TITLE for c in choices):
        parts = ", ".join(f"{i} for {c.title}" for i, c in enumerate(choices, 1))
        return f"{text}\nReply {parts}."
    lines = [f"{i}) {c.title}" for i, c in enumerate(choices, 1)]
    header = "" if re.search(r"\breply with\b", text, re.I) else "Reply with a number:\n"
    return f"{text}\n{header}" + "\n".join(lines)


# -- packing a turn into messages --------------------------------------------------
def _split_point(text: str) -> int:
    """Where to cut the text so that the head fits: a line break, a sentence end, a space."""
    lo, hi = 1, len(text)
    while lo < hi:  # the longest prefix that fits
        mid = (lo + hi + 1) // 2
        if _fits(text[:mid]):
            lo = mid
        else:
            hi = mid - 1
    head = text[:lo]
    for pattern in (r"\n(?=[^\n]*$)", r"[.?!:;](?=\s[^.?!:;]*$)", r" (?=[^ ]*$)"):
        match = re.search(pattern, head)
        if match and match.end() > lo // 3:
            return match.end()
    return lo


def split_message(text: str) -> List[str]:
    """One text as messages that each fit (two segments), cut at natural places."""
    text = text.strip()
    parts: List[str] = []
    while text and not _fits(text):
        cut = _split_point(text)
        parts.append(text[:cut].strip())
        text = text[cut:].strip()
    if text:
        parts.append(text)
    return [p for p in parts if p]


def pack_messages(texts: Iterable[str]) -> List[str]:
    """A turn's texts as few messages as fit, in order: short texts share a message
    (blank line between), long ones are split."""
    packed: List[str] = []
    current = ""
    for text in texts:
        for part in split_message(text):
            candidate = f"{current}\n\n{part}" if current else part
            if _fits(candidate):
                current = candidate
            else:
                packed.append(current)
                current = part
    if current:
        packed.append(current)
    return packed


def render_turn(messages: Iterable[Mapping[str, Any]]) -> "Turn":
    """Rasa's collected bot messages of one turn -> the SMS texts and the choices
    the patient may answer by number (those of the last message with buttons)."""
    texts: List[str] = []
    choices: List[Choice] = []
    prompt: Optional[str] = None
    for message in messages:
        text = plain_text(str(message.get("text") or ""))
        buttons = choices_from_buttons(message.get("buttons") or message.get("quick_replies"))
        text = sms_wording(text)
        if buttons:
            choices, prompt = buttons, to_gsm7(text)
        text = to_gsm7(format_with_choices(text, buttons))
        if text:
            texts.append(text)
        # custom payloads (the web page's emergency banner), images and attachments
        # have no SMS form: the plain text beside them carries the message.
    return Turn(messages=pack_messages(texts), choices=choices, prompt=prompt)


@dataclass
class Turn:
    messages: List[str]
    choices: List[Choice]
    prompt: Optional[str] = None


# -- what the patient's reply means ------------------------------------------------------
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "CANCEL", "REVOKE",
                        "OPTOUT"})
START_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})


def keyword(body: str) -> Optional[str]:
    """'stop', 'start' or 'help' when the message is one of those single words (any case,
    surrounding spaces and a trailing full stop or exclamation mark ignored)."""
    word = (body or "").strip().rstrip(".!").strip().upper()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    if word in HELP_WORDS:
        return "help"
    return None


_YES = frozenset({"yes", "y", "yeah", "yep", "yup", "ya", "yes please", "correct", "right"})
_NO = frozenset({"no", "n", "nope", "nah", "no thanks"})


def _first_word(title: str) -> str:
    match = re.match(r"[A-Za-z']+", title.strip())
    return match.group(0).lower() if match else ""


def match_choice(body: str, choices: Sequence[Choice]) -> Optional[str]:
    """The payload a reply picks from the choices last sent, or None (then the text
    goes to the assistant as written: "1 and 3" picks several options there)."""
    if not choices:
        return None
    text = re.sub(r"\s+", " ", (body or "").strip().lower()).strip(" .!")
    number = re.fullmatch(r"#?\s*(\d{1,2})\s*[).]?", text)
    if number:
        index = int(number.group(1))
        return choices[index - 1].payload if 1 <= index <= len(choices) else None
    for choice in choices:
        if choice.title.lower().strip(" .!") == text:
            return choice.payload
    if text in _YES or text in _NO:
        wanted, intent = ("yes", "/affirm") if text in _YES else ("no", "/deny")
        for choice in choices:
            if choice.payload == intent or _first_word(choice.title) == wanted:
                return choice.payload
    return None


def has_words(body: str) -> bool:
    """True when the message has any letter or digit (a photo alone, or only emoji, has none)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in body or "")
