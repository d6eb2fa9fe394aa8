"""The handoff report: body diagram marks, symptoms present/absent/unsure, and the
specialist-override table (migration 0002)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot import codes
from bot.staff import body, labels
from bot.staff.report import build_report, symptoms
from bot.store import AppendOnlyError, get_engine, init_db, session_scope
from bot.store.migrate import current_revision, downgrade_db
from bot.store.models import SpecialistOverride


# -- the body diagram --------------------------------------------------------------
def test_every_region_but_other_has_a_place_on_the_diagram():
    assert set(body.REGION_ZONES) == set(codes.REGIONS)
    for region in codes.REGIONS:
        keys = body.zone_keys(region, "left")
        if region == "other":
            assert keys == []
            continue
        assert keys, region
        assert all(key in body.ZONE_KEYS for key in keys)
        if region in codes.SIDED_REGIONS:
            assert all(key.endswith(".left") for key in keys), region
            assert set(body.zone_keys(region, None)) == set(keys) | {
                k.replace(".left", ".right") for k in keys}


def test_foot_zones_follow_the_contract():
    sole = {z.name for z in body.zones("sole", "left")}
    top = {z.name for z in body.zones("top", "right")}
    # hindfoot, midfoot and forefoot zones, outer and inner foot, the whole sole
    assert {"heel", "arch", "ball_of_foot", "toes", "big_toe", "outer_foot", "inner_foot",
            "outline"} <= sole
    assert {"top_of_foot", "toes", "big_toe", "outer_foot", "inner_foot"} <= top
    assert body.zone_keys("sole", "right") == ["sole.outline.right"]
    assert body.zone_keys("heel", "left") == ["back.heel.left", "sole.heel.left"]


def test_midline_regions_have_one_zone():
    assert body.zone_keys("lower_back", None) == ["back.lower_back."]
    assert body.zone_keys("back", "left") == ["back.upper_back.", "back.lower_back."]
    assert body.zone_keys("neck", None) == ["front.neck.", "back.neck."]


def test_diagram_marks_pain_radiation_and_numbness_on_the_side_of_the_pain():
    diagram = body.build_diagram({
        "pain_sites": [{"region": "lower_back", "side": "midline"},
                       {"region": "leg", "side": "left"}],
        "radiation": {"present": True, "to": ["calf", "sole"], "below_knee": True},
        "numbness_tingling": {"present": True, "sites": ["outer_foot"]},
    })
    assert diagram.spread_side == "left"
    assert diagram.layers("back.lower_back.") == ["pain"]
    assert diagram.layers("back.calf.left") == ["pain", "radiation"]
    assert diagram.layers("back.calf.right") == []
    assert diagram.layers("sole.outline.left") == ["radiation"]
    assert diagram.layers("sole.outer_foot.left") == ["numbness"]
    assert diagram.layers("top.outer_foot.left") == ["numbness"]
    assert "drawn on the left" in diagram.spread_note
    assert diagram.pain == ["lower back", "leg (left)"]


def test_without_one_side_of_pain_spread_is_drawn_on_both_sides():
    diagram = body.build_diagram({
        "pain_sites": [{"region": "heel", "side": "left"}, {"region": "heel", "side": "right"},
                       {"region": "other", "side": None}],
        "radiation": {"present": True, "to": ["arch"]},
    })
    assert diagram.spread_side is None
    assert diagram.layers("sole.arch.left") == diagram.layers("sole.arch.right") == ["radiation"]
    assert "both sides" in diagram.spread_note
    assert diagram.not_drawn == ["other"]
    assert body.build_diagram({}).empty


# -- symptoms ----------------------------------------------------------------------
def test_symptoms_split_into_present_absent_and_unsure():
    complaint = {
        "radiation": {"present": None, "to": [], "below_knee": None},
        "numbness_tingling": {"present": True, "sites": ["big_toe"]},
        "weakness": {"present": False, "sites": []},
        "gait_changes": [],
    }
    record = {"gait_changes": None, "heel_walk_ok": False,
              "findings": {"night_pain": {"present": False, "words": "sleep fine"},
                           "cancer_history": {"present": True, "words": "breast cancer 2019"},
                           "saddle_numbness": {"present": True, "words": "numb down there"}},
              "unknown": ["duration"]}
    flags = [{"code": "saddle_numbness", "patient_words": "numb down there"}]
    out = symptoms(complaint, flags, record)
    present = {i.label: i.detail for i in out.present}
    absent = {i.label: i.detail for i in out.absent}
    unsure = {i.label: i.detail for i in out.unsure}
    assert present["Numbness or tingling"] == labels.region("big_toe")
    assert present["Red flag: Saddle numbness"] == "numb down there"
    assert "Saddle numbness" not in present  # shown once, as the red flag
    assert present["Cancer history"] == "breast cancer 2019"
    assert present["Cannot walk on heels"] == "self-check"
    assert absent == {"Weakness": None, "Night pain": "sleep fine"}
    assert unsure["Pain travels (radiates)"] is None
    assert unsure["Walking changes"] == "not asked"
    assert unsure["Duration"] == "patient did not know"


def test_walking_asked_and_none_is_absent():
    out = symptoms({"gait_changes": []}, [], {"gait_changes": []})
    assert [i.label for i in out.absent] == ["Walking changes"]


def test_report_for_an_empty_payload_does_not_fail():
    report = build_report({})
    assert report.level == "routine" and report.quotes == []
    assert report.nerve_root is None and report.diagram.empty


# -- the override table (migration 0002) ------------------------------------------
def test_migration_0002_adds_the_override_table_and_can_be_undone(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    init_db(url, "0002")
    assert current_revision(url) == "0002"
    assert "specialist_overrides" in sa.inspect(get_engine(url)).get_table_names()
    downgrade_db(url, "0001")
    assert "specialist_overrides" not in sa.inspect(get_engine(url)).get_table_names()
    init_db(url)  # and on to the newest revision, whatever later migrations add
    assert "specialist_overrides" in sa.inspect(get_engine(url)).get_table_names()


def test_overrides_are_append_only_and_checked(tmp_path, make_payload):
    from bot.store import save_handoff

    url = f"sqlite:///{tmp_path / 'app.db'}"
    init_db(url)
    payload = make_payload("routine")
    with session_scope(url) as db:
        handoff = save_handoff(db, record_dict={}, payload=payload,
                               conversation_id=payload["conversation_id"], channel="web",
                               urgency="routine", specialist="spine_surgery")
        db.add(SpecialistOverride(handoff=handoff, from_specialist="spine_surgery",
                                  to_specialist="podiatry", reason="local foot pain",
                                  actor="dr.lee"))
    with pytest.raises(AppendOnlyError):
        with session_scope(url) as db:
            row = db.execute(sa.select(SpecialistOverride)).scalar_one()
            row.reason = "rewritten"
    with pytest.raises(sa.exc.IntegrityError):
        with session_scope(url) as db:
            db.execute(sa.text(
                "INSERT INTO specialist_overrides (handoff_id, to_specialist, reason, actor, at)"
                " VALUES (:h, 'dentistry', 'r', 'a', CURRENT_TIMESTAMP)"),
                {"h": payload["handoff_id"]})


def test_audit_details_read_as_short_pairs():
    assert labels.audit_detail({"from": None, "to": "podiatry", "override_id": 3}) == [
        ("to", "podiatry"), ("override_id", "3")]
    pairs = labels.audit_detail({"filters": {"status": "open", "search": True, "urgency": None},
                                 "shown": ["aaaaaaaa-1", "bbbbbbbb-2", "cccccccc-3", "dddd"]})
    assert pairs == [("filters.status", "open"), ("filters.search", "yes"),
                     ("shown", "4: aaaaaaaa, bbbbbbbb, cccccccc +1")]
    assert labels.audit_detail(None) == []
