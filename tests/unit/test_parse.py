"""Value parsers (bot/intake/parse.py): every parser returns None, never raises."""
from datetime import date

import pytest

from bot.intake import parse

# A Wednesday, so that weekday arithmetic is checked off the week boundary.
TODAY = date(2025, 6, 18)

# Input every parser must survive: not text, empty, emoji, control characters, huge.
ODD_INPUTS = [None, 42, 3.5, b"yes", [], {}, "", "   ", "😀😀😀", "\x00\x01", "?" * 5000, "a" * 5000]


# -- yes / no / unknown --------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("yes", True), ("Yes!", True), ("yep", True), ("yeah", True), ("y", True), ("Y", True),
        ("sure", True), ("i do", True), ("I do, sometimes", True), ("sometimes", True),
        ("yeah I do", True), ("yes it does", True), ("definitely", True), ("👍", True),
        ("no", False), ("No.", False), ("nope", False), ("nah", False), ("n", False),
        ("not really", False), ("never", False), ("none", False), ("no, never", False),
        ("i don't", False), ("I don’t", False), ("it is not", False), ("not at all", False),
        ("i don't know", None), ("not sure", None), ("idk", None), ("no idea", None),
        ("maybe", None), ("what do you mean?", None), ("Noah", None), ("yesterday", None),
    ],
)
def test_parse_yes_no(text, expected):
    assert parse.parse_yes_no(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I don't know", True), ("i dont know", True), ("not sure", True), ("Not sure tbh", True),
        ("idk", True), ("no idea", True), ("skip", True), ("Skip.", True), ("pass", True),
        ("rather not say", True), ("I'd rather not say", True), ("dunno", True),
        ("yes", False), ("no", False), ("I can't pass urine", False), ("left", False), ("", False),
    ],
)
def test_parse_unknown(text, expected):
    assert parse.parse_unknown(text) is expected


# -- severity ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("7/10", 7), ("7 / 10", 7), ("7 out of 10", 7), ("seven", 7), ("Seven out of ten", 7), ("a 7", 7),
        ("it's about a 6", 6), ("8-9", 9), ("8 to 9", 9), ("6 or 7", 7), ("7.5", 8), ("0", 0), ("10", 10),
        ("10/10", 10), ("pain 7/10 for 3 weeks", 7), ("11", None), ("15/10", None), ("really bad", None),
        ("", None), ("-3", None),
    ],
)
def test_parse_severity(text, expected):
    assert parse.parse_severity(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("really bad", True), ("terrible", True), ("mild", True), ("it's unbearable", True),
     ("not too bad", True), ("7/10", False), ("terrible, like a 9", False), ("left", False), ("", False)],
)
def test_severity_is_vague(text, expected):
    assert parse.severity_is_vague(text) is expected


# -- duration ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("3 wks", 21), ("3 weeks", 21), ("3wks", 21), ("three weeks", 21), ("2 days", 2),
        ("a couple of days", 2), ("a few weeks", 21), ("a week", 7), ("a month", 30), ("6 months", 180),
        ("2-3 weeks", 21), ("a year and a half", 548), ("half a year", 183), ("on and off for years", 730),
        ("for months", 60), ("yesterday", 1), ("since yesterday", 1), ("today", 0), ("this morning", 0),
        ("last night", 1), ("3 weeks ago", 21), ("it started about 2 weeks ago", 14),
        ("since march", (TODAY - date(2025, 3, 1)).days),
        ("since March 5th", (TODAY - date(2025, 3, 5)).days),
        ("since december", (TODAY - date(2024, 12, 1)).days),  # in the future this year: last year
        ("since last tuesday", 8),  # the Tuesday of last week
        ("since tuesday", 1),
        ("since 2019", (TODAY - date(2019, 1, 1)).days),
        ("since christmas", (TODAY - date(2024, 12, 25)).days),
        ("since 3/1", (TODAY - date(2025, 3, 1)).days),
        ("3 weeks, worse since yesterday", 21),  # the first said is when it started
        ("since 2030", None), ("for 200 years", None), ("and", None), ("blue", None), ("", None),
    ],
)
def test_parse_duration_days(text, expected):
    assert parse.parse_duration_days(text, TODAY) == expected


def test_parse_duration_defaults_to_today():
    assert parse.parse_duration_days("2 days") == 2


# -- onset and side ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [("it came on suddenly", "sudden"), ("all of a sudden", "sudden"), ("out of nowhere", "sudden"),
     ("gradually got worse", "gradual"), ("slowly over weeks", "gradual"), ("it wasn't sudden", "gradual"),
     ("no idea", None), ("", None)],
)
def test_parse_onset(text, expected):
    assert parse.parse_onset(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("left", "left"), ("my L foot", "left"), ("Left side", "left"), ("left-sided", "left"),
     ("r leg", "right"), ("the right one", "right"), ("RT", "right"), ("both sides", "both"),
     ("both", "both"), ("left and right", "both"), ("bilateral", "both"),
     ("right now it hurts", None), ("all right", None), ("L5", None), ("middle", None), ("", None)],
)
def test_parse_side(text, expected):
    assert parse.parse_side(text) == expected


# -- date of birth ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("03/14/1975", "1975-03-14"), ("3/14/1975", "1975-03-14"), ("14 March 1975", "1975-03-14"),
        ("March 14, 1975", "1975-03-14"), ("march 14th 1975", "1975-03-14"), ("1975-03-14", "1975-03-14"),
        ("3-14-75", "1975-03-14"), ("14/03/1975", "1975-03-14"), ("born on Mar 14 1975", "1975-03-14"),
        ("1-2-20", "2020-01-02"),  # two-digit year: this century when that is in the past
        ("1-2-30", "1930-01-02"),  # ...and the last one when not
        ("06/18/2025", "2025-06-18"),
    ],
)
def test_parse_date_of_birth(text, expected):
    assert parse.parse_date_of_birth(text, TODAY) == expected
    assert parse.parse_date_of_birth_detailed(text, TODAY) == (expected, None)


@pytest.mark.parametrize(
    "text, error",
    [("02/30/1990", "not_a_date"), ("13/13/1990", "not_a_date"), ("hello", "not_a_date"),
     ("March 14", "not_a_date"), ("", "not_a_date"), (None, "not_a_date"),
     ("12/25/2030", "in_future"), ("06/19/2025", "in_future"), ("1/1/1900", "too_old")],
)
def test_parse_date_of_birth_errors(text, error):
    assert parse.parse_date_of_birth_detailed(text, TODAY) == (None, error)
    assert parse.parse_date_of_birth(text, TODAY) is None


# -- contact details ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("555-123-4567", "+15551234567"), ("(555) 123-4567", "+15551234567"), ("555.123.4567", "+15551234567"),
        ("5551234567", "+15551234567"), ("+1 555 123 4567", "+15551234567"), ("1-555-123-4567", "+15551234567"),
        ("my number is 555 123 4567 thanks", "+15551234567"), ("I'm 45, call 555-123-4567", "+15551234567"),
        ("555-123-4567 ext 12", "+15551234567"), ("+44 20 7946 0958", "+442079460958"),
        ("011 44 20 7946 0958", "+442079460958"),
        ("555-1234", None), ("123-456-7890", None), ("911", None), ("55512345678901", None),
        ("+1 555 123 456", None), ("+12", None), ("call me", None), ("555-123-4567 or 555-987-6543", None),
    ],
)
def test_parse_phone(text, expected):
    assert parse.parse_phone(text) == expected


def test_parse_phone_outside_nanp_needs_a_plus():
    assert parse.parse_phone("020 7946 0958", default_region="GB") is None
    assert parse.parse_phone("+44 20 7946 0958", default_region="GB") == "+442079460958"


@pytest.mark.parametrize(
    "text, expected",
    [("ana@example.com", "ana@example.com"), ("my email is Ana.Lopez@Example.COM.", "Ana.Lopez@example.com"),
     ("a+tag@mail.co.uk", "a+tag@mail.co.uk"), ("a@b", None), ("foo..bar@x.com", None), ("a@-x.com", None),
     ("not an email", None), ("@example.com", None)],
)
def test_parse_email(text, expected):
    assert parse.parse_email(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("my name is ana lopez", "Ana Lopez"), ("I'm John Smith", "John Smith"), ("it's Maria", "Maria"),
        ("mary-jane o'neil", "Mary-Jane O'Neil"), ("McDonald", "McDonald"), ("José García", "José García"),
        ("DJ", "DJ"), ("12345", None), ("John 3", None), ("😀", None), ("😀 Ana", None), ("", None),
        ("x" * 101, None), ("skip", None), ("no", None),
    ],
)
def test_parse_name(text, expected):
    assert parse.parse_name(text) == expected


# -- robustness ---------------------------------------------------------------------------------------
PARSERS = [
    parse.parse_yes_no, parse.parse_unknown, parse.parse_severity, parse.severity_is_vague,
    lambda t: parse.parse_duration_days(t, TODAY), parse.parse_onset, parse.parse_side,
    lambda t: parse.parse_date_of_birth(t, TODAY), lambda t: parse.parse_date_of_birth_detailed(t, TODAY),
    parse.parse_phone, parse.parse_email, parse.parse_name,
]


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize("text", ODD_INPUTS, ids=repr)
def test_parsers_never_raise(parser, text):
    result = parser(text)
    assert result in (None, True, False) or isinstance(result, (int, str, tuple))


# -- dates patients give: holidays, days of the month, weekdays, corrections ------------------------
MONDAY = date(2026, 11, 23)  # a Monday, with Thanksgiving (26 November) still to come


@pytest.mark.parametrize(
    "text, expected",
    [
        ("since labor day", 77),  # first Monday of September: 7 September 2026
        ("since memorial day", 182),  # last Monday of May: 25 May 2026
        ("since memorial day weekend", 182),
        ("since valentines day", 282), ("since valentine's day", 282),
        ("since veterans day", 12),
        ("since easter", (MONDAY - date(2026, 4, 5)).days), ("over easter", (MONDAY - date(2026, 4, 5)).days),
        ("since good friday", (MONDAY - date(2026, 4, 3)).days),
        ("since thanksgiving", (MONDAY - date(2025, 11, 27)).days),  # this year's is still to come
        ("since thanksgiving last year", (MONDAY - date(2025, 11, 27)).days),
        ("since the 4th of july", (MONDAY - date(2026, 7, 4)).days),
        ("since christmas eve", (MONDAY - date(2025, 12, 24)).days),
        ("since new year's eve", (MONDAY - date(2025, 12, 31)).days),
    ],
)
def test_parse_duration_holidays(text, expected):
    assert parse.parse_duration_days(text, MONDAY) == expected


def test_holidays_this_year_once_past():
    after_thanksgiving = date(2026, 12, 1)
    assert parse.parse_duration_days("since thanksgiving", after_thanksgiving) == 5
    assert parse.parse_duration_days("since thanksgiving last year", after_thanksgiving) == 369


@pytest.mark.parametrize(
    "rule, year, expected",
    [
        ("12-25", 2026, date(2026, 12, 25)), ("09-mon-1", 2026, date(2026, 9, 7)),
        ("05-mon-last", 2026, date(2026, 5, 25)), ("11-thu-4", 2025, date(2025, 11, 27)),
        ("11-thu-4+1", 2025, date(2025, 11, 28)), ("easter", 2024, date(2024, 3, 31)),
        ("easter", 2025, date(2025, 4, 20)), ("easter-2", 2026, date(2026, 4, 3)),
        ("05-sun-2", 2026, date(2026, 5, 10)),
    ],
)
def test_holiday_date_rules(rule, year, expected):
    assert parse.holiday_date(rule, year) == expected


def test_every_holiday_in_the_data_has_a_valid_rule():
    for name, rule in parse.vocab()["holidays"].items():
        assert parse.holiday_date(rule, 2026) is not None, name


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a fortnight ago", 14), ("2 fortnights", 28),
        ("since the beginning of october", 53), ("since the start of october", 53),
        ("on the 14th", 9), ("since the 5th", 18), ("on the 25th", 29),  # still to come: last month's
        ("on the 5th of november", 18),
        ("20 min ago", 0), ("a few minutes ago", 0), ("2 hours", 0),
        ("thursday night", 4), ("woke up saturday", 2), ("on saturday", 2), ("until thursday when", 4),
        ("since the flight on wednesday", 5), ("on friday", 3), ("monday", 7),  # today's weekday: a week ago
        ("next friday", None), ("every monday", None), ("this coming friday", None),
        ("i sat down", None),  # "sat" is a weekday only after since / on / last
    ],
)
def test_parse_duration_dates_and_weekdays(text, expected):
    assert parse.parse_duration_days(text, MONDAY) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("wait not 2 weeks, its been 2 months", 60),  # the denied one does not count
        ("not 3 days, more like 3 weeks", 21),
        ("2 weeks, actually 2 months", 60),  # after a correction, the later one
        ("3 weeks, no wait, 5 weeks", 35),
        ("3 weeks, worse since yesterday", 21),  # no correction: the first said
        ("not even 2 weeks", 14),  # nothing else said: kept
    ],
)
def test_parse_duration_corrections(text, expected):
    assert parse.parse_duration_days(text, MONDAY) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("clean 8 years now, lower back hurting for 2 wks", 14), ("clean 8 years now", None),
        ("sober for 2 years", None), ("2 years sober", None), ("my 8 year old", None),
        ("for 8 years", 2920),  # a counted "years" is not also the vague "for years"
    ],
)
def test_parse_duration_numbers_that_are_no_duration(text, expected):
    assert parse.parse_duration_days(text, MONDAY) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("around 3am", None), ("at 10 pm", None), ("around 3 a.m.", None), ("at 2 o'clock", None),
        ("pain 8, worst around 3am", 8),
        ("say seven, maybe eight", 8), ("on a good day 2, on a bad day 8", 8), ("0 at rest, 6", 6),
        ("a 9 hour", None), ("about 2 hours", None), ("ten minutes", None), ("7 for 3 days", 7),
    ],
)
def test_parse_severity_clock_times_amounts_and_hedges(text, expected):
    assert parse.parse_severity(text) == expected


@pytest.mark.parametrize("text", ["right handed", "I'm left-handed"])
def test_parse_side_handedness_is_no_side(text):
    assert parse.parse_side(text) is None
