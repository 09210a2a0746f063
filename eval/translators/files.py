"""MT outputs a user already has (any engine, run elsewhere), read from line-aligned text files."""

from __future__ import annotations

from pathlib import Path

from eval.errors import ConfigError, InputError
from eval.translators.base import Translation, Translator


def _parse_pair(key: str) -> tuple[str, str]:
    parts = key.split("-")
    if len(parts) != 2 or not all(parts):
        raise ConfigError(f"translator.outputs key {key!r} is not 'src-tgt' (e.g. 'fr-es')")
    return parts[0], parts[1]


def read_lines(path: Path) -> list[str]:
    """UTF-8 lines, BOM and CRLF tolerated; a final newline does not add an empty line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputError(f"MT output file {path} does not exist: fix translator.outputs") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"MT output file {path} is not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise InputError(f"MT output file {path} cannot be read: {exc}") from exc
    text = text.replace("\r\n", "\n")
    if not text:
        return []
    return text.removesuffix("\n").split("\n")


class FilesTranslator(Translator):
    """One file per pair, one output line per input line; ``outputs`` maps "src-tgt" to a path."""

    name = "files"

    def __init__(self, outputs: dict[str, str] | None = None) -> None:
        self.outputs: dict[tuple[str, str], Path] = {
            _parse_pair(str(k)): Path(str(v)).expanduser() for k, v in (outputs or {}).items()
        }

    def pairs(self) -> set[tuple[str, str]]:
        return set(self.outputs)

    def translate(self, lines: list[str], src: str, tgt: str) -> Translation:
        path = self.outputs.get((src, tgt))
        if path is None:
            raise ConfigError(self.not_covered_reason(src, tgt) + f": add translator.outputs.{src}-{tgt}=<file>")
        out = read_lines(path)
        if len(out) != len(lines):
            raise InputError(
                f"{len(out)} lines in {path.name} vs {len(lines)} source segments ({path}): "
                "the file must hold one translation per source line"
            )
        return Translation(lines=out, unknown=[[] for _ in out], route=f"files {path.name}")
