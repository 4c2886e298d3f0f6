"""Where archive files live: a local (or shared, mounted) directory, or an fsspec URL.

``archive.dir`` is a plain path by default (``data/archive``, or a mount every worker
shares such as ``/srv/storyline/archive``) and may be any URL fsspec knows, such as
``s3://bucket/archive`` (with ``s3fs`` installed) or ``file:///srv/archive``. Plain paths
use the operating system directly; URLs go through fsspec, imported only then.

An object store cannot append to a file: a file written through a URL is readable by
other workers once it is closed (rolled over or at the end of the crawl).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO


def is_url(location: str | os.PathLike[str]) -> bool:
    """True when ``location`` is a URL with a protocol (``s3://…``, ``file://…``)."""
    return "://" in str(location)


def join(base: str | os.PathLike[str], *parts: str) -> str:
    """Return ``base`` with ``parts`` appended, keeping a URL's ``//`` intact."""
    if is_url(base):
        return "/".join([str(base).rstrip("/"), *parts])
    return str(Path(base, *parts))


def exists(location: str) -> bool:
    """True when a file exists at ``location``."""
    if is_url(location):
        filesystem, path = _filesystem(location)
        return filesystem.exists(path)
    return os.path.exists(location)


def open_for_writing(location: str) -> BinaryIO:
    """Open ``location`` to add bytes at its end, creating it and its folders if needed.

    A local file is opened for appending; a URL must name a new file (object stores do
    not append). Raises ``FileExistsError`` for an existing URL and ``OSError`` when the
    place cannot be written.
    """
    if not is_url(location):
        Path(location).parent.mkdir(parents=True, exist_ok=True)
        return open(location, "ab")  # noqa: SIM115 - the caller closes it
    filesystem, path = _filesystem(location)
    if filesystem.exists(path):
        raise FileExistsError(f"{location}: already exists, and a file at a URL cannot be appended to")
    filesystem.makedirs(filesystem._parent(path), exist_ok=True)
    return filesystem.open(path, "wb")


def read_range(location: str, offset: int, length: int) -> bytes:
    """Return ``length`` bytes of ``location`` from ``offset`` (one ranged read on a store).

    Raises ``FileNotFoundError`` when the file is gone and ``ValueError`` when it ends
    before ``offset + length``.
    """
    if is_url(location):
        filesystem, path = _filesystem(location)
        data = filesystem.cat_file(path, start=offset, end=offset + length)
    else:
        with open(location, "rb") as handle:
            handle.seek(offset)
            data = handle.read(length)
    if len(data) != length:
        raise ValueError(f"{location}: ends before byte {offset + length} ({len(data)} of {length} read)")
    return data


def open_for_reading(location: str) -> BinaryIO:
    """Open ``location`` for reading; raises ``FileNotFoundError`` when it is gone."""
    if is_url(location):
        filesystem, path = _filesystem(location)
        return filesystem.open(path, "rb")
    return open(location, "rb")  # noqa: SIM115 - the caller closes it


def _filesystem(location: str):  # noqa: ANN202 - fsspec's types are imported lazily
    import fsspec

    return fsspec.core.url_to_fs(location)
