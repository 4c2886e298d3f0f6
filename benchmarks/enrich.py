"""Enrichment speed on the extraction corpus's article texts, against bare trafilatura.extract.

Run: .venv/bin/python benchmarks/enrich.py   (needs ../shared/corpus/extraction, or
$STORYLINE_SHARED_DIR/corpus/extraction)

The machine is shared, so absolute rates move with the load; each figure is measured
interleaved, chunk by chunk, with bare ``trafilatura.extract`` on the same pages in this
process, and the target is a ratio to it. The issue's reference (one idle core):
trafilatura 76 pages/s, and NER must reach 12 articles of 850 words per second, so NER's
rate in 850-word articles must be at least 12/76 of trafilatura's page rate.

Figures: bare NER (spaCy ``nlp.pipe``, NER only), the whole enrichment of one process
(language, NER, entity cleaning, places, keywords), and the whole enrichment on every
core against one process (``enrich_documents(workers=...)``).
Exit status: 0 when the NER target is met, 1 when missed, 2 without corpus.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import trafilatura  # noqa: E402

from pipelines.enrich import Document, enrich_documents  # noqa: E402
from pipelines.enrich.analyse import MIN_PARALLEL  # noqa: E402
from pipelines.enrich.model import process_ner  # noqa: E402

REFERENCE_TRAFILATURA_PAGES_PER_S = 76.0
TARGET_NER_850_WORD_ARTICLES_PER_S = 12.0
WORDS_PER_ARTICLE = 850
CHUNK = 16


def corpus() -> list[tuple[bytes, str]]:
    """Return (html, labelled article text) of each extraction page."""
    shared = Path(os.environ.get("STORYLINE_SHARED_DIR") or REPO_ROOT.parent / "shared")
    folder = shared / "corpus" / "extraction"
    pages = []
    for meta in sorted(folder.glob("*.json")):
        html = meta.with_name(meta.stem + ".html.gz")
        if html.exists():
            text = json.loads(meta.read_text(encoding="utf-8")).get("articleBody") or ""
            pages.append((gzip.decompress(html.read_bytes()), text))
    return pages


def _timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> int:
    pages = corpus()
    if not pages:
        print("extraction corpus not found: set STORYLINE_SHARED_DIR", file=sys.stderr)
        return 2
    nlp = process_ner()
    enrich_documents([Document(0, "", pages[0][1])], workers=1)  # load the gazetteer and YAKE once
    texts = [text for _, text in pages]
    words = sum(len(text.split()) for text in texts)
    spent = {"trafilatura": 0.0, "ner": 0.0, "enrich": 0.0}
    for start in range(0, len(pages), CHUNK):
        chunk = pages[start : start + CHUNK]
        spent["trafilatura"] += _timed(lambda c=chunk: [trafilatura.extract(html) for html, _ in c])
        spent["ner"] += _timed(lambda c=chunk: list(nlp.pipe([t for _, t in c], batch_size=32)))
        documents = [Document(i, "", text) for i, (_, text) in enumerate(chunk)]
        spent["enrich"] += _timed(lambda d=documents: enrich_documents(d, workers=1))
    cores = os.cpu_count() or 1
    documents = [Document(i, "", text) for i, text in enumerate(texts)] * 2
    one = _timed(lambda: enrich_documents(documents, workers=1))
    start_up = _timed(lambda: enrich_documents(documents[:MIN_PARALLEL], workers=cores))
    every = _timed(lambda: enrich_documents(documents, workers=cores))

    n = len(pages)
    trafilatura_rate = n / spent["trafilatura"]
    ner_850 = words / WORDS_PER_ARTICLE / spent["ner"]
    enrich_850 = words / WORDS_PER_ARTICLE / spent["enrich"]
    ratio = ner_850 / trafilatura_rate
    target = TARGET_NER_850_WORD_ARTICLES_PER_S / REFERENCE_TRAFILATURA_PAGES_PER_S
    print(f"{n} pages, {words / n:.0f} words per article text, one process, interleaved:")
    print(f"  bare trafilatura.extract {trafilatura_rate:7.1f} pages/s")
    print(f"  bare NER (nlp.pipe)      {n / spent['ner']:7.1f} articles/s = {ner_850:5.1f} of 850 words/s")
    enrich_rate = n / spent["enrich"]
    print(f"  whole enrichment         {enrich_rate:7.1f} articles/s = {enrich_850:5.1f} of 850 words/s")
    print(f"  NER (850-word articles/s) / trafilatura (pages/s) = {ratio:.3f} (target >= {target:.3f}: "
          f"{TARGET_NER_850_WORD_ARTICLES_PER_S:.0f}/s on a core where trafilatura does "
          f"{REFERENCE_TRAFILATURA_PAGES_PER_S:.0f}/s)")
    scaled = ratio * REFERENCE_TRAFILATURA_PAGES_PER_S
    print(f"  NER scaled to that core: {scaled:.1f} articles of 850 words/s")
    print(f"every core ({cores}), {len(documents)} articles, against one process: {one / every:.2f}x "
          f"({len(documents) / one:.1f} -> {len(documents) / every:.1f} articles/s), "
          f"workers already started (starting them and a first small batch took {start_up:.1f} s; "
          "the machine's load shows here)")
    return 0 if ratio >= target else 1


if __name__ == "__main__":
    sys.exit(main())
