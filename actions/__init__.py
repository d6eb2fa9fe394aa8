"""Rasa custom actions: thin glue from the tracker to the `bot` package."""
