"""Rasa custom actions: thin glue from the tracker to the `bot` package."""
from bot.nlp import build_pipeline

# Build the clinical pipeline when the action server starts, not on the first patient's
# message (a few seconds on a busy machine: an SMS webhook must answer within seconds).
build_pipeline()
