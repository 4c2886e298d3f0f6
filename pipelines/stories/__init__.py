"""Story clustering: articles about one news event, across outlets and days, in one story."""

from pipelines.stories.engine import StoryClusterer
from pipelines.stories.types import Assignment, ClusterConfig, Doc

__all__ = ["Assignment", "ClusterConfig", "Doc", "StoryClusterer"]
