"""The Storyline Dagster code location (see ``definitions.py``)."""
