"""sacrebleu's 13a tokenizer (BLEU's default) over many segments at once, output identical.

Why: ``Tokenizer13a`` runs four ``re.sub`` calls with template replacements, which Python 3.11
expands in Python code once per match; over 22,000 segments that is most of BLEU's preprocessing.
Here the same operations run at C speed on one joined string, in the C extension
(``_ngrams.regexp13a``, a linear scan that resumes where sre resumes) or, without it, in ``re``:

- step 1 (one character of a class → `` c ``) is ``re.split`` with one capturing group joined
  with spaces, which builds the identical string;
- steps 2–4 use a C-level callable replacement (``str.format`` of the match groups);
- every segment is padded ``" line "`` as 13a does, and the segments are joined with a separator
  character that no pattern can match next to a space, so no match crosses two segments and the
  left-to-right scan enters every segment exactly as it would alone. Segments that contain the
  separator fall back to one call each.

Lowercasing and ``rstrip`` stay per segment (``str.lower`` is context sensitive for the Greek
final sigma, so it must not see the neighbouring segment).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

logger = logging.getLogger(__name__)

SEP = "\x00"  # joins segments; no 13a pattern matches it next to a space
_STEP1 = re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])")
_STEPS = (
    (re.compile(r"([^0-9])([\.,])"), "{0[1]} {0[2]} ".format),
    (re.compile(r"([\.,])([^0-9])"), " {0[1]} {0[2]}".format),
    (re.compile(r"([0-9])(-)"), "{0[1]} {0[2]} ".format),
)


def is_13a(tokenizer: Any) -> bool:
    """True for sacrebleu's own Tokenizer13a (a subclass could change its behaviour)."""
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    return type(tokenizer) is Tokenizer13a


def _language_independent(text: str) -> str:
    """13a's string replacements; the entity ones only change text that contains '&'."""
    text = text.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in text:
        text = text.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    return text


def regexp_py(text: str) -> str:
    """TokenizerRegexp's substitutions, without the final whitespace normalisation."""
    text = " ".join(_STEP1.split(text))
    for pattern, repl in _STEPS:
        text = pattern.sub(repl, text)
    return text


def _load_c() -> Callable[[str], str] | None:
    try:
        from eval.scoring._ngrams import regexp13a
    except ImportError:  # no compiler at install time: the re path is exact too, only slower
        logger.debug("eval.scoring._ngrams not built: 13a tokenization uses re")
        return None
    return regexp13a


regexp_c = _load_c()
_regexp: Callable[[str], str] = regexp_c or regexp_py


def tokenize_13a(line: str) -> str:
    """One segment, exactly ``Tokenizer13a()(line)``."""
    return " ".join(_regexp(f" {_language_independent(line)} ").split())


def tokenize_13a_many(lines: Sequence[str], lowercase: bool = False) -> list[str]:
    """``BLEU._preprocess_segment`` with the 13a tokenizer for every line: lowercase, rstrip, 13a."""
    return [" ".join(tokens) for tokens in split_13a_many(lines, lowercase)]


def split_13a_many(lines: Sequence[str], lowercase: bool = False) -> list[list[str]]:
    """The tokens of every line, i.e. ``tokenize_13a_many(...)[i].split()`` without the round trip."""
    joined = joined_13a(lines, lowercase)
    if joined is None:
        return [tokenize_13a((d.lower() if lowercase else d).rstrip()).split() for d in lines]
    return [part.split() for part in joined.split(SEP)] if lines else []


def joined_13a(lines: Sequence[str], lowercase: bool = False) -> str | None:
    """All lines tokenized in one string, separated by `` SEP `` (whitespace not yet squeezed).

    None when a line contains ``SEP`` itself (then tokenize line by line).
    """
    docs = [d.lower() for d in lines] if lowercase else lines
    docs = [d.rstrip() for d in docs]
    if any(SEP in d for d in docs):
        return None
    # the replacements never create or consume the separator, so one pass equals one per segment
    return _regexp(_language_independent(" " + f" {SEP} ".join(docs) + " "))
