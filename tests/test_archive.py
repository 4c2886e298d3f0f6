"""The raw archive: gzipped WARC records that warcio reads in sequence and by offset."""

from __future__ import annotations

import gzip

from warcio.archiveiterator import ArchiveIterator

from pipelines.archive import WarcArchive, read_response


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
