"""Decoding and normalization of text files: the one place where bytes become text.

UTF-8 with or without BOM and UTF-16 with BOM are read directly; anything else is detected with
charset-normalizer and accepted only when the detection is unambiguous, otherwise the error names
the file and gives the iconv command that fixes it.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from eval.errors import InputError

log = logging.getLogger(__name__)

#: Invisible characters with no role in spelling: zero-width space, word joiner, BOM, soft hyphen. ZWNJ and
#: ZWJ (U+200C/U+200D) are letters' business in Persian, Kurdish, Indic scripts and emoji: they stay.
_ZERO_WIDTH = re.compile("[\u200b\u2060\ufeff\u00ad]")
_IN_LINE_BREAKS = re.compile("[\u2028\u2029\x85\x0b\x0c]")
_HSPACE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
#: Cleanly-decoded share that charset-normalizer must reach before we trust a non-UTF-8 guess.
_MAX_CHAOS = 0.1


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    sha256: str


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def decode_bytes(data: bytes, where: str) -> tuple[str, str]:
    """Bytes → (text, encoding name). Raises InputError naming ``where`` when undecidable."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.chaos > _MAX_CHAOS:
        raise InputError(
            f"{where}: not valid UTF-8 (byte {utf8_error.start}: {utf8_error.reason}) and the encoding could not "
            f"be detected; convert it, e.g. `iconv -f WINDOWS-1252 -t UTF-8 {where} > fixed.txt`"
        )
    log.warning("%s: not UTF-8, decoded as %s (detected)", where, best.encoding)
    return str(best), best.encoding


def normalize_text(text: str) -> str:
    """NFC, Unix newlines, no invisible formatting characters (``_ZERO_WIDTH``), single spaces, no trailing blanks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = unicodedata.normalize("NFC", text)
    text = _ZERO_WIDTH.sub("", text)
    lines = [_HSPACE.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines)


def normalize_line(line: str) -> str:
    """One segment of a line-aligned file as a run reads it: ``normalize_text`` with an in-line break
    (U+2028/U+2029, NEL, vertical tab, form feed) read as a space."""
    return normalize_text(_IN_LINE_BREAKS.sub(" ", line))


def _read_decoded(path: str | Path) -> tuple[str, str, str]:
    """(decoded text, encoding, SHA-256 of the bytes); a missing or empty file is an InputError."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: file not found; check the path in the corpus manifest or config")
    data = p.read_bytes()
    text, encoding = decode_bytes(data, str(p))
    if not text.strip():
        raise InputError(f"{p}: the document is empty; put the text in it or remove it from the manifest")
    return text, encoding, hashlib.sha256(data).hexdigest()


def read_text(path: str | Path) -> DecodedText:
    """Read, decode and normalize one text file; a missing or empty file is an InputError."""
    text, encoding, sha = _read_decoded(path)
    text = normalize_text(text)
    if not text.strip():
        raise InputError(f"{path}: the document is empty; put the text in it or remove it from the manifest")
    return DecodedText(text=text, encoding=encoding, sha256=sha)


def read_raw(path: str | Path) -> tuple[str, str]:
    """Decoded text with Unix newlines but otherwise untouched (for TSV/JSONL), and its SHA-256."""
    text, _, sha = _read_decoded(path)
    return text.replace("\r\n", "\n").replace("\r", "\n"), sha


def text_lines(text: str) -> list[str]:
    """The lines a Python text file yields (universal newlines: \\n, \\r\\n, \\r), without their ends.

    Not ``str.splitlines``, which also breaks at U+2028, NEL or a form feed inside a line. A final
    newline ends the last line; it does not start another.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and not lines[-1]:
        lines.pop()
    return lines


def read_lines(path: str | Path) -> tuple[list[str], str]:
    """A line-aligned file: one segment per line (blank lines kept as empty segments, final newline ignored).

    Lines are what a Python text file (sacrebleu's reader) yields: split at \\n, \\r\\n and \\r only.
    A U+2028/U+2029, NEL, vertical tab or form feed inside a line is a space here, not a break: a
    break would shift every later segment against the reference and against sacrebleu's count.
    """
    text, _, sha = _read_decoded(path)
    lines = [normalize_line(line) for line in text_lines(text)]
    while lines and lines[-1] == "":
        lines.pop()
    if not any(lines):
        raise InputError(f"{path}: the document is empty; put the text in it or remove it from the manifest")
    return lines, sha
