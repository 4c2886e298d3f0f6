"""Clean and extract: a raw page becomes an article (text + metadata) or a typed non-article."""

from pipelines.extract.changes import changed_fields
from pipelines.extract.core import extract_page
from pipelines.extract.jsonl import run_extract_jsonl
from pipelines.extract.model import PAGE_TYPES, ExtractedPage, PageHints, text_hash
from pipelines.extract.pool import ExtractionPool, extract_pages
from pipelines.extract.version import EXTRACTOR_VERSION, SETTINGS, extractor_settings_hash

__all__ = [
    "EXTRACTOR_VERSION",
    "PAGE_TYPES",
    "SETTINGS",
    "ExtractedPage",
    "ExtractionPool",
    "PageHints",
    "changed_fields",
    "extract_page",
    "extract_pages",
    "extractor_settings_hash",
    "run_extract_jsonl",
    "text_hash",
]
