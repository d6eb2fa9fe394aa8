"""One turn of the intake conversation, as plain Python.

The Rasa form's validation action hands every patient message to `handle_turn`,
which reads it against the question being asked, takes every other fact the
message carries (one message may answer five questions), checks for emergencies,
and says which question comes next. Rasa only stores the result and asks.
"""
from __future__ import annotations

import copy
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Dict, List, Optional

from bot import codes
from bot.intake import input_checks, parse
from bot.intake.questions import BY_ID, CONTACT_QUESTIONS, Question, option_by_number, pending
from bot.intake.record import IntakeRecord, PainSite

FAILURES_BEFORE_HELP = 2
# Words that mark a message as a correction of something said before.
_CORRECTION = re.compile(
    r"\b(actually|i meant|i mean|correction|not my|wrong|change (it|that)|rather|instead|"
    r"sorry,? (it'?s|its)|no,? (it'?s|its|my))\b", re.I)
_CONTENT_FREE_INTENTS = {"greet", "affirm", "deny", "thanks", "goodbye", "dont_know", "skip"}


@dataclass
class Message:
    text: str
    intent: Optional[str] = None
    entities: List[Dict[str, Any]] = field(default_factory=list)
    message_id: Optional[str] = None
    # True when another action already answered this message (a question about hours,
    # a request to stop): the form then resumes without reading it as an answer.
    handled_elsewhere: bool = False


@dataclass
class Reply:
    response: str  # a response name in domain.yml
    kwargs: Dict[str, Any] = field(default_factory=dict)


@dataclass
class DialogueState:
    status: str = "collecting"  # collecting | emergency | confirmed | complete | stopped
    emergency: Optional[str] = None
    failures: Dict[str, int] = field(default_factory=dict)
    last_message_id: Optional[str] = None
    confirmed: bool = False
    correcting: bool = False
    handoff_id: Optional[str] = None
    # The conversation is written for someone else, the patient (a carer, a parent): the
    # words that name them, from the first message that showed it (bot.nlp Extraction.written_for)
    written_for: Optional[List[str]] = None

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Optional[Dict[str, Any]]) -> "DialogueState":
        if not data:
            return cls()
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class TurnResult:
    record: IntakeRecord
    state: DialogueState
    replies: List[Reply]
    next_question: Optional[str]  # None: the form is done (confirmed, emergency, stopped)
    answered: Dict[str, str]  # question id -> short value, for the form's slots
    # True: the message is not an answer but a side request (hours, stop, hello): the form
    # declines it so that a rule answers it, then the form asks its question again.
    reject: bool = False


# Side requests that rules answer while the form is active (data/rules). A message with
# one of these intents is still read first: "walking is normal" taken for ask_bot is an answer.
SIDE_REQUEST_INTENTS = {"ask_telehealth", "ask_insurance", "ask_location", "ask_hours",
                        "ask_human", "ask_bot", "stop_intake", "greet", "out_of_scope"}


# ---------------------------------------------------------------------------------------
def handle_turn(record: IntakeRecord, state: DialogueState, message: Message,
                requested: Optional[str], today: Optional[date] = None,
                emergency_check=None, extractor=None) -> TurnResult:
    """Process one patient message (or none, when the form resumes after a side question)."""
    today = today or date.today()
    replies: List[Reply] = []
    fresh = message.message_id is None or message.message_id != state.last_message_id
    if state.status in ("complete", "stopped", "emergency"):
        return TurnResult(record, state, replies, None, {})
    if fresh and not message.handled_elsewhere and input_checks.asks_to_start_over(message.text):
        # "start again": a clean intake in the same conversation; nothing from before is kept.
        state = DialogueState(last_message_id=message.message_id)
        return TurnResult(IntakeRecord(), state, [Reply("utter_starting_over")], "q_complaint", {})
    if fresh and not message.handled_elsewhere:
        # Keyboard mashing or another language misread as "stop" or a question is no side
        # request: the form answers it ("didn't understand") and asks again.
        if message.intent in SIDE_REQUEST_INTENTS and requested and not input_checks.classify(message.text):
            trial_record, trial_state = copy.deepcopy(record), copy.deepcopy(state)
            _read_message(trial_record, trial_state, message, requested, today, [], extractor)
            if _snapshot(trial_record) == _snapshot(record) and not trial_state.confirmed:
                return TurnResult(record, state, [], requested, _answered(record, state), reject=True)
        state.last_message_id = message.message_id
        _read_message(record, state, message, requested, today, replies, extractor)
    urgency = (emergency_check or _default_emergency_check)(record, today)
    if urgency:
        state.status, state.emergency = "emergency", urgency
        return TurnResult(record, state, replies, None, _answered(record, state))
    if state.confirmed and pending(record, confirmed=True):
        # A correction made new questions relevant: ask them, then show the summary again.
        state.confirmed = False
    todo = pending(record, confirmed=state.confirmed)
    # A question still unanswered is asked again (after its hint), not swapped for another.
    keep = requested in todo and requested != "q_confirm"
    next_question = requested if keep else (todo[0] if todo else None)
    if next_question is None:
        state.status = "confirmed"
    return TurnResult(record, state, replies, next_question, _answered(record, state))


def _default_emergency_check(record: IntakeRecord, today: date) -> Optional[str]:
    from bot.triage import emergency_urgency

    return emergency_urgency(record, today=today)


def _default_extractor(text: str, today: date, written_for: Optional[List[str]] = None):
    from bot.nlp import extract

    return extract(text, today=today, written_for=written_for)


def _answered(record: IntakeRecord, state: DialogueState) -> Dict[str, str]:
    out = {}
    for qid, question in BY_ID.items():
        if qid in record.unknown:
            out[qid] = "unknown"
        elif qid == "q_confirm":
            if state.confirmed:
                out[qid] = "yes"
        elif question.answered(record):
            out[qid] = "answered"
    return out


# ---------------------------------------------------------------------------------------
def _read_message(record: IntakeRecord, state: DialogueState, message: Message,
                  requested: Optional[str], today: date, replies: List[Reply],
                  extractor) -> None:
    text = input_checks.trim(message.text).strip()
    problem = input_checks.classify(text)
    is_payload = bool(message.entities) and any(e.get("entity") == "option" for e in message.entities)
    if problem and not is_payload:
        replies.append(Reply(f"utter_input_{problem}"))
        if requested:
            _count_failure(record, state, requested, replies)
        return

    extraction = (extractor or _default_extractor)(text, today, state.written_for)
    if getattr(extraction, "written_for", None) is not None:
        # "he" and "she" in the replies that follow are the patient too
        state.written_for = list(extraction.written_for)
    question = BY_ID.get(requested) if requested else None
    if question is not None:
        _regions_answer_the_question(question, extraction)
    correcting = bool(_CORRECTION.search(text)) or state.correcting or requested == "q_confirm"
    before = _snapshot(record)
    hint: Optional[str] = None
    accepted = False
    if question is not None and question.id != "q_confirm":
        outcome = _read_answer(question, record, message, text, extraction, today)
        accepted, hint = (False, outcome) if isinstance(outcome, str) else (outcome, None)
    noted = merge_extraction(record, extraction, override=correcting)
    if question is not None and question.id == "q_confirm":
        _read_confirmation(record, state, message, text, noted, replies)
        return
    if not record.patient_words and _has_content(message, extraction, noted):
        record.patient_words = input_checks.trim(text, 2000)
        accepted = accepted or question is None or question.id == "q_complaint"
    if question is None:
        if noted:  # the opening message: show what was understood
            replies.append(Reply("utter_noted", {"facts": "; ".join(noted)}))
        return
    changed = _snapshot(record) != before
    if accepted or (changed and question.answered(record)):
        state.failures.pop(question.id, None)
        _note_answer(record, question, text)
        if noted and not _is_simple_answer(question, noted):
            replies.insert(0, Reply("utter_noted", {"facts": "; ".join(noted)}))
    elif question.id in record.unknown:
        _note_answer(record, question, "I don't know")
    elif changed:
        # Useful facts, but not the answer to this question: say so and ask again.
        _note_answer(record, question, text)
        replies.append(Reply("utter_noted", {"facts": "; ".join(noted)}))
    else:
        _count_failure(record, state, question.id, replies, hint)


_SITE_QUESTIONS = {"radiation": "radiation_to", "radiation_to": "radiation_to",
                   "numbness": "numbness_sites", "numbness_sites": "numbness_sites",
                   "weakness": "weakness_sites"}


def _regions_answer_the_question(question: Question, extraction) -> None:
    """'yes, top of my foot' to "where is the numbness?" names numbness sites, not new
    places that hurt: regions said without a pain word go to the asked question."""
    target = _SITE_QUESTIONS.get(question.kind)
    if not target or not extraction.pain_sites:
        return
    listed = getattr(extraction, target)
    for site in extraction.pain_sites:
        if site.region not in listed:
            listed.append(site.region)
    extraction.pain_sites = []


def _has_content(message: Message, extraction, noted: List[str]) -> bool:
    if noted:
        return True
    return message.intent not in _CONTENT_FREE_INTENTS and len(message.text.split()) >= 2


def _is_simple_answer(question: Question, noted: List[str]) -> bool:
    return len(noted) <= 1


def _snapshot(record: IntakeRecord) -> Dict[str, Any]:
    data = record.to_dict()
    data.pop("answers", None)
    return data


def _note_answer(record: IntakeRecord, question: Question, text: str) -> None:
    record.answers.append({
        "question": question.label,
        "answer": input_checks.trim(text, input_checks.MAX_STORED_ANSWER_CHARS),
    })


def _count_failure(record: IntakeRecord, state: DialogueState, qid: str,
                   replies: List[Reply], hint: Optional[str] = None) -> None:
    count = state.failures.get(qid, 0) + 1
    state.failures[qid] = count
    question = BY_ID[qid]
    if count >= FAILURES_BEFORE_HELP:
        if question.skippable:
            replies.append(Reply("utter_offer_skip"))
        else:
            replies.append(Reply("utter_offer_call"))
    else:
        replies.append(Reply(hint or f"utter_hint_{question.kind}"))


# ---------------------------------------------------------------------------------------
def _option_codes(question: Question, message: Message, text: str) -> List[str]:
    codes_from_buttons = [str(e.get("value")) for e in message.entities
                          if e.get("entity") == "option"]
    if codes_from_buttons:
        return codes_from_buttons
    numbered = option_by_number(question, text)
    if numbered:
        return numbered
    lowered = text.lower().strip(" .!")
    return [o.code for o in question.options if o.title.lower() == lowered]


def _wants_skip(message: Message, text: str) -> bool:
    return message.intent in ("dont_know", "skip") or parse.parse_unknown(text)


def _read_answer(question: Question, record: IntakeRecord, message: Message, text: str,
                 extraction, today: date):
    """Apply the answer to the asked question: True when it answered it, False when
    not, or the name of a more specific hint response."""
    chosen = _option_codes(question, message, text)
    reader = _READERS[question.kind]
    outcome = reader(question, record, message, text, extraction, chosen, today)
    if outcome is True:
        return True
    if question.skippable and _wants_skip(message, text):
        if question.id not in record.unknown:
            record.unknown.append(question.id)
        return False
    return outcome


def _yes_no(message: Message, text: str) -> Optional[bool]:
    if message.intent == "affirm":
        return True
    if message.intent == "deny":
        return False
    return parse.parse_yes_no(text)


def _read_complaint(q, record, message, text, ex, chosen, today) -> bool:
    return False  # taken by the shared "patient_words" step after merging


def _read_regions(q, record, message, text, ex, chosen, today) -> bool:
    regions = [c for c in chosen if c in codes.REGIONS]
    for region in regions:
        if region not in record.regions:
            record.pain_sites.append(PainSite(region, _default_side(region)))
    return bool(regions) or bool(ex.pain_sites)


def _default_side(region: str) -> Optional[str]:
    return None if region in codes.SIDED_REGIONS else "midline"


def _read_checklist(q, record, message, text, ex, chosen, today) -> bool:
    picked = [c for c in chosen if c in q.covers]
    if "none" in chosen or (not picked and not ex.findings and _yes_no(message, text) is False):
        for name in q.covers:
            if not record.known(name):
                record.set_finding(name, False, text)
        return True
    for name in picked:
        title = next(o.title for o in q.options if o.code == name)
        record.set_finding(name, True, title if message.entities else text)
    if picked:
        for name in q.covers:  # the others were offered and not picked
            if not record.known(name):
                record.set_finding(name, False, "")
        return True
    return any(name in ex.findings for name in q.covers)


def _read_yes_no_finding(q, record, message, text, ex, chosen, today) -> bool:
    answer = _yes_no(message, text)
    name = q.covers[0]
    if answer is None:
        return name in ex.findings
    record.set_finding(name, answer, text)
    return True


def _read_side(q, record, message, text, ex, chosen, today) -> bool:
    side = next((c for c in chosen if c in codes.SIDES), None) or ex.side or parse.parse_side(text)
    if side is None:
        return False
    for site in record.pain_sites:
        if site.region in codes.SIDED_REGIONS and site.side is None:
            site.side = side
    return True


def _read_radiation(q, record, message, text, ex, chosen, today) -> bool:
    if ex.radiation is not None or ex.radiation_to:
        return True  # merged from the extraction
    answer = _yes_no(message, text)
    if answer is None:
        return False
    record.radiation_present = answer
    if not answer:
        record.radiation_below_knee = False
    return True


def _read_radiation_to(q, record, message, text, ex, chosen, today) -> bool:
    regions = [c for c in chosen if c in codes.REGIONS] or list(ex.radiation_to) or [
        s.region for s in ex.pain_sites]
    if not regions:
        return False
    for region in regions:
        if region not in record.radiation_to:
            record.radiation_to.append(region)
    record.radiation_below_knee = _below_knee(record.radiation_to)
    return True


def _below_knee(regions: List[str]) -> bool:
    return bool(set(regions) & (codes.LEG_BELOW_KNEE | codes.FOOT_REGIONS))


def _read_numbness(q, record, message, text, ex, chosen, today) -> bool:
    if ex.numbness is not None:
        return True
    answer = _yes_no(message, text)
    if answer is None:
        return False
    record.numbness_present = answer
    return True


def _read_numbness_sites(q, record, message, text, ex, chosen, today) -> bool:
    regions = [c for c in chosen if c in codes.REGIONS] or list(ex.numbness_sites) or [
        s.region for s in ex.pain_sites]
    for region in regions:
        if region not in record.numbness_sites:
            record.numbness_sites.append(region)
    return bool(regions)


def _read_weakness(q, record, message, text, ex, chosen, today) -> bool:
    if ex.weakness is not None:
        return True
    answer = _yes_no(message, text)
    if answer is None:
        return False
    record.weakness_present = answer
    return True


def _first_match(text: str, table) -> Optional[str]:
    """The choice of the first (pattern, choice) row whose pattern is in the text."""
    lowered = text.lower()
    return next((choice for pattern, choice in table if re.search(pattern, lowered)), None)


# Order matters: "not getting worse" must win over "worse" (a false alarm sends a patient
# to the emergency department).
_WEAKNESS_COURSE = (
    (r"\b(not|isn'?t|no|never) (really )?(getting |any )?(worse|weaker)\b|\b(stable|same|steady)\b", "new_stable"),
    (r"\b(long time|years|months|always|for ages)\b", "long_standing"),
    (r"\b(worse|worsening|getting weaker|spreading)\b", "worsening"),
    (r"\b(new|recent)\b", "new_stable"),
)
_VISIT = (
    (r"\b(tele|video|virtual|online|zoom|remote)", "telehealth"),
    (r"\b(in person|in-person|office|come in|visit you)", "in_person"),
    (r"\b(either|no preference|don'?t mind|whatever|any)\b", "no_preference"),
)


def _read_weakness_course(q, record, message, text, ex, chosen, today) -> bool:
    choice = chosen[0] if chosen else _first_match(text, _WEAKNESS_COURSE)
    if choice is None:
        return False
    record.weakness_new = choice != "long_standing"
    record.set_finding("weakness_worsening", choice == "worsening", text)
    return True


def _read_gait(q, record, message, text, ex, chosen, today) -> bool:
    picked = [c for c in chosen if c in codes.GAITS]
    if "none" in chosen or getattr(ex, "gait_denied", False) or (
            not picked and not ex.gait and _yes_no(message, text) is False):
        record.gait_changes = list(record.gait_changes or [])
        return True
    if picked or ex.gait:
        gaits = list(record.gait_changes or [])
        for code in picked + list(ex.gait):
            if code not in gaits:
                gaits.append(code)
        record.gait_changes = gaits
        return True
    return False


def _read_self_check(q, record, message, text, ex, chosen, today) -> bool:
    lowered = text.lower()
    if re.search(r"\b(not safe|unsafe|rather not|can'?t try|won'?t try|scared)\b", lowered):
        record.unknown.append(q.id)
        return True
    answer = _yes_no(message, text)
    if answer is None:
        if re.search(r"\b(can'?t|cannot|unable|couldn'?t|hard|difficult|struggle)\b", lowered):
            answer = False
        elif re.search(r"\b(can|fine|easily|ok|okay)\b", lowered):
            answer = True
    if answer is None:
        return False
    gait = "heel_walk_difficulty" if q.id == "q_heel_walk" else "toe_walk_difficulty"
    if q.id == "q_heel_walk":
        record.heel_walk_ok = answer
    else:
        record.toe_walk_ok = answer
    if not answer:
        gaits = list(record.gait_changes or [])
        if gait not in gaits:
            gaits.append(gait)
        record.gait_changes = gaits
    return True


def _read_severity(q, record, message, text, ex, chosen, today) -> bool:
    value = ex.severity if ex.severity is not None else parse.parse_severity(text)
    if value is None:
        return False
    record.severity = value
    return True


def _read_pain_control(q, record, message, text, ex, chosen, today) -> bool:
    answer = _yes_no(message, text)
    if answer is None:
        return False
    record.set_finding("pain_uncontrolled", not answer, text)
    return True


def _read_onset(q, record, message, text, ex, chosen, today) -> bool:
    onset = next((c for c in chosen if c in codes.ONSETS), None) or ex.onset or parse.parse_onset(text)
    if onset is None:
        return False
    record.onset = onset
    return True


def _read_duration(q, record, message, text, ex, chosen, today) -> bool:
    days = ex.duration_days if ex.duration_days is not None else parse.parse_duration_days(text, today)
    if days is None:
        return False
    record.duration_days = days
    return True


def _read_cause(q, record, message, text, ex, chosen, today) -> bool:
    cause = next((c for c in chosen if c in codes.CAUSES), None)
    if cause is None and ex.cause:
        cause = ex.cause
    if cause is None and _yes_no(message, text) is False:
        cause = "none"
    if cause is None:
        if len(text.split()) < 1 or _wants_skip(message, text):
            return False
        cause = "other"
    record.cause = cause
    record.cause_words = None if chosen else input_checks.trim(text, 200)
    if cause == "injury" and not record.known("minor_fall") and not record.known("major_trauma"):
        pass  # the trauma question already asked how serious it was
    return True


def _read_prior_care(q, record, message, text, ex, chosen, today) -> bool:
    if ex.prior_care:
        return True
    if _yes_no(message, text) is False or re.fullmatch(r"\s*(nothing|none|nothing yet|no)\W*", text, re.I):
        record.prior_care = list(record.prior_care or [])
        return True
    if _wants_skip(message, text) or message.intent in _CONTENT_FREE_INTENTS:
        return False
    record.prior_care = list(record.prior_care or []) + [input_checks.trim(text, 200)]
    return True


def _read_name(q, record, message, text, ex, chosen, today) -> bool:
    name = parse.parse_name(text)
    if name is None:
        return False
    record.patient.name = name
    return True


def _read_dob(q, record, message, text, ex, chosen, today) -> bool:
    value, error = parse.parse_date_of_birth_detailed(text, today)
    if value is None:
        return f"utter_hint_dob_{error}" if error in ("in_future", "too_old") else False
    record.patient.date_of_birth = value
    return True


def _read_phone(q, record, message, text, ex, chosen, today) -> bool:
    phone = parse.parse_phone(text)
    if phone is None:
        return False
    record.patient.phone = phone
    return True


def _read_email(q, record, message, text, ex, chosen, today) -> bool:
    email = parse.parse_email(text)
    if email is None:
        if _yes_no(message, text) is False or re.search(r"\b(no email|none|skip)\b", text, re.I):
            record.unknown.append(q.id)
            return True
        return False
    record.patient.email = email
    return True


def _read_visit(q, record, message, text, ex, chosen, today) -> bool:
    choice = next((c for c in chosen if c in codes.PREFERRED_VISITS), None) or _first_match(text, _VISIT)
    if choice is None:
        return False
    record.patient.preferred_visit = choice
    return True


_READERS = {
    "complaint": _read_complaint, "regions": _read_regions, "checklist": _read_checklist,
    "yes_no_finding": _read_yes_no_finding, "side": _read_side, "radiation": _read_radiation,
    "radiation_to": _read_radiation_to, "numbness": _read_numbness,
    "numbness_sites": _read_numbness_sites, "weakness": _read_weakness,
    "weakness_course": _read_weakness_course, "gait": _read_gait, "self_check": _read_self_check,
    "severity": _read_severity, "pain_control": _read_pain_control, "onset": _read_onset,
    "duration": _read_duration, "cause": _read_cause, "prior_care": _read_prior_care,
    "name": _read_name, "dob": _read_dob, "phone": _read_phone, "email": _read_email,
    "visit": _read_visit,
}


def _read_confirmation(record: IntakeRecord, state: DialogueState, message: Message, text: str,
                       noted: List[str], replies: List[Reply]) -> None:
    if noted:
        # A correction: the form shows the summary again for another look.
        state.correcting = False
        replies.append(Reply("utter_corrected", {"facts": "; ".join(noted)}))
        return
    answer = _yes_no(message, text)
    if answer is True and not state.correcting:
        state.confirmed = True
        record.answers.append({"question": BY_ID["q_confirm"].label, "answer": "yes"})
        return
    if answer is False or state.correcting:
        state.correcting = True
        replies.append(Reply("utter_ask_what_to_change"))
        return
    replies.append(Reply("utter_hint_confirm"))


# ---------------------------------------------------------------------------------------
def merge_extraction(record: IntakeRecord, ex, override: bool = False) -> List[str]:
    """Fold facts from free text into the record; return short descriptions of what changed.

    Without `override` only unknown fields are filled, so a passing remark never
    overwrites a clear answer; with it (a correction) the new facts win.
    """
    noted: List[str] = []
    from bot.intake.summary import care_words, describe_site, reach_words, region_words

    for site in ex.pain_sites:
        existing = next((s for s in record.pain_sites if s.region == site.region), None)
        if existing is None:
            record.pain_sites.append(PainSite(site.region, site.side or _default_side(site.region)))
            noted.append(f"pain in {describe_site(record.pain_sites[-1])}")
        elif site.side and (existing.side is None or (override and existing.side != site.side)):
            existing.side = site.side
            noted.append(f"pain in {describe_site(existing)}")
    if ex.side and override and not ex.pain_sites:
        sided = [s for s in record.pain_sites if s.region in codes.SIDED_REGIONS]
        for site in sided:
            site.side = ex.side
        if sided:
            noted.append(f"the {ex.side} side")

    def take(attr_record: str, value: Any, words: str) -> None:
        current = getattr(record, attr_record)
        if value is None or value == current:
            return
        if current is None or override:
            setattr(record, attr_record, value)
            noted.append(words)

    if ex.radiation is not None:
        take("radiation_present", ex.radiation,
             "pain travels down the leg" if ex.radiation else "pain does not travel")
    new_to = [r for r in ex.radiation_to if r not in record.radiation_to]
    if new_to:
        record.radiation_present = True
        record.radiation_to.extend(new_to)
        record.radiation_below_knee = _below_knee(record.radiation_to)
        noted.append("travels to the " + reach_words(new_to))
    elif ex.below_knee is not None and record.radiation_below_knee is None:
        record.radiation_below_knee = ex.below_knee
    if ex.numbness is not None:
        take("numbness_present", ex.numbness,
             "numbness or tingling" if ex.numbness else "no numbness or tingling")
    new_numb = [r for r in ex.numbness_sites if r not in record.numbness_sites]
    if new_numb:
        record.numbness_present = True
        record.numbness_sites.extend(new_numb)
        noted.append("numbness in the " + ", ".join(region_words(r) for r in new_numb))
    if ex.weakness is not None:
        take("weakness_present", ex.weakness, "weakness" if ex.weakness else "no weakness")
    for region in ex.weakness_sites:
        if region not in record.weakness_sites:
            record.weakness_sites.append(region)
            record.weakness_present = True
    new_gait = [g for g in ex.gait if g not in (record.gait_changes or [])]
    if getattr(ex, "gait_denied", False) and not ex.gait and record.gait_changes is None:
        record.gait_changes = []  # "walking is fine": asked and answered, no changes
        noted.append("walking is normal")
    if new_gait:
        record.gait_changes = list(record.gait_changes or []) + new_gait
        noted.append(", ".join(g.replace("_", " ") for g in new_gait))
    take("severity", ex.severity, f"pain {ex.severity}/10")
    take("onset", ex.onset, f"{ex.onset} onset")
    take("duration_days", ex.duration_days, f"about {ex.duration_days} days")
    if ex.cause and (record.cause is None or override):
        if record.cause != ex.cause:
            record.cause = ex.cause
            record.cause_words = ex.cause_words or record.cause_words
            noted.append(f"started with {ex.cause_words or ex.cause}")
    if ex.prior_care:
        care = list(record.prior_care or [])
        new_care = [c for c in ex.prior_care if c not in care]
        if new_care:
            record.prior_care = care + new_care
            noted.append("tried " + ", ".join(care_words(c) for c in new_care))
    for name, finding in ex.findings.items():
        if name not in codes.FINDINGS:
            continue
        if not record.known(name) or (override and record.findings[name].present != finding.present):
            record.set_finding(name, finding.present, finding.words)
            if finding.present:
                noted.append(name.replace("_", " "))
    return noted


def contact_question(qid: Optional[str]) -> bool:
    return qid in CONTACT_QUESTIONS
