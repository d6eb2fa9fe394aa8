"""Rasa NLU component: the project's clinical entities, with their context, in every message.

Registered as an entity extractor next to DIET (config.yml). Each entity carries the
contract code as its value and ConText flags (negated, family, historical,
hypothetical), so "no numbness" arrives as a negated symptom and "my dad had cancer"
as a family finding. The form's validation action reads the same facts with
bot.nlp.extract, the same code on the same text.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.language import Language

from bot.nlp import extract
from bot.nlp.pipeline import build_pipeline, load_pipeline

ROOT = Path(__file__).resolve().parents[2]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class ClinicalEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds the clinical entities found by bot.nlp to each message."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # A pipeline saved by `python -m bot.nlp build`; built from data/nlp when missing.
        return {"pipeline_path": "models/clinical_nlp"}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "ClinicalEntityExtractor":
        component = cls(config)
        # Load the spaCy pipeline with the model, not on the first patient's message: an SMS
        # webhook must answer within seconds.
        component._pipeline()
        return component

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config
        self._nlp: Optional[Language] = None

    def _pipeline(self) -> Language:
        if self._nlp is None:
            path = self._config.get("pipeline_path")
            full = (ROOT / path) if path and not Path(path).is_absolute() else Path(path or "")
            self._nlp = load_pipeline(full) if path and (full / "meta.json").exists() else build_pipeline()
        return self._nlp

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or text.startswith("/"):
                continue  # button payloads carry their own intent and entities
            found = extract(text, nlp=self._pipeline()).entities
            entities = list(message.get(ENTITIES, [])) + [
                dict(entity, extractor=self.__class__.__name__) for entity in found]
            message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data  # nothing to learn: the rules live in data/nlp
