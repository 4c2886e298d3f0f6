"""Extraction quality and speed on the labelled dev corpus, against bare trafilatura.extract.

Run: .venv/bin/python benchmarks/extraction.py   (prints a table; --per-page lists weak pages)

Body: the article-extraction-benchmark metric - tokens are \\w+ matches, texts compared as
multisets of 4-token shingles, precision and recall averaged per page, F1 from the averages.
We score the extractor's body text: it returns text for articles and live blogs, none for
other page types (scored 0). The clean stage stores text for articles only; a line under the
table gives the metadata-set F1 counting only that stored text, for pages typed otherwise.
Metadata (../shared/corpus/metadata): title exact match (whitespace-normalised), author F1
over case-insensitive, whitespace-normalised names, pooled over the set (this reading gives
bare trafilatura the issue's reference 0.87; two per-page readings are printed too, see
AuthorTally), date day-exact (our instant shown in the expected value's offset), and the share
of pages where we give a time of day and a UTC offset that match the expected instant to the
minute. Bare trafilatura is scored the same way (bare_extraction with metadata; it gives a
day, no time of day).
Throughput: both extractors run in this process, interleaved page by page, best of three per
page, so load from other jobs on the machine falls on both sides.
The corpus is found at <repo>/../shared, or $STORYLINE_SHARED_DIR.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import trafilatura  # noqa: E402

from pipelines.extract import PageHints, extract_page  # noqa: E402

_TOKEN = re.compile(r"\w+")


# The targets on the dev pages (issue 4).
TARGETS = {
    "body_f1_extraction": 0.975,
    "body_f1_metadata": 0.96,
    "title_exact": 0.90,
    "authors_f1": 0.93,
    "date_day_exact": 0.97,
    "throughput_ratio": 0.6,
}


def shared_dir() -> Path:
    """Return the shared folder: $STORYLINE_SHARED_DIR, else <repo>/../shared."""
    return Path(os.environ.get("STORYLINE_SHARED_DIR") or REPO_ROOT.parent / "shared")


def corpus_dir(name: str) -> Path:
    """Return the corpus folder `name` ("extraction" or "metadata") under the shared folder."""
    return shared_dir() / "corpus" / name


@dataclass
class Item:
    """One labelled page."""

    id: str
    url: str
    html: bytes
    label: dict[str, Any]


def load_items(directory: Path) -> list[Item]:
    """Return the labelled pages in directory (each <id>.json next to <id>.html.gz), sorted."""
    items = []
    for meta_path in sorted(directory.glob("*.json")):
        html_path = meta_path.with_name(meta_path.stem + ".html.gz")
        if not html_path.exists():
            continue
        label = json.loads(meta_path.read_text(encoding="utf-8"))
        items.append(Item(label["id"], label["url"], gzip.decompress(html_path.read_bytes()), label))
    return items


def _shingles(text: str | None) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + 4]) for i in range(max(0, len(tokens) - 3)))


def shingle_pr(predicted: str | None, reference: str) -> tuple[float, float]:
    """Return (precision, recall) of predicted against reference, as the benchmark scores them."""
    pred, ref = _shingles(predicted), _shingles(reference)
    if not pred and not ref:
        return 1.0, 1.0
    if not pred:
        return 0.0, 0.0
    if not ref:
        return 0.0, 1.0
    common = sum((pred & ref).values())
    return common / sum(pred.values()), common / sum(ref.values())


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class BodyScore:
    """Averaged body precision/recall/F1 and wall time for one extractor on one set."""

    precision: float
    recall: float
    seconds: float
    per_page: list[tuple[str, float, float]] = field(default_factory=list)

    @property
    def f1(self) -> float:
        """Return F1 of the averaged precision and recall."""
        return _f1(self.precision, self.recall)


def _ours(item: Item) -> str | None:
    page = extract_page(item.html, item.url, hints=PageHints(first_seen_at=_crawl_time(item)))
    # The extractor's text: set for articles and live blogs, None for other page types.
    return page.body_text


def _bare(item: Item) -> str | None:
    return trafilatura.extract(item.html, url=item.url)


def score_body(items: list[Item], extractor: Any = _ours) -> BodyScore:
    """Return the body score of extractor (default: ours) over items."""
    started = time.perf_counter()
    outputs = [(item, extractor(item)) for item in items]
    seconds = time.perf_counter() - started
    per_page = [(item.id, *shingle_pr(text, item.label["articleBody"])) for item, text in outputs]
    n = max(len(per_page), 1)
    return BodyScore(sum(p for _, p, _ in per_page) / n, sum(r for _, _, r in per_page) / n,
                     seconds, per_page)


def _norm_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def _crawl_time(item: Item) -> datetime | None:
    raw = item.label.get("crawl_date")
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(str(raw))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _parse_expected_date(raw: str) -> tuple[datetime, bool]:
    value = datetime.fromisoformat(raw.replace(" ", "T"))
    return value, value.tzinfo is not None


@dataclass
class MetadataScore:
    """Metadata accuracy over the metadata set."""

    title_exact: float
    authors_f1: float  # pooled over names, the target's reading (see AuthorTally)
    authors_page_pr_f1: float
    authors_page_mean_f1: float
    credits_f1: float  # authors plus credited organisations, pooled (labels credit both)
    date_day_exact: float
    date_time_offset: float
    body: BodyScore
    misses: list[str] = field(default_factory=list)
    non_articles: dict[str, str] = field(default_factory=dict)  # page id -> page type


def _title_ok(got: str | None, want: str) -> bool:
    return " ".join((got or "").split()) == " ".join(want.split())


@dataclass
class AuthorTally:
    """Author set agreement over pages, in three readings of "author set F1".

    `pooled_f1` counts names over the whole set (precision = right names / names given,
    recall = right names / names expected). `page_pr_f1` averages each page's precision and
    recall first, as the body score does (a page where both sides are empty scores 1 and 1;
    no name given for a page that has some scores precision 0). `page_mean_f1` averages each
    page's set F1. For bare trafilatura they give 0.870, 0.865 and 0.862: the first two
    round to the issue's reference point 0.87, and the target is read against the pooled one.
    """

    right: int = 0
    given: int = 0
    expected: int = 0
    page_f1_sum: float = 0.0
    page_p_sum: float = 0.0
    page_r_sum: float = 0.0
    pages: int = 0

    def add(self, got_names: list[str], want_names: list[str]) -> bool:
        """Count one page; return True when the name sets agree."""
        got = {_norm_name(a) for a in got_names}
        want = {_norm_name(a) for a in want_names}
        common = len(got & want)
        self.right += common
        self.given += len(got)
        self.expected += len(want)
        self.pages += 1
        precision = common / len(got) if got else float(not want)
        recall = common / len(want) if want else 1.0
        self.page_p_sum += precision
        self.page_r_sum += recall
        self.page_f1_sum += 1.0 if not got and not want else _f1(precision, recall)
        return got == want

    @property
    def pooled_f1(self) -> float:
        return _f1(self.right / self.given if self.given else 0.0,
                   self.right / self.expected if self.expected else 0.0)

    @property
    def page_pr_f1(self) -> float:
        if not self.pages:
            return 0.0
        return _f1(self.page_p_sum / self.pages, self.page_r_sum / self.pages)

    @property
    def page_mean_f1(self) -> float:
        return self.page_f1_sum / self.pages if self.pages else 0.0


def score_metadata(items: list[Item]) -> MetadataScore:
    """Return title/author/date accuracy and body score of extract_page over metadata items."""
    titles = days = exact_times = 0.0
    authors, credits = AuthorTally(), AuthorTally()
    misses: list[str] = []
    per_page: list[tuple[str, float, float]] = []
    started = time.perf_counter()
    pages = [extract_page(i.html, i.url, hints=PageHints(first_seen_at=_crawl_time(i)),
                          now=_crawl_time(i) or datetime.now(UTC)) for i in items]
    seconds = time.perf_counter() - started
    for item, page in zip(items, pages, strict=True):
        label = item.label
        per_page.append((item.id, *shingle_pr(page.body_text, label["articleBody"])))
        if _title_ok(page.title, label["title"]):
            titles += 1
        else:
            misses.append(f"{item.id} title: {page.title!r} != {label['title']!r}")
        credits.add(page.authors + page.author_organisations, label["authors"])
        if not authors.add(page.authors, label["authors"]):
            misses.append(f"{item.id} authors: {page.authors} != {label['authors']}")
        expected, has_offset = _parse_expected_date(label["publishing_date"])
        ours = page.published_at
        if ours is not None:
            if has_offset:
                shown = ours.astimezone(expected.tzinfo)
            else:
                offset = timedelta(minutes=page.published_offset_minutes or 0)
                shown = ours.astimezone(timezone(offset)).replace(tzinfo=None)
            if shown.date() == expected.date():
                days += 1
            else:
                misses.append(f"{item.id} date: {shown.isoformat()} != {expected.isoformat()}")
            if (page.published_offset_minutes is not None and has_offset
                    and abs((ours - expected).total_seconds()) < 60):
                exact_times += 1
        else:
            misses.append(f"{item.id} date: none != {expected.isoformat()}")
    n = max(len(items), 1)
    body = BodyScore(sum(p for _, p, _ in per_page) / n, sum(r for _, _, r in per_page) / n,
                     seconds, per_page)
    non_articles = {item.id: page.page_type for item, page in zip(items, pages, strict=True)
                    if page.page_type != "article"}
    return MetadataScore(titles / n, authors.pooled_f1, authors.page_pr_f1,
                         authors.page_mean_f1, credits.pooled_f1,
                         days / n, exact_times / n, body, misses, non_articles)


def score_metadata_bare(items: list[Item]) -> tuple[float, AuthorTally, float]:
    """Return bare trafilatura's (title exact, author tally, date day-exact) over metadata items.

    trafilatura.bare_extraction(with_metadata=True): its title as is, its author string split
    on ";", its date (a day, no time of day) compared with the expected value's day.
    """
    titles = days = 0.0
    authors = AuthorTally()
    for item in items:
        doc = trafilatura.bare_extraction(item.html, url=item.url, with_metadata=True)
        title = getattr(doc, "title", None)
        author = getattr(doc, "author", None) or ""
        date = getattr(doc, "date", None) or ""
        titles += _title_ok(title, item.label["title"])
        authors.add([a.strip() for a in author.split(";") if a.strip()], item.label["authors"])
        expected, _ = _parse_expected_date(item.label["publishing_date"])
        days += date[:10] == expected.date().isoformat()
    n = max(len(items), 1)
    return titles / n, authors, days / n


def throughput_ratio(items: list[Item], rounds: int = 3) -> tuple[float, float, float]:
    """Return (our seconds, bare trafilatura seconds, ratio of our pages/s to theirs).

    Other jobs may share the machine, so the two extractors are interleaved page by page
    (which one goes first alternates), each page's time is its best over `rounds`, and the
    ratio compares the sums: a load spike hits both sides instead of one whole pass.
    """
    ours_best = [float("inf")] * len(items)
    bare_best = [float("inf")] * len(items)
    for round_no in range(rounds):
        for index, item in enumerate(items):
            order = ((_bare, bare_best), (_ours, ours_best))
            if (index + round_no) % 2:
                order = order[::-1]
            for extractor, best in order:
                started = time.perf_counter()
                extractor(item)
                best[index] = min(best[index], time.perf_counter() - started)
    ours_s, bare_s = sum(ours_best), sum(bare_best)
    return ours_s, bare_s, bare_s / ours_s


def main(argv: list[str] | None = None) -> int:
    """Print the quality and speed table; return 0 when every target is met, 1 when one is
    missed, 2 when the corpus is missing."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-page", action="store_true", help="list pages scoring below 0.9")
    args = parser.parse_args(argv)
    extraction_dir, metadata_dir = corpus_dir("extraction"), corpus_dir("metadata")
    if not extraction_dir.is_dir() or not metadata_dir.is_dir():
        print(f"corpus not found under {shared_dir()}: set STORYLINE_SHARED_DIR", file=sys.stderr)
        return 2
    extraction, metadata = load_items(extraction_dir), load_items(metadata_dir)
    _ours(extraction[0])  # warm imports so the timing compares extraction only
    _bare(extraction[0])
    bodies = {name: (score_body(items), score_body(items, _bare))
              for name, items in (("extraction", extraction), ("metadata", metadata))}
    meta = score_metadata(metadata)
    bare_title, bare_authors, bare_days = score_metadata_bare(metadata)
    ours_s, bare_s, ratio = throughput_ratio(extraction + metadata)
    rows = [
        (f"body F1, extraction set ({len(extraction)})", bodies["extraction"][0].f1,
         bodies["extraction"][1].f1, TARGETS["body_f1_extraction"]),
        (f"body F1, metadata set ({len(metadata)})", bodies["metadata"][0].f1,
         bodies["metadata"][1].f1, TARGETS["body_f1_metadata"]),
        ("title exact", meta.title_exact, bare_title, TARGETS["title_exact"]),
        ("authors F1, pooled over names", meta.authors_f1, bare_authors.pooled_f1,
         TARGETS["authors_f1"]),
        ("authors F1, page P/R averaged", meta.authors_page_pr_f1, bare_authors.page_pr_f1,
         None),
        ("authors F1, mean per page", meta.authors_page_mean_f1, bare_authors.page_mean_f1,
         None),
        ("  + credited organisations, pooled", meta.credits_f1, None, None),
        ("date day-exact", meta.date_day_exact, bare_days, TARGETS["date_day_exact"]),
        ("date with time+offset", meta.date_time_offset, None, None),
    ]
    missed = [label for label, ours_value, _, target in rows
              if target is not None and ours_value < target]
    if ratio < TARGETS["throughput_ratio"]:
        missed.append("throughput")
    print(f"{'metric':<34}{'ours':>8}{'bare trafilatura':>19}{'target':>9}")
    for label, ours_value, bare_value, target in rows:
        bare_text = f"{bare_value:.3f}" if bare_value is not None else "n/a"
        target_text = f">={target:.3f}" if target is not None else ""
        print(f"{label:<34}{ours_value:>8.3f}{bare_text:>19}{target_text:>9}")
    for name, (ours, bare) in bodies.items():
        print(f"  {name} body P/R: ours {ours.precision:.3f}/{ours.recall:.3f}, "
              f"bare {bare.precision:.3f}/{bare.recall:.3f}")
    if meta.non_articles:
        def f1_without(per_page: list[tuple[str, float, float]]) -> float:
            kept = [(p, r) for pid, p, r in per_page if pid not in meta.non_articles]
            return _f1(sum(p for p, _ in kept) / len(kept), sum(r for _, r in kept) / len(kept))

        def f1_stored(per_page: list[tuple[str, float, float]]) -> float:
            pr = [(0.0, 0.0) if pid in meta.non_articles else (p, r) for pid, p, r in per_page]
            return _f1(sum(p for p, _ in pr) / len(pr), sum(r for _, r in pr) / len(pr))

        typed = ", ".join(f"{pid} ({kind})" for pid, kind in meta.non_articles.items())
        print(f"  metadata pages typed non-article: {typed}; body F1 counting only the text "
              f"clean stores (articles): ours {f1_stored(meta.body.per_page):.3f}; over the "
              f"other {len(metadata) - len(meta.non_articles)}: ours "
              f"{f1_without(meta.body.per_page):.3f}, bare "
              f"{f1_without(bodies['metadata'][1].per_page):.3f}")
    print(f"throughput (interleaved, best of 3 per page): ours {ours_s:.2f}s, bare "
          f"trafilatura.extract {bare_s:.2f}s for {len(extraction) + len(metadata)} pages "
          f"-> ratio {ratio:.2f}x (target >= {TARGETS['throughput_ratio']}x)")
    if args.per_page:
        for name, (ours, _) in bodies.items():
            for page_id, p, r in ours.per_page:
                if min(p, r) < 0.9:
                    print(f"  {name} {page_id[:24]} P{p:.2f} R{r:.2f}")
        for miss in meta.misses:
            print("  " + miss)
    print("every target met" if not missed else f"targets missed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
