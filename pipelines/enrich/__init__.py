"""The enrich stage: language, word count, typed entities with places in countries, and keywords.

Modules: :mod:`.language` (language, word count), :mod:`.model` (the verified NER model),
:mod:`.entities` (entities from NER mentions), :mod:`.places` (gazetteer),
:mod:`.keywords` (YAKE), :mod:`.analyse` (all of it over many documents),
:mod:`.near_copies` (a near copy borrows the analysis of the text it copies),
:mod:`.store` (the warehouse stage: per shard, then per day) and :mod:`.jsonl` (the
``storyline enrich`` command).
"""

from importlib import import_module
from typing import Any

# Imported on first use (PEP 562), so that a NER worker, which needs only
# ``pipelines.enrich.model``, does not load the gazetteer, keywords and warehouse modules.
_EXPORTS = {
    "Document": "analyse",
    "Enrichment": "analyse",
    "enrich_documents": "analyse",
    "detect_language": "language",
    "word_count": "language",
    "ModelError": "model",
    "analyse_partition": "store",
    "finish_partition": "store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
