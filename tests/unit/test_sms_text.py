"""The SMS channel's pure functions: GSM-7, splitting, numbered choices, keywords."""
from __future__ import annotations

import pytest

from bot.channels.sms_text import (MAX_GSM7, MAX_UCS2, Choice, choices_from_buttons,
                                   format_with_choices, gsm7_length, has_words, is_gsm7,
                                   keyword, match_choice, pack_messages, plain_text,
                                   render_turn, segments, sms_wording, split_message, to_gsm7)

YES_NO = [Choice("Yes", "/affirm"), Choice("No", "/deny")]
CONFIRM = [Choice("Yes, that's right", "/affirm"), Choice("No, change something", "/deny")]
TRAUMA = [Choice("A serious accident (car crash, fall from a height)", '/choose{"option":"major_trauma"}'),
          Choice("A minor fall or slip", '/choose{"option":"minor_fall"}'),
          Choice("No accident or fall", '/choose{"option":"none"}')]
NONE_OF = [Choice("Weakness in both legs", '/choose{"option":"weakness_both_legs"}'),
           Choice("None of these", '/choose{"option":"none"}')]


# -- GSM-7 -------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("It\u2019s \u201cfine\u201d", 'It\'s "fine"'),
    ("2\u20133 weeks \u2014 or more\u2026", "2-3 weeks - or more..."),
    ("Thanks \U0001F44D\U0001F3FD see you", "Thanks see you"),
    ("\U0001F600", ""),
    ("caf\u00e9 Jos\u00e9 Mu\u00f1oz", "caf\u00e9 Jos\u00e9 Mu\u00f1oz"),  # in GSM-7 already
    ("fa\u00e7ade \u0141\u00f3d\u017a", "facade Lodz"),  # folded: GSM-7 lacks them
    ("a\u00a0b\tc", "a b c"),
    ("\u2022 one\n\u2022 two", "- one\n- two"),
    ("fever 38\u00b0", "fever 38 degrees"),
    ("heart \u2764\ufe0f rate", "heart rate"),
    ("family \U0001F468\u200d\U0001F469\u200d\U0001F467 ok", "family ok"),
])
def test_to_gsm7_replaces_typography_and_drops_emoji(text, expected):
    cleaned = to_gsm7(text)
    assert cleaned == expected
    assert is_gsm7(cleaned)


def test_letters_of_other_scripts_are_kept_even_if_ucs2():
    cleaned = to_gsm7("Name: \u738b\u5c0f\u660e \U0001F642")
    assert cleaned == "Name: \u738b\u5c0f\u660e"
    assert not is_gsm7(cleaned)


def test_lengths_and_segments():
    assert gsm7_length("a[b]") == 6  # extension characters take two septets
    assert segments("x" * 160) == 1
    assert segments("x" * 161) == 2
    assert segments("x" * 306) == 2
    assert segments("\u738b" * 70) == 1
    assert segments("\u738b" * 71) == 2


# -- markdown and payloads --------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("**Important**: call _now_", "Important: call now"),
    ("See [our site](https://x.example)", "See our site (https://x.example)"),
    ("# Title\n* one\n* two", "Title\n- one\n- two"),
    ("use `code`", "use code"),
    ('/choose{"option":"none"}', ""),
    ("/affirm", ""),
    ("lower_back stays", "lower_back stays"),
    ("snake_case_word and 2*3*4", "snake_case_word and 2*3*4"),
])
def test_plain_text(text, expected):
    assert plain_text(text) == expected


def test_sms_wording_says_reply_instead_of_tap():
    assert sms_wording("Where is the pain? Tap one, or tell me in your own words.") == \
        "Where is the pain? Reply with a number, or tell me in your own words."
    assert sms_wording("Please tap the ones that apply, reply with their numbers, or say none.") == \
        "Please reply with the numbers of the ones that apply, or say none."
    assert "tap" not in sms_wording("Has your walking changed? Tap all that apply, or tell me.").lower()


# -- numbered choices --------------------------------------------------------------------
def test_few_short_choices_go_on_one_line():
    assert format_with_choices("Do you have diabetes?", YES_NO) == \
        "Do you have diabetes?\nReply 1 for Yes, 2 for No."
    assert format_with_choices("Is this right?", CONFIRM) == \
        "Is this right?\nReply 1 for Yes, that's right, 2 for No, change something."


def test_many_or_long_choices_get_one_line_each():
    text = format_with_choices("Did this start after an accident or a fall?", TRAUMA)
    assert text.splitlines() == [
        "Did this start after an accident or a fall?",
        "Reply with a number:",
        "1) A serious accident (car crash, fall from a height)",
        "2) A minor fall or slip",
        "3) No accident or fall",
    ]
    # The question already says how to answer: no second instruction.
    text = format_with_choices("Where is it? Reply with a number, or tell me.", TRAUMA)
    assert "Reply with a number:" not in text


def test_buttons_to_choices_keeps_titles_and_payloads():
    buttons = [{"title": "Lower back", "payload": '/choose{"option":"lower_back"}'},
               {"title": "Web link", "type": "web_url", "url": "https://x"},
               {"title": "\u201cHeel\u201d", "payload": "/heel"}]
    assert choices_from_buttons(buttons) == [Choice("Lower back", '/choose{"option":"lower_back"}'),
                                             Choice('"Heel"', "/heel")]


@pytest.mark.parametrize("reply, choices, payload", [
    ("1", YES_NO, "/affirm"),
    (" 2 ", YES_NO, "/deny"),
    ("#2", YES_NO, "/deny"),
    ("2.", YES_NO, "/deny"),
    ("yes", YES_NO, "/affirm"),
    ("YES!", YES_NO, "/affirm"),
    ("y", YES_NO, "/affirm"),
    ("no", YES_NO, "/deny"),
    ("Nope", YES_NO, "/deny"),
    ("yes", CONFIRM, "/affirm"),
    ("no", CONFIRM, "/deny"),
    ("No accident or fall", TRAUMA, '/choose{"option":"none"}'),
    ("no", TRAUMA, '/choose{"option":"none"}'),  # "No accident or fall" starts with "no"
    ("3", TRAUMA, '/choose{"option":"none"}'),
    ("none of these", NONE_OF, '/choose{"option":"none"}'),
])
def test_replies_map_back_to_payloads(reply, choices, payload):
    assert match_choice(reply, choices) == payload


@pytest.mark.parametrize("reply, choices", [
    ("3", YES_NO),          # out of range: the assistant reads it
    ("0", YES_NO),
    ("1 and 3", TRAUMA),    # several: the assistant's own numbered options read it
    ("2 weeks", YES_NO),
    ("no", NONE_OF),        # "None of these" does not start with the word "no"
    ("yes", TRAUMA),
    ("1", []),
])
def test_other_replies_go_through_as_text(reply, choices):
    assert match_choice(reply, choices) is None


# -- keywords ----------------------------------------------------------------------------
@pytest.mark.parametrize("word", ["STOP", "stop", " Stop ", "STOPALL", "unsubscribe", "End",
                                  "QUIT", "cancel", "Revoke", "optout", "stop."])
def test_stop_words(word):
    assert keyword(word) == "stop"


@pytest.mark.parametrize("word", ["START", "start", "Yes", "UNSTOP"])
def test_start_words(word):
    assert keyword(word) == "start"


@pytest.mark.parametrize("word", ["HELP", "help", "Info", "info!"])
def test_help_words(word):
    assert keyword(word) == "help"


@pytest.mark.parametrize("text", ["please stop", "stop it", "I can't stop the pain", "help me",
                                  "yes please", "", "STOP STOP", "opt out"])
def test_keywords_are_single_words_only(text):
    assert keyword(text) is None


def test_has_words():
    assert has_words("ok")
    assert has_words("5")
    assert not has_words("\U0001F600\U0001F44D")
    assert not has_words("  ")
    assert not has_words("?!")


# -- joining and splitting ------------------------------------------------------------------
def test_short_texts_share_a_message():
    assert pack_messages(["Got it: lower back.", "Do you have diabetes?"]) == \
        ["Got it: lower back.\n\nDo you have diabetes?"]


def test_long_text_is_split_at_sentence_ends_within_two_segments():
    sentence = "This sentence is about forty characters. "
    text = (sentence * 20).strip()
    parts = split_message(text)
    assert len(parts) > 1
    assert all(gsm7_length(p) <= MAX_GSM7 for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == text


def test_split_prefers_line_breaks_and_never_loses_words():
    lines = [f"- item number {i} of the summary" for i in range(30)]
    text = "Here is what I have:\n" + "\n".join(lines)
    parts = split_message(text)
    assert all(gsm7_length(p) <= MAX_GSM7 for p in parts)
    assert "\n".join(parts).split() == text.split()
    assert all(p.splitlines()[-1].startswith(("- item", "Here")) for p in parts)


def test_a_word_longer_than_a_message_is_cut():
    parts = split_message("x" * 700)
    assert [len(p) for p in parts] == [306, 306, 88]


def test_ucs2_texts_use_the_smaller_limit():
    parts = split_message("\u738b" * 300)
    assert all(len(p) <= MAX_UCS2 for p in parts)
    assert "".join(parts) == "\u738b" * 300


# -- a whole turn -----------------------------------------------------------------------------
def test_render_turn_numbers_buttons_and_never_shows_payloads():
    turn = render_turn([
        {"recipient_id": "+1", "text": "Got it: pain in lower back."},
        {"recipient_id": "+1", "text": "Where is the pain? Tap one, or tell me in your own words.",
         "buttons": [{"title": "Lower back", "payload": '/choose{"option":"lower_back"}'},
                     {"title": "Heel", "payload": '/choose{"option":"heel"}'},
                     {"title": "Arch or midfoot", "payload": '/choose{"option":"arch"}'},
                     {"title": "Ball of foot or toes", "payload": '/choose{"option":"ball_of_foot"}'}]},
        {"recipient_id": "+1", "custom": {"data": {"emergency": True, "text": "x"}}},
        {"recipient_id": "+1", "image": "https://example.org/x.png"},
    ])
    assert turn.messages == [
        "Got it: pain in lower back.\n\nWhere is the pain? Reply with a number, or tell me in your "
        "own words.\n1) Lower back\n2) Heel\n3) Arch or midfoot\n4) Ball of foot or toes"]
    assert [c.title for c in turn.choices] == ["Lower back", "Heel", "Arch or midfoot",
                                               "Ball of foot or toes"]
    assert turn.prompt == "Where is the pain? Reply with a number, or tell me in your own words."
    assert "/choose" not in "".join(turn.messages)


def test_render_turn_without_buttons_has_no_choices():
    turn = render_turn([{"text": "How long have you had it? For example: 3 days, 2 weeks."}])
    assert turn.choices == [] and turn.prompt is None
    assert turn.messages == ["How long have you had it? For example: 3 days, 2 weeks."]


def test_render_turn_keeps_order_and_splits_long_turns():
    summary = "Here is what I have:\n" + "\n".join(f"- line {i}: " + "word " * 8 for i in range(20))
    turn = render_turn([{"text": summary},
                        {"text": "Is this right?", "buttons": [
                            {"title": "Yes, that's right", "payload": "/affirm"},
                            {"title": "No, change something", "payload": "/deny"}]}])
    assert len(turn.messages) >= 2
    assert all(segments(m) <= 2 for m in turn.messages)
    assert turn.messages[0].startswith("Here is what I have:")
    assert turn.messages[-1].endswith("Reply 1 for Yes, that's right, 2 for No, change something.")
