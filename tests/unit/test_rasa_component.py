"""The clinical entity extractor as Rasa runs it: on Message objects, entities with context."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlp.rasa_component import ClinicalEntityExtractor


@pytest.fixture(scope="module")
def extractor():
    return ClinicalEntityExtractor({**ClinicalEntityExtractor.get_default_config(), "pipeline_path": None})


def entities(extractor, text):
    message = Message(data={TEXT: text})
    extractor.process([message])
    return message.get(ENTITIES)


def test_entities_carry_codes_and_context(extractor):
    found = entities(extractor, "my lower back hurts, no numbness, my dad had cancer")
    by_value = {(e["entity"], e["value"]): e for e in found}
    assert by_value[("region", "lower_back")]["negated"] is False
    assert by_value[("symptom", "numbness")]["negated"] is True
    assert by_value[("finding", "cancer_history")]["family"] is True
    assert all(e["extractor"] == "ClinicalEntityExtractor" for e in found)


def test_payloads_and_empty_text_are_left_alone(extractor):
    assert entities(extractor, '/choose{"option":"none"}') is None or entities(extractor, '/choose{"option":"none"}') == []
    assert not entities(extractor, "")


def test_saved_pipeline_with_meta_json_loads(tmp_path):
    from bot.nlp.pipeline import save_pipeline

    save_pipeline(tmp_path / "clinical_nlp")
    assert (tmp_path / "clinical_nlp" / "meta.json").exists()
    loaded = ClinicalEntityExtractor({"pipeline_path": str(tmp_path / "clinical_nlp")})
    assert ("region", "heel") in {(e["entity"], e["value"]) for e in entities(loaded, "my left heel hurts")}
