"""Fetched bytes to text: honour a right declared charset, overrule a wrong one, undo mojibake."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
# UTF-8 read as cp1252: a lead byte shown as Ã, Â, â… followed by continuation characters.
_CONT = (  # characters a UTF-8 continuation byte turns into under cp1252
    "\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u20ac\u2122"
)
_MOJIBAKE = re.compile(f"[\u00c2-\u00df][{_CONT}]|[\u00e0-\u00ef][{_CONT}]{{2}}")
_MOJIBAKE_RUN = re.compile(f"[\u00c2-\u00ef{_CONT}]{{2,}}")
# The same first pair as _MOJIBAKE, UTF-8 encoded: a byte search is ~30x faster than the str one
# and finds nothing on almost every page, so the str search only runs where it can match.
_MOJIBAKE_BYTES = re.compile(
    rb"\xc3[\x82-\xaf](?:\xc2[\x80-\xbf]|\xc5[\x92\x93\xa0\xa1\xb8\xbd\xbe]|\xc6\x92|"
    rb"\xcb[\x86\x9c]|\xe2\x80[\x98-\xba]|\xe2\x82\xac|\xe2\x84\xa2)"
)
# Control characters no text uses: C0 except tab, newlines and form feed; DEL; C1. Bytes that are
# not text decode to these under every single-byte charset (about 11% of random bytes) and under
# UTF-8 and the CJK charsets alike; real pages in any script have next to none.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_BINARY_CONTROL_SHARE = 0.05
_BINARY_SAMPLE = 4096  # characters read at the start, middle and end of the text


def _lookup(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def declared_charset(raw: bytes, http_content_type: str | None = None) -> str | None:
    """Return the charset the HTTP header or the page's <meta> declares, normalised, or None."""
    if http_content_type:
        match = _HTTP_CHARSET.search(http_content_type)
        if match and _lookup(match.group(1)):
            return _lookup(match.group(1))
    match = _META_CHARSET.search(raw[:4096])
    if match:
        return _lookup(match.group(1).decode("ascii", "ignore"))
    return None


_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b")


def looks_binary_bytes(raw: bytes | str) -> bool:
    """Return True when raw input is plainly not text before decoding: a PDF, image, zip or
    gzip signature, or NUL bytes (UTF-16 with its byte order mark excepted)."""
    sample = raw[:2048]
    if isinstance(sample, str):
        return sample.count("\x00") > 8
    if sample.startswith(_BINARY_MAGIC):
        return True
    return sample.count(b"\x00") > 8 and not sample.startswith((b"\xff\xfe", b"\xfe\xff"))


def looks_binary(text: str) -> bool:
    """Return True when text is decoded binary data: over 5% control characters in a sample."""
    if len(text) <= 3 * _BINARY_SAMPLE:
        sample = text
    else:
        middle = (len(text) - _BINARY_SAMPLE) // 2
        sample = (text[:_BINARY_SAMPLE] + text[middle:middle + _BINARY_SAMPLE]
                  + text[-_BINARY_SAMPLE:])
    return len(_CONTROL.findall(sample)) > _BINARY_CONTROL_SHARE * max(len(sample), 100)


def decode_html(raw: bytes | str, http_content_type: str | None = None) -> tuple[str, str | None]:
    """Return (text, note): text decoded and repaired; note says what was overruled, else None."""
    if isinstance(raw, str):
        return _repaired(raw, None)
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return _repaired(raw.decode(name, "replace"), None)
    declared = declared_charset(raw, http_content_type)
    note = None
    utf8: bytes | None = None  # text's UTF-8 bytes, when raw is them
    # Valid UTF-8 with non-ASCII bytes is almost never another encoding: trust it over a label.
    try:
        text = raw.decode("utf-8")
        utf8 = raw
        if declared not in (None, "utf-8") and not raw.isascii():
            note = f"declared charset {declared} overruled: bytes are valid UTF-8"
    except UnicodeDecodeError:
        text = ""
        if declared and declared != "utf-8":
            try:
                text = raw.decode(declared)
            except UnicodeDecodeError:
                text = ""
        if not text:
            best = from_bytes(raw[:200_000]).best()
            guess = best.encoding if best else "cp1252"
            # WHATWG's default for unlabelled Western pages; the detector confuses cp125x siblings.
            if guess.startswith(("cp125", "iso8859", "latin", "mac")):
                guess = "cp1252"
            text = raw.decode(guess, "replace")
            if declared:
                note = f"declared charset {declared} overruled: decoded as {guess}"
    return _repaired(text, note, utf8)


def _repaired(text: str, note: str | None,
              utf8: bytes | None = None) -> tuple[str, str | None]:
    """Return (text, note) with mojibake repaired and noted; decoded binary is left alone."""
    if looks_binary(text):
        return text, note
    text, fix_note = repair_mojibake(text, utf8)
    return text, "; ".join(n for n in (note, fix_note) if n) or None


def _fix_run(match: re.Match[str]) -> str:
    run = match.group(0)
    data = bytearray()
    for char in run:
        try:
            data += char.encode("cp1252")
        except UnicodeEncodeError:
            if ord(char) > 0xFF:
                return run
            data.append(ord(char))  # bytes cp1252 leaves undefined survive as U+0080..U+009F
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return run


def repair_mojibake(text: str, utf8: bytes | None = None) -> tuple[str, str | None]:
    """Return (text, note): UTF-8-read-as-cp1252 runs re-decoded when they are clearly mojibake.

    utf8, when given, must be text's UTF-8 encoding (the fetched bytes it was decoded from):
    the first test searches it instead of encoding text again.
    """
    if text.isascii():
        return text, None
    if utf8 is None:
        utf8 = text.encode("utf-8", "surrogatepass")
    if _MOJIBAKE_BYTES.search(utf8) is None:
        return text, None
    if _MOJIBAKE.search(text) is None:
        return text, None
    hits = len(_MOJIBAKE.findall(text))
    if hits < 2:
        return text, None
    fixed = _MOJIBAKE_RUN.sub(_fix_run, text)
    if fixed == text:
        return text, None
    return fixed, f"repaired mojibake ({hits} sequences)"
