"""Value parsers for the patient's short answers.

Each parser takes what the patient typed and returns the value in the contract's
format, or ``None`` when it cannot tell. None of them raises on bad input (not a
string, empty, emoji, 5,000 characters): the dialogue then asks again.

Word lists (yes / no words, number words, units, months, onset words, name
lead-ins) live in data/nlp/parse.yml, shared with the clinical extractor.
"""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "nlp" / "parse.yml"

MAX_AGE_YEARS = 120
# Longer than any honest answer to one question; longer input is cut, not parsed.
MAX_INPUT_CHARS = 2000
# Duration beyond a lifetime is a typo, not an answer.
MAX_DURATION_DAYS = MAX_AGE_YEARS * 365
# E.164 allows at most 15 digits; shorter than 8 is no real international number.
E164_MIN_DIGITS, E164_MAX_DIGITS = 8, 15
MIN_PHONE_DIGITS = 7  # fewer digits in a run is an age, a count or a date part

DATE_ERROR_NOT_A_DATE = "not_a_date"
DATE_ERROR_IN_FUTURE = "in_future"
DATE_ERROR_TOO_OLD = "too_old"


@lru_cache(maxsize=1)
def vocab() -> Dict:
    """The word lists from data/nlp/parse.yml (read once)."""
    with open(DATA_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


# -- text helpers ------------------------------------------------------------------
def _clean(text: object) -> Optional[str]:
    """Lower-case text with straight quotes and single spaces; None if not text."""
    if not isinstance(text, str):
        return None
    text = unicodedata.normalize("NFKC", text[:MAX_INPUT_CHARS])
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return re.sub(r"\s+", " ", text).strip().lower()


def _words(text: object) -> Optional[str]:
    """Like _clean, with punctuation other than ' - / . ? turned into spaces."""
    cleaned = _clean(text)
    if cleaned is None:
        return None
    cleaned = re.sub(r"[^\w\s'\-/.?\U0001F44D\U0001F44E]", " ", cleaned)
    cleaned = re.sub(r"(?<!\d)[.](?!\d)", " ", cleaned)  # keep decimal points only
    return re.sub(r"\s+", " ", cleaned).strip()


def _alternation(phrases: Iterable[str]) -> str:
    """Regex alternation, longest first so that "a few" wins over "a"."""
    ordered = sorted(set(phrases), key=len, reverse=True)
    return "|".join(re.escape(p) for p in ordered)


def _find_phrase(text: str, phrases: Iterable[str]) -> Optional[re.Match]:
    """First whole-word occurrence of any phrase."""
    return re.search(rf"(?<![\w'])(?:{_alternation(phrases)})(?![\w'])", text)


def _leading_phrase(text: str, phrases: Iterable[str]) -> str:
    """The longest phrase the text is, or starts with as whole words ("" if none)."""
    best = ""
    for phrase in phrases:
        if (text == phrase or text.startswith(phrase + " ")) and len(phrase) > len(best):
            best = phrase
    return best


# -- yes / no / unknown ------------------------------------------------------------
def parse_unknown(text: object) -> bool:
    """True when the answer is "I don't know", "not sure", "skip", "rather not say"..."""
    words = _words(text)
    if not words:
        return False
    if _find_phrase(words, vocab()["unknown_anywhere"]):
        return True
    bare = words.rstrip("?.! ").strip() or words
    return bool(_leading_phrase(bare, vocab()["unknown_whole"])) or words in vocab()["unknown_whole"]


def parse_yes_no(text: object) -> Optional[bool]:
    """True for yes-like answers, False for no-like ones, None for unknown or unclear."""
    words = _words(text)
    if not words or parse_unknown(words):
        return None
    words = words.rstrip("?.! ")
    yes = _leading_phrase(words, vocab()["yes_words"])
    no = _leading_phrase(words, vocab()["no_words"])
    if len(yes) == len(no):  # neither, or a tie such as "yes no"
        return None
    return len(yes) > len(no)


# -- severity ----------------------------------------------------------------------
_NUMBER = r"\d+(?:\.\d+)?"


def _number_words_to_digits(text: str) -> str:
    """"seven out of ten" -> "7 out of 10" (whole words only)."""
    numbers = vocab()["numbers"]
    pattern = rf"(?<![\w'])({_alternation(numbers)})(?![\w'])"
    return re.sub(pattern, lambda m: str(numbers[m.group(1)]), text)


def _severity_candidates(text: str) -> List[float]:
    """Numbers that score the pain, most specific form first: "N/10", "N-M", "N"."""
    out_of_ten = re.search(
        rf"({_NUMBER})(?:\s*(?:-|to|or)\s*({_NUMBER}))?\s*(?:/|out of|outta|of)\s*10(?!\d)", text
    )
    if out_of_ten:
        return [float(g) for g in out_of_ten.groups() if g]
    span = re.search(rf"(?<![\d./])({_NUMBER})\s*(?:-|to|or)\s*({_NUMBER})(?![\d./])", text)
    if span:
        return [float(g) for g in span.groups()]
    return [float(n) for n in re.findall(rf"(?<![\d./\-])({_NUMBER})(?![\d./])", text)]


def parse_severity(text: object) -> Optional[int]:
    """Pain score 0-10 from "7/10", "7 out of 10", "seven", "a 7"; "8-9" gives 9.

    Ranges and half points round up: the patient's worst is what triage needs.
    """
    words = _words(text)
    if not words:
        return None
    # "around 3am", "at 10 o'clock": a time of day; "a 9 hour shift", "3 weeks": an amount; no score
    clock = _alternation(vocab()["clock_words"])
    words = re.sub(rf"(?<![\w.])\d{{1,2}}(?:[:\s]\d{{2}})?\s*(?:{clock})(?![\w'])", " ", words)
    words = _number_words_to_digits(words)
    words = re.sub(rf"(?<![\w.])({_NUMBER})\s*(?:{_alternation(_all_units())})(?![\w'])", " ", words)
    candidates = _severity_candidates(words)
    if not candidates:
        return None
    score = math.ceil(max(candidates))
    return score if 0 <= score <= 10 else None


def mentions_vague_severity(text: object) -> bool:
    """True when the text says how bad in words ("terrible", "mild"), numbers or not."""
    words = _words(text)
    return bool(words) and bool(_find_phrase(words, vocab()["severity_vague"]))


def severity_is_vague(text: object) -> bool:
    """True for "really bad", "terrible", "mild"...: a severity without a number."""
    return mentions_vague_severity(text) and parse_severity(text) is None


# -- durations ---------------------------------------------------------------------
def _round_days(value: float) -> int:
    return int(math.floor(value + 0.5))  # half up: "a year and a half" -> 548


def _quantity(word: str) -> Optional[float]:
    table = {**vocab()["numbers"], **vocab()["quantities"]}
    if word in table:
        return float(table[word])
    try:
        return float(word)
    except ValueError:
        return None


def _all_units() -> Dict[str, float]:
    """Day units and the shorter ones (hours, minutes: 0 days)."""
    return {**vocab()["units"], **vocab()["short_units"]}


def _not_the_complaint(text: str, start: int, end: int) -> bool:
    """"clean 8 years", "sober for 2 years", "my 8 year old": a number of years that
    is no duration of the complaint (data: not_duration_before / not_duration_after)."""
    before = text[:start].split()[-3:]
    after = text[end:].split()[:1]
    return bool(set(before) & set(vocab()["not_duration_before"])) or bool(
        set(after) & set(vocab()["not_duration_after"])
    )


def _amounts(text: str) -> List[Tuple[int, float]]:
    """(position, days) for "3 weeks", "3wks", "a couple of days", "2-3 wks", "a year and a half"."""
    units = _all_units()
    qty = rf"{_NUMBER}|{_alternation({**vocab()['numbers'], **vocab()['quantities']})}"
    pattern = re.compile(
        rf"(?<![\w'.\-])(?P<n>{qty})(?:\s*(?:-|to|or)\s*(?P<n2>{qty}))?(?P<gap>\s*)(?:of\s+)?"
        rf"(?P<u>{_alternation(units)})(?![\w'])(?P<half>\s+and\s+a\s+half)?"
    )
    found = []
    for match in pattern.finditer(text):
        last = match.group("n2") or match.group("n")
        if not match.group("gap") and not last[-1].isdigit():
            continue  # "an"+"d" inside "and": only digits may touch their unit ("3wks")
        amounts = [_quantity(g) for g in (match.group("n"), match.group("n2")) if g]
        if None in amounts or _not_the_complaint(text, match.start(), match.end()):
            continue
        count = max(amounts) + (0.5 if match.group("half") else 0)
        found.append((match.start(), count * units[match.group("u")]))
    for match in re.finditer(rf"\bhalf\s+an?\s+(?P<u>{_alternation(units)})(?![\w'])", text):
        found.append((match.start(), 0.5 * units[match.group("u")]))
    return found


def _vague_amounts(text: str) -> List[Tuple[int, float]]:
    """"for years", "on and off for months": a unit without a number."""
    table = vocab()["vague_units"]
    counted = re.compile(rf"(?:{_NUMBER}|{_alternation({**vocab()['numbers'], **vocab()['quantities']})})\s*$")
    return [
        (m.start(), float(table[m.group(1)]))
        for m in re.finditer(rf"(?<![\w'])({_alternation(table)})(?![\w'])", text)
        if not counted.search(text[: m.start()])  # "8 years" is an amount, read (or not) by _amounts
    ]


def _relative_days(text: str) -> List[Tuple[int, float]]:
    table = vocab()["relative_days"]
    return [
        (m.start(), float(table[m.group(0)]))
        for m in re.finditer(rf"(?<![\w'])(?:{_alternation(table)})(?![\w'])", text)
    ]


def _safe_date(year: int, month: int, day: int) -> Optional[date]:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _latest_past(month: int, day: int, today: date) -> Optional[date]:
    """That month and day this year, or last year when it is still to come."""
    this_year = _safe_date(today.year, month, day)
    if this_year is None:
        return None
    return this_year if this_year <= today else _safe_date(today.year - 1, month, day)


# Words that lead into a date ("since march", "on friday", "over easter").
_DATE_LEAD = r"since|on|from|started|starting|began|begun|in|until|till|til|over|at|around|after|before"


def _since_weekday(text: str, today: date) -> List[Tuple[int, date]]:
    """"since tuesday", "since this past tuesday", "on friday": the latest Tuesday
    before today. "since last tuesday": the Tuesday of last week (weeks start on
    Monday), as it is usually meant (on a Wednesday, the day before is "yesterday").
    A weekday said on its own ("woke up saturday", "thursday night") is the latest
    one too, when written out in full ("sat" and "sun" are also words) and not
    ahead ("next friday", "this coming friday", "every friday")."""
    weekdays = vocab()["weekdays"]
    pattern = (
        rf"\b(?:(?:since|on|started|starting|began|begun|from|until|till|til)\s+(?:on\s+)?"
        rf"(?:(?P<last>last)|this\s+past|past)?\s*"
        rf"|(?P<bare_last>last)\s+)"
        rf"(?P<day>{_alternation(weekdays)})\b"
    )
    found, said = [], []
    for match in re.finditer(pattern, text):
        weekday = weekdays[match.group("day")]
        if match.group("last") or match.group("bare_last"):
            start = today - timedelta(days=today.weekday() + 7 - weekday)
        else:
            start = _latest_weekday(weekday, today)
        found.append((match.start(), start))
        said.append(match.start("day"))
    ahead = _alternation(vocab()["weekday_ahead"])
    alone = _alternation(vocab()["weekdays_alone"])
    for match in re.finditer(rf"(?<![\w'])({alone})(?![\w'])", text):
        if match.start() in said or re.search(rf"(?:^|\s)(?:{ahead})\s*$", text[: match.start()]):
            continue
        found.append((match.start(), _latest_weekday(weekdays[match.group(1)], today)))
    return found


def _latest_weekday(weekday: int, today: date) -> date:
    """The latest such weekday before today (a week ago when it is today's)."""
    return today - timedelta(days=(today.weekday() - weekday) % 7 or 7)


def _since_month(text: str, today: date) -> List[Tuple[int, date]]:
    """"since march", "since march 5th", "in march 2021", "since the 5th of march",
    "since the beginning of october" (the 1st, like "since october")."""
    months = _alternation(vocab()["months"])
    day = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
    part = r"(?:the\s+)?(?:beginning|start|middle|end)\s+of\s+"
    patterns = (
        rf"\b(?:since|in|from|started|starting|began|begun)\s+(?:early\s+|mid-?\s*|late\s+|{part})?"
        rf"(?P<m>{months})\b\.?(?:\s+{day})?(?:,?\s+(?P<y>\d{{4}}))?",
        rf"\b(?:since|on|from|started|starting|began|begun)\s+(?:the\s+)?{day}\s+(?:of\s+)?(?P<m>{months})\b"
        rf"(?:,?\s+(?P<y>\d{{4}}))?",
        # "on november 5th": with "on" the day must be said ("on march" is no date)
        rf"\bon\s+(?P<m>{months})\b\.?\s+{day}\b(?:,?\s+(?P<y>\d{{4}}))?",
    )
    found = []
    for pattern in patterns:
        for match in re.finditer(pattern, text):
            month = vocab()["months"][match.group("m")]
            day_no = int(match.group("d") or 1)
            if match.group("y"):
                start = _safe_date(int(match.group("y")), month, day_no)
            else:
                start = _latest_past(month, day_no, today)
            if start:
                found.append((match.start(), start))
    return found


def _day_of_month(text: str, today: date) -> List[Tuple[int, date]]:
    """"on the 14th", "since the 5th": that day of this month, or of last month
    when it is still to come."""
    months = _alternation(vocab()["months"])
    pattern = (
        r"\b(?:since|on|from|started|starting|began|begun)\s+the\s+(?P<d>\d{1,2})(?:st|nd|rd|th)\b"
        rf"(?!\s+(?:of\s+)?(?:{months})\b)"
    )
    found = []
    for match in re.finditer(pattern, text):
        day_no = int(match.group("d"))
        start = _safe_date(today.year, today.month, day_no)
        if start is None or start > today:
            last_month = today.replace(day=1) - timedelta(days=1)
            start = _safe_date(last_month.year, last_month.month, day_no)
        if start:
            found.append((match.start(), start))
    return found


def _nth_weekday(year: int, month: int, weekday: int, nth: str) -> Optional[date]:
    """The nth ("1".."5") or "last" such weekday of a month."""
    if nth == "last":
        following = date(year + (month == 12), month % 12 + 1, 1)
        last_day = following - timedelta(days=1)
        return last_day - timedelta(days=(last_day.weekday() - weekday) % 7)
    first = date(year, month, 1)
    day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (int(nth) - 1))
    return day if day.month == month else None


def _easter(year: int) -> date:
    """Western Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def holiday_date(rule: str, year: int) -> Optional[date]:
    """A holiday's date in a year, from its rule in parse.yml (holidays):
    "12-25" (fixed), "09-mon-1" (first Monday of September), "05-mon-last",
    "easter", with an optional day offset ("easter-2", "11-thu-4+1")."""
    match = re.fullmatch(r"(?P<base>easter|\d{2}-\d{2}|\d{2}-[a-z]{3}-(?:\d|last))(?P<off>[+-]\d+)?", rule)
    if not match:
        raise ValueError(f"bad holiday rule {rule!r}")
    base, offset = match.group("base"), int(match.group("off") or 0)
    if base == "easter":
        day = _easter(year)
    elif base.count("-") == 1:
        day = _safe_date(year, int(base[:2]), int(base[3:]))
    else:
        month, weekday, nth = base.split("-")
        day = _nth_weekday(year, int(month), vocab()["weekdays"][weekday], nth)
    return day + timedelta(days=offset) if day else None


def _holidays(text: str, today: date) -> List[Tuple[int, date]]:
    """"since labor day", "over easter", "since thanksgiving last year": the latest
    one before today, or the one of the year said."""
    holidays = vocab()["holidays"]
    pattern = (
        rf"\b(?:(?:{_DATE_LEAD}|last)\s+)(?:(?:the|this\s+past|last)\s+)?(?P<h>{_alternation(holidays)})"
        r"(?:\s+(?:day|weekend|eve))?(?:\s+(?:(?P<last_year>last\s+year)|(?P<this_year>this\s+year)"
        r"|(?P<y>(?:19|20)\d{2})))?\b"
    )
    found = []
    for match in re.finditer(pattern, text):
        rule = holidays[match.group("h")]
        if match.group("y"):
            start = holiday_date(rule, int(match.group("y")))
        elif match.group("last_year"):
            start = holiday_date(rule, today.year - 1)
        else:
            start = holiday_date(rule, today.year)
            if start is None or start > today:
                start = holiday_date(rule, today.year - 1)
        if start and start <= today:
            found.append((match.start(), start))
    return found


def _since_year_or_date(text: str, today: date) -> List[Tuple[int, date]]:
    """"since 2019" (from 1 January), "since 3/14"."""
    found = []
    for match in re.finditer(r"\b(?:since|in|from)\s+((?:19|20)\d{2})\b(?![/-])", text):
        found.append((match.start(), date(int(match.group(1)), 1, 1)))
    for match in re.finditer(r"\bsince\s+(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?\b", text):
        month, day_no, year = int(match.group(1)), int(match.group(2)), match.group(3)
        if year:
            start = _safe_date(_full_year(int(year), month, day_no, today), month, day_no)
        else:
            start = _latest_past(month, day_no, today)
        if start:
            found.append((match.start(), start))
    return found


def _corrected(text: str, candidates: List[Tuple[int, float]]) -> List[Tuple[int, float]]:
    """The candidates left after a correction: "not 2 weeks, 2 months" drops the
    denied one, "2 weeks, actually 2 months" keeps what follows the correction."""
    negators = vocab()["duration_negators"]
    kept = [
        (pos, days) for pos, days in candidates
        if not set(text[:pos].split()[-2:]) & set(negators)
    ]
    candidates = kept or candidates
    cue = None
    for match in re.finditer(rf"(?<![\w'])(?:{_alternation(vocab()['duration_corrections'])})(?![\w'])", text):
        if any(pos < match.start() for pos, _ in candidates) and any(pos > match.start() for pos, _ in candidates):
            cue = match.start()
    if cue is not None:
        candidates = [c for c in candidates if c[0] > cue]
    return candidates


def parse_duration_days(text: object, today: Optional[date] = None) -> Optional[int]:
    """Days since the problem started, from "3 wks", "a few weeks", "since march",
    "since last tuesday", "yesterday", "on and off for years" (730), "since 2019",
    "since labor day", "on the 14th", "20 min ago" (0)...

    When several are given, the first one said wins ("3 weeks, worse since
    yesterday" is 21): patients lead with when it started. A corrected one does
    not count ("not 2 weeks, its been 2 months" is 60).
    """
    words = _words(text)
    if not words:
        return None
    today = today if isinstance(today, date) else date.today()
    candidates: List[Tuple[int, float]] = []
    candidates += _amounts(words) + _vague_amounts(words) + _relative_days(words)
    for finder in (_since_weekday, _since_month, _day_of_month, _holidays, _since_year_or_date):
        candidates += [(pos, float((today - start).days)) for pos, start in finder(words, today)]
    if not candidates:
        return None
    days = _round_days(min(_corrected(words, candidates), key=lambda c: c[0])[1])
    return days if 0 <= days <= MAX_DURATION_DAYS else None


# -- onset and side ----------------------------------------------------------------
def parse_onset(text: object) -> Optional[str]:
    """"sudden" or "gradual"; "it wasn't sudden" reads as gradual."""
    words = _words(text)
    if not words:
        return None
    hits = []
    for onset, phrases in vocab()["onset"].items():
        match = _find_phrase(words, phrases)
        if match:
            hits.append((match.start(), onset))
    if not hits:
        return None
    position, onset = min(hits)
    before = words[:position].split()[-2:]
    if any(" ".join(before[i:]) in vocab()["onset_flip"] for i in range(len(before))):
        return "gradual" if onset == "sudden" else "sudden"
    return onset


def parse_side(text: object) -> Optional[str]:
    """"left", "right" or "both" from "my L foot", "r leg", "both sides", "left and right"."""
    words = _words(text)
    if not words:
        return None
    for phrase in sorted(vocab()["side_ignore"], key=len, reverse=True):
        words = re.sub(rf"(?<![\w']){re.escape(phrase)}(?![\w'])", " ", words)
    said = {
        side
        for side, phrases in vocab()["sides"].items()
        if _find_phrase(words, phrases)
    }
    if "both" in said or {"left", "right"} <= said:
        return "both"
    return next(iter(said)) if said else None


# -- dates of birth ----------------------------------------------------------------
def _full_year(year: int, month: int, day: int, today: date) -> int:
    """Two-digit years: this century unless that puts the date in the future."""
    if year >= 100:
        return year
    candidate = _safe_date(2000 + year, month, day)
    if candidate is not None and candidate <= today:
        return 2000 + year
    return 1900 + year


def _date_parts(text: str) -> List[Tuple[int, int, int]]:
    """(year, month, day) candidates, in the order written; may be invalid dates."""
    months = vocab()["months"]
    month_re = _alternation(months)
    found: List[Tuple[int, Tuple[int, int, int]]] = []
    for m in re.finditer(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b", text):
        found.append((m.start(), (int(m.group(1)), int(m.group(2)), int(m.group(3)))))
    for m in re.finditer(r"(?<![\d/.-])(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?![\d/.-])", text):
        first, second, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        # US order (month first); a first number over 12 can only be a day.
        month, day = (second, first) if first > 12 >= second else (first, second)
        found.append((m.start(), (year, month, day)))
    for m in re.finditer(
        rf"\b({month_re})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}|\d{{2}})\b", text
    ):
        found.append((m.start(), (int(m.group(3)), months[m.group(1)], int(m.group(2)))))
    for m in re.finditer(
        rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({month_re})\.?,?\s+(\d{{4}}|\d{{2}})\b", text
    ):
        found.append((m.start(), (int(m.group(3)), months[m.group(2)], int(m.group(1)))))
    return [parts for _, parts in sorted(found)]


def parse_date_of_birth_detailed(
    text: object, today: Optional[date] = None
) -> Tuple[Optional[str], Optional[str]]:
    """("YYYY-MM-DD", None) or (None, error) with error "not_a_date", "in_future" or "too_old"."""
    cleaned = _clean(text)
    if not cleaned:
        return None, DATE_ERROR_NOT_A_DATE
    today = today if isinstance(today, date) else date.today()
    for year, month, day in _date_parts(cleaned):
        born = _safe_date(_full_year(year, month, day, today), month, day)
        if born is None:
            continue
        if born > today:
            return None, DATE_ERROR_IN_FUTURE
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if age > MAX_AGE_YEARS:
            return None, DATE_ERROR_TOO_OLD
        return born.isoformat(), None
    return None, DATE_ERROR_NOT_A_DATE


def parse_date_of_birth(text: object, today: Optional[date] = None) -> Optional[str]:
    """"YYYY-MM-DD" from "03/14/1975", "14 March 1975", "March 14, 1975", "3-14-75"..."""
    return parse_date_of_birth_detailed(text, today)[0]


# -- contact details ---------------------------------------------------------------
_NANP_REGIONS = {"US", "CA"}  # the North American Numbering Plan: +1, ten digits


def _nanp(digits: str) -> Optional[str]:
    """+1 E.164 for ten NANP digits, or None. Area codes start 2-9 and are not N11.

    The exchange is not checked: fictional 555-123-4567 style numbers are used in
    tests and demos, and a wrong exchange is a typo the clinic's call will catch.
    """
    if len(digits) != 10 or digits[0] in "01" or digits[1:3] == "11":
        return None
    return "+1" + digits


def parse_phone(text: object, default_region: str = "US") -> Optional[str]:
    """E.164 ("+15551234567") from "(555) 123-4567", "+1 555.123.4567", "1-555-123-4567",
    "+44 20 7946 0958"; None when too short, too long or not a phone number."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    cleaned = re.sub(r"(?:ext\.?|extension|x)\s*\d{1,6}\s*$", "", cleaned).strip()
    # Short digit runs ("I'm 45") are not phone numbers; two long ones are ambiguous.
    candidates = [
        m for m in re.finditer(r"(\+|\b011|\b00)?[\s(]*\d[\d\s().\-]*\d", cleaned)
        if len(re.sub(r"\D", "", m.group(0))) >= MIN_PHONE_DIGITS
    ]
    if len(candidates) != 1:
        return None
    match = candidates[0]
    prefix = match.group(1)
    digits = re.sub(r"\D", "", match.group(0))
    if prefix:
        digits = digits[len(prefix):] if prefix != "+" else digits
        if digits.startswith("1"):
            return _nanp(digits[1:])
        if E164_MIN_DIGITS <= len(digits) <= E164_MAX_DIGITS and digits[0] != "0":
            return "+" + digits
        return None
    if (default_region or "").upper() not in _NANP_REGIONS:
        return None
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return _nanp(digits)


_EMAIL = re.compile(r"[A-Za-z0-9._%+\-']+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}")


def parse_email(text: object) -> Optional[str]:
    """An address of the right shape (local@domain.tld), domain lower-cased."""
    if not isinstance(text, str):
        return None
    match = _EMAIL.search(text[:MAX_INPUT_CHARS])
    if not match:
        return None
    address = match.group(0)
    local, domain = address.rsplit("@", 1)
    labels = domain.split(".")
    if (
        len(address) > 254
        or len(local) > 64
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
        or any(not label or label[0] == "-" or label[-1] == "-" for label in labels)
    ):
        return None
    return f"{local}@{domain.lower()}"


# -- names -------------------------------------------------------------------------
_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ '\-.][^\W\d_]*)*$")
MAX_NAME_CHARS = 100
MAX_NAME_WORDS = 6  # longer is a sentence, not a name


def _capitalise(name: str) -> str:
    """"mary-jane o'neil" -> "Mary-Jane O'Neil"."""
    return re.sub(r"(^|[\s\-'])([^\W\d_])", lambda m: m.group(1) + m.group(2).upper(), name)


def parse_name(text: object) -> Optional[str]:
    """The name without lead-ins ("my name is", "I'm", "it's"); None for digits,
    emoji, empty or over 100 characters. Title-cased only when typed all lower-case."""
    if not isinstance(text, str):
        return None
    name = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()
    name = name.replace("\u2019", "'")
    lowered = name.lower()
    prefix = _leading_phrase(lowered, vocab()["name_prefixes"])
    if prefix:
        name = name[len(prefix):]
    name = name.strip(" ,:;!.?\"")
    if (
        not name
        or len(name) > MAX_NAME_CHARS
        or len(name.split()) > MAX_NAME_WORDS
        or not _NAME_CHARS.match(name)
        or parse_unknown(name)
        or parse_yes_no(name) is not None
    ):
        return None
    return _capitalise(name) if name == name.lower() else name
