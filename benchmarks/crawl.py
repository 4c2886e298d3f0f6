"""Crawl and clean throughput on a synthetic loopback site, as ratios against baselines.

Serves N article pages (plus a feed listing them) on 127.0.0.1 and measures, in
one run:

- the Storyline crawl (spiders, fetch recorder, WARC archive, batched warehouse
  writes) against a bare Scrapy crawl of the same URLs that stores nothing;
- the clean stage (process pool over every core, pages read back from WARC)
  against bare ``trafilatura.extract`` over the same pages in this one process.

The crawl should not be the slow stage: its pages/s should exceed the clean
stage's. Usage: ``python benchmarks/crawl.py [--pages 400]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

WORDS = (
    "council harbour ferry budget river bridge station library market festival school hospital "
    "storm rail tram museum vote mayor minister report police court energy water farm port"
).split()


def article_html(number: int) -> bytes:
    words = [WORDS[(number * 7 + i * 3) % len(WORDS)] for i in range(600)]
    paragraphs = "".join(f"<p>{' '.join(words[i : i + 60]).capitalize()}.</p>" for i in range(0, 600, 60))
    chrome = "".join(f"<li><a href='/section/{w}/'>{w}</a></li>" for w in WORDS)
    return (
        f"<html><head><title>Story {number} about the {words[0]} | Bench Times</title>"
        f"<link rel='canonical' href='/news/2026/01/05/story-{number}.html'></head><body>"
        f"<nav><ul>{chrome}</ul></nav><article><h1>Story {number} about the {words[0]}</h1>"
        f"<p class='byline'>By Ana Reyes</p>{paragraphs}</article><footer><ul>{chrome}</ul></footer>"
        "</body></html>"
    ).encode()


class SyntheticSite:
    """A feed of N article links and the articles themselves, on 127.0.0.1."""

    def __init__(self, pages: int) -> None:
        self.pages = {f"/news/2026/01/05/story-{n}.html": article_html(n) for n in range(pages)}
        items = "".join(f"<item><title>{p}</title><link>{{base}}{p}</link></item>" for p in self.pages)
        self.feed_template = f'<rss version="2.0"><channel><title>bench</title>{items}</channel></rss>'
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                if self.path == "/feed.xml":
                    body = site.feed_template.replace("{base}", site.base_url).encode()
                    kind = "application/rss+xml"
                elif self.path in site.pages:
                    body, kind = site.pages[self.path], "text/html; charset=utf-8"
                elif self.path == "/robots.txt":
                    body, kind = b"User-agent: *\nAllow: /\n", "text/plain"
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


BARE_SPIDER = textwrap.dedent(
    """
    import sys, scrapy
    from scrapy.crawler import CrawlerProcess
    from crawlers.discovery import parse_feed
    class Bare(scrapy.Spider):
        name = "bare"
        async def start(self):
            yield scrapy.Request(sys.argv[1], callback=self.feed)
        def feed(self, response):
            for entry in parse_feed(response.body, response.url).entries:
                yield scrapy.Request(entry.url, callback=self.page)
        def page(self, response):
            pass
    process = CrawlerProcess({"LOG_LEVEL": "ERROR", "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "ROBOTSTXT_OBEY": True, "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False})
    crawler = process.create_crawler(Bare)
    process.crawl(crawler)
    process.start()
    print(crawler.stats.get_value("response_received_count", 0))
    """
)


def timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{command[:4]} failed:\n{result.stderr[-3000:]}")
    return elapsed, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=400)
    args = parser.parse_args()

    import trafilatura

    from pipelines.clean import clean_partition
    from pipelines.warehouse.db import make_engine
    from pipelines.warehouse.migrate import upgrade
    from pipelines.warehouse.stage_runs import stage_run

    site = SyntheticSite(args.pages)
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "bench.yaml"
        config.write_text(
            json.dumps(
                {
                    "network": {"allow_private": [site.base_url.removeprefix("http://")]},
                    "crawl": {
                        "download_delay": 0,
                        "autothrottle": False,
                        "concurrent_requests": 16,
                        "concurrent_requests_per_domain": 16,
                    },
                    "archive": {"dir": str(Path(tmp) / "archive")},
                    "sources": [{"name": "Bench", "feeds": [site.base_url + "/feed.xml"]}],
                }
            ),
            encoding="utf-8",
        )
        url = f"sqlite:///{tmp}/w.db"
        upgrade(url)
        # Scrapy reads its spiders' source, so the baseline runs from a file, not `-c`.
        bare_script = Path(tmp) / "bare_spider.py"
        bare_script.write_text(BARE_SPIDER, encoding="utf-8")
        bare_s, out = timed([sys.executable, str(bare_script), site.base_url + "/feed.xml"])
        responses = int(out.strip().splitlines()[-1])
        if responses < args.pages:
            raise SystemExit(f"the bare Scrapy baseline got only {responses} responses")
        crawl_s, out = timed(
            [
                sys.executable,
                "-m",
                "crawlers.run",
                "--config",
                str(config),
                "--warehouse",
                url,
                "--partition-key",
                "2026-01-05",
            ]
        )
        stored = json.loads(out.strip().splitlines()[-1])["stats"]["pages/stored"]

        engine = make_engine(url)
        start = time.perf_counter()
        with stage_run(engine, "clean", "2026-01-05", code_version="bench") as run:
            clean_partition(engine, "2026-01-05", stage_run_id=run.id)
        clean_s = time.perf_counter() - start
        start = time.perf_counter()
        for body in site.pages.values():
            trafilatura.extract(body.decode())
        bare_extract_s = time.perf_counter() - start
    site.close()

    pages = args.pages
    print(f"pages: {pages} (stored {stored})")
    print(f"{'stage':<40}{'pages/s':>10}")
    for name, seconds in (
        ("bare Scrapy crawl (stores nothing)", bare_s),
        ("Storyline crawl (WARC + warehouse)", crawl_s),
        ("clean stage (all cores, from WARC)", clean_s),
        ("bare trafilatura.extract, 1 process", bare_extract_s),
    ):
        print(f"{name:<40}{pages / seconds:>10.1f}")
    print(f"crawl overhead vs bare Scrapy: {crawl_s / bare_s:.2f}x the time (process start-up included)")
    print(f"crawl speed / clean speed: {clean_s / crawl_s:.2f} (> 1: the crawl is not the slow stage)")
    print(f"clean stage speed / bare trafilatura: {bare_extract_s / clean_s:.2f}x")


if __name__ == "__main__":
    main()
