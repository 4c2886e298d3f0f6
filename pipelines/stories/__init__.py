"""Story clustering: articles about one news event, across outlets and days, in one story."""

from pipelines.stories.engine import Assignment, ClusterConfig, Doc, StoryClusterer

__all__ = ["Assignment", "ClusterConfig", "Doc", "StoryClusterer"]
