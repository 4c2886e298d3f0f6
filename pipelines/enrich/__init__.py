"""The enrich stage: language, word count, typed entities with places in countries, and keywords.

Modules: :mod:`.language` (language, word count), :mod:`.model` (the verified NER model),
:mod:`.entities` (entities from NER mentions), :mod:`.places` (gazetteer),
:mod:`.keywords` (YAKE), :mod:`.analyse` (all of it over many documents),
:mod:`.store` (the warehouse stage: per shard, then per day) and :mod:`.jsonl` (the
``storyline enrich`` command).
"""

from pipelines.enrich.analyse import Document, Enrichment, enrich_documents
from pipelines.enrich.language import detect_language, word_count
from pipelines.enrich.model import ModelError
from pipelines.enrich.store import analyse_partition, finish_partition

__all__ = [
    "Document",
    "Enrichment",
    "ModelError",
    "detect_language",
    "enrich_documents",
    "finish_partition",
    "analyse_partition",
    "word_count",
]
