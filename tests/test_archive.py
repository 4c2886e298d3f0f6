"""The raw archive: gzipped WARC records read in sequence, by offset, and by (file, offset, length)."""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys
import uuid
import zlib
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from pipelines.archive import GZIP_LEVEL, CrawlArchive, WarcArchive, read_response

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_records_are_gzip_members_readable_in_sequence_and_by_offset(tmp_path) -> None:
    path = tmp_path / "crawl.warc.gz"
    archive = WarcArchive(path)
    bodies = [f"<html><body><p>Quay story {n}</p></body></html>".encode() * (n + 1) for n in range(3)]
    locations = [
        archive.write_response(url=f"https://quay.example/{n}", status=200,
                               headers=[("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")],
                               body=body, fetch_id=f"f{n}")
        for n, body in enumerate(bodies)
    ]
    archive.close()
    # A second writer appends to the same file without a second warcinfo record.
    again = WarcArchive(path)
    last = again.write_response(url="https://quay.example/late", status=404, headers=[], body=b"gone",
                                fetch_id="f9")
    again.close()

    with open(path, "rb") as handle:
        records = [(record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
                    record.rec_headers.get_header("WARC-Payload-Digest"))
                   for record in ArchiveIterator(handle)]
    assert [kind for kind, _, _ in records] == ["warcinfo", "response", "response", "response", "response"]
    assert all(digest and digest.startswith("sha1:") for kind, _, digest in records if kind == "response")
    for n, (body, location) in enumerate(zip(bodies, locations, strict=True)):
        read = read_response(location.path, location.offset)
        assert (read.url, read.status, read.body, read.fetch_id) == (f"https://quay.example/{n}", 200, body, f"f{n}")
        assert "transfer-encoding" not in read.headers
    assert read_response(last.path, last.offset).status == 404
    # Standard gzip tools read the whole file too (one member per record).
    assert gzip.decompress(path.read_bytes()).count(b"WARC/1.") == 5


# --- a crawl's files across machines ------------------------------------------------------------


def _page(n: int) -> dict:
    # Paragraphs of hex digests: text that deflate cannot shrink to nothing.
    lines = "".join(f"<p>{hashlib.sha256(f'{n}-{i}'.encode()).hexdigest()}</p>" for i in range(12))
    body = f"<html><body><h1>Harbour report {n}</h1>{lines}</body></html>".encode()
    return {"url": f"https://quay.example/{n}", "status": 200, "headers": [("Content-Type", "text/html")],
            "body": body, "fetch_id": f"f{n}"}


def test_a_crawl_rolls_to_a_new_serial_past_the_size_limit(tmp_path) -> None:
    archive = CrawlArchive(tmp_path / "archive", partition_key="2026-03-04", crawl_run_id=123,
                           host="worker 7.lan", max_file_bytes=1500)
    pages = [_page(n) for n in range(6)]
    locations = [archive.write_response(**page) for page in pages]
    archive.close()

    folder = tmp_path / "archive" / "2026-03-04"
    names = sorted(path.name for path in folder.iterdir())
    assert names[0] == "crawl-000123-worker-7.lan-0001.warc.gz"
    assert len(names) > 1 and names == [f"crawl-000123-worker-7.lan-{n:04d}.warc.gz" for n in range(1, len(names) + 1)]
    assert archive.paths == [str(folder / name) for name in names]
    # Only a file that went past the limit was closed: all but the last are at least that big.
    assert all((folder / name).stat().st_size >= 1500 for name in names[:-1])
    for page, location in zip(pages, locations, strict=True):
        read = read_response(location.path, location.offset, location.length)
        assert (read.url, read.body, read.fetch_id) == (page["url"], page["body"], page["fetch_id"])
    # Every file is a WARC file of its own, opening with a warcinfo record.
    for name in names:
        with open(folder / name, "rb") as handle:
            assert next(iter(ArchiveIterator(handle))).rec_type == "warcinfo"


def test_a_second_writer_of_the_same_crawl_never_shares_a_file(tmp_path) -> None:
    first = CrawlArchive(tmp_path, partition_key="2026-03-04", crawl_run_id=9, host="a", max_file_bytes=10**6)
    first.write_response(**_page(1))
    first.close()
    again = CrawlArchive(tmp_path, partition_key="2026-03-04", crawl_run_id=9, host="a", max_file_bytes=10**6)
    assert again.path.endswith("crawl-000009-a-0002.warc.gz")
    again.close()


def test_records_are_level_3_gzip_members(tmp_path) -> None:
    archive = CrawlArchive(tmp_path, partition_key="d", crawl_run_id=1, host="h", max_file_bytes=10**6)
    location = archive.write_response(**_page(1))
    archive.close()
    member = (tmp_path / "d" / "crawl-000001-h-0001.warc.gz").read_bytes()[location.offset:][: location.length]
    assert member[:3] == b"\x1f\x8b\x08"
    assert GZIP_LEVEL == 3
    raw = gzip.decompress(member)
    deflated = zlib.compress(raw, GZIP_LEVEL)[2:-4]  # without zlib's header and checksum
    assert member[10:-8] == deflated, "the record is not one gzip member deflated at GZIP_LEVEL"
    assert zlib.compress(raw, 9)[2:-4] != deflated


def test_a_record_is_read_by_file_offset_and_length_from_another_process(tmp_path) -> None:
    archive = CrawlArchive(f"file://{tmp_path}/shared", partition_key="2026-03-04", crawl_run_id=5,
                           host="crawler-1", max_file_bytes=10**6)
    locations = [archive.write_response(**_page(n)) for n in range(3)]
    archive.close()
    assert locations[1].path == f"file://{tmp_path}/shared/2026-03-04/crawl-000005-crawler-1-0001.warc.gz"
    # Another worker: a separate interpreter given only (file, offset, length).
    where = locations[1]
    script = ("import sys; from pipelines.archive import read_response as r; "
              "print(r(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])).fetch_id)")
    result = subprocess.run([sys.executable, "-c", script, where.path, str(where.offset), str(where.length)],
                            capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "f1"


def test_an_object_store_url_through_fsspec(tmp_path) -> None:
    base = f"memory://storyline-{uuid.uuid4().hex}/archive"
    archive = CrawlArchive(base, partition_key="2026-03-04", crawl_run_id=77, host="w2", max_file_bytes=2000)
    pages = [_page(n) for n in range(4)]
    locations = [archive.write_response(**page) for page in pages]
    archive.close()
    assert all(location.path.startswith(f"{base}/2026-03-04/crawl-000077-w2-") for location in locations)
    assert len(archive.paths) > 1
    for page, location in zip(pages, locations, strict=True):
        assert read_response(location.path, location.offset, location.length).body == page["body"]
        assert read_response(location.path, location.offset).body == page["body"]  # without length, too
    # An object store cannot append: a file at a URL is only ever written new.
    with pytest.raises(FileExistsError, match="cannot be appended"):
        WarcArchive(archive.paths[0])


def test_bad_reads_name_the_file(tmp_path) -> None:
    archive = CrawlArchive(tmp_path, partition_key="d", crawl_run_id=1, host="h", max_file_bytes=10**6)
    location = archive.write_response(**_page(1))
    archive.close()
    with pytest.raises(ValueError, match=r"ends before byte"):
        read_response(location.path, location.offset, location.length + 10)
    with pytest.raises(ValueError, match=r"no WARC response record at offset 0"):
        read_response(location.path, 0, location.offset)  # the warcinfo record
    with pytest.raises(FileNotFoundError):
        read_response(str(tmp_path / "gone.warc.gz"), 0, 10)
    with pytest.raises(FileNotFoundError):
        read_response(f"memory://storyline-{uuid.uuid4().hex}/gone.warc.gz", 0, 10)


@pytest.mark.slow
def test_a_demo_crawl_into_a_url_rolls_files_that_replay_every_fetch(demo_site, tmp_path, monkeypatch) -> None:
    from sqlalchemy import select

    from pipelines.warehouse.db import make_engine, session_scope
    from pipelines.warehouse.migrate import upgrade
    from pipelines.warehouse.models import CrawlRun, Fetch
    from tests.conftest import demo_config_with, run_crawl

    monkeypatch.setenv("STORYLINE_ARCHIVE_DIR", f"file://{tmp_path}/shared-archive")
    config = demo_config_with(tmp_path, "archive", max_file_bytes=20_000)
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    upgrade(url)

    assert run_crawl(config, url)["status"] == "succeeded"

    engine = make_engine(url)
    with session_scope(engine) as session:
        run = session.scalars(select(CrawlRun)).one()
        fetches = session.scalars(select(Fetch).where(Fetch.warc_path.is_not(None))).all()
    engine.dispose()
    files = sorted({fetch.warc_path for fetch in fetches})
    prefix = f"file://{tmp_path}/shared-archive/{run.partition_key}/crawl-{run.id:06d}-"
    assert run.warc_path == files[0] and run.warc_path.startswith(prefix) and run.warc_path.endswith("-0001.warc.gz")
    assert len(files) >= 3, "the crawl did not roll over to new serials"
    for fetch in fetches:
        archived = read_response(fetch.warc_path, fetch.warc_offset, fetch.warc_length)
        assert archived.fetch_id == fetch.id
        assert hashlib.sha256(archived.body).hexdigest() == fetch.body_sha256


def test_the_roll_over_size_is_configured_and_checked() -> None:
    from pipelines.config import ConfigError, parse_config

    sources = [{"name": "Quay", "feeds": ["https://quay.example/rss"]}]
    assert parse_config({"sources": sources}).archive_max_file_bytes == 1024**3
    config = parse_config({"archive": {"dir": "s3://news/archive", "max_file_bytes": 5000}, "sources": sources})
    assert (config.archive_dir, config.archive_max_file_bytes) == ("s3://news/archive", 5000)
    with pytest.raises(ConfigError, match=r"archive.max_file_bytes: expected a whole number of bytes >= 1"):
        parse_config({"archive": {"max_file_bytes": 0}, "sources": sources})
