"""The story clusterer's types: articles in (:class:`Doc`), its settings (:class:`ClusterConfig`)
and its decisions out (:class:`Assignment`).

A module of its own so that the engine, the warehouse glue and the command line share
them without importing one another.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipelines.dedup.index import id_order

StoryKey = Hashable


@dataclass(frozen=True)
class Doc:
    """One article as the clusterer sees it (``published_at`` must be timezone-aware)."""

    id: Hashable
    url: str = ""
    title: str = ""
    text: str = ""
    published_at: datetime | None = None
    source: str = ""
    canonical_url: str | None = None
    entities: tuple[tuple[str, int], ...] = ()
    """Typed entities as ``(entity key, mentions)``, keys as the enrich stage writes
    ``entities.entity_key`` (``type|name|country``); empty when not enriched yet."""

    def sort_key(self) -> tuple:
        """Return the processing order key: publication time (undated last), then id."""
        when = self.published_at.timestamp() if self.published_at is not None else math.inf
        return (when, id_order(self.id))


@dataclass(frozen=True)
class ClusterConfig:
    """Thresholds and limits of :class:`StoryClusterer` (defaults tuned on the dev sets)."""

    window_days: float = 7.0
    far_window_days: float = 30.0
    far_link_threshold: float = 0.22
    max_story_span_days: float = 45.0
    choose_by_centroid: bool = True
    link_threshold: float = 0.22
    min_shared_terms: int = 10
    short_shared_share: float = 0.25
    short_other_outlet: bool = True
    strong_link_threshold: float = 0.5
    far_residual: float = 0.25
    centroid_threshold: float = 0.32
    close_days: float = 2.0
    close_link_threshold: float = 0.15
    close_centroid_threshold: float = 0.15
    dated_centroid_threshold: float = 0.18
    subject_check: bool = True
    title_containment: float = 0.6
    title_link_floor: float = 0.05
    title_rare_share: float = 0.015
    title_candidates: int = 8
    title_max_posting: int = 100
    title_other_outlet: bool = True
    near_duplicate_threshold: float = 0.5
    vector_terms: int = 80
    centroid_terms: int = 200
    index_terms: int = 40
    query_terms: int = 25
    max_posting: int = 5000
    max_candidates: int = 8
    passage_words: int = 8
    rewrite_min_passages: int = 2
    rewrite_min_shared_words: int = 20
    relation_members: int = 6
    name_boost: float = 3.0
    title_boost: float = 1.0
    idf_power: float = 1.0
    name_pairs: bool = True
    max_body_words: int = 3000
    df_halving_docs: int = 20_000
    source_memory: int = 24
    source_min_articles: int = 8
    source_share: float = 0.5
    archive_days: float = 730.0
    archive_terms: int = 40
    archive_index_terms: int = 20
    archive_query_terms: int = 10
    archive_candidates: int = 4
    archive_max_stories: int = 20_000
    archive_threshold: float = 0.3
    archive_residual: float = 0.2
    archive_weight: float = 1.0
    archive_distinct: float = 0.5
    archive_person_shared: int = 2
    archive_person_threshold: float = 0.1
    archive_people: int = 12
    conflict_types: tuple[str, ...] = ("place",)
    conflict_min_mentions: int = 3
    shared_person_mentions: int = 2
    rare_details: int = 3
    rare_detail_df: int = 2
    rare_detail_min_articles: int = 100
    stated_dates: bool = True
    title_person_mentions: int = 2
    subject_rare_details: bool = True
    close_shared_person: bool = True
    undated_second_look: bool = True
    second_look_centroid: float = 0.2
    fragment_size: int = 4
    fragment_centroid: float = 0.35
    fragment_margin: float = 1.5


@dataclass(frozen=True)
class Assignment:
    """The clusterer's decision for one article."""

    id: Hashable
    story_key: StoryKey
    new_story: bool
    duplicate_of: Hashable | None
    duplicate_kind: str | None
    relation: str
    related_to: Hashable | None
    similarity: float | None
    shared_passages: int
    evidence: dict[str, Any] = field(default_factory=dict)
