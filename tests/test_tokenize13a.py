"""eval.scoring.tokenize13a against sacrebleu's Tokenizer13a (as BLEU preprocesses), string for string.

Exhaustive over every string of up to 6 characters from an alphabet that exercises each 13a rule
(digits next to '.', ',' and '-', entities, line breaks), plus random fuzz with long runs of
punctuation, entities, '<skipped>', non-ASCII letters and the batch separator itself; both the C
scanner and the ``re`` fallback are checked.
"""

from __future__ import annotations

import functools
import itertools
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from sacrebleu.metrics import BLEU

from eval.scoring import tokenize13a as t13

ROOT = Path(__file__).resolve().parents[1]
IMPLS = [pytest.param(t13.regexp_py, id="re")] + (
    [pytest.param(t13.regexp_c, id="c")] if t13.regexp_c is not None else []
)


_CACHE: dict[tuple[int, bool], list[str]] = {}


def _expected(lines: list[str], lowercase: bool = False) -> list[str]:
    """sacrebleu's output, computed once per input list (both implementations compare to it)."""
    key = (id(lines), lowercase)
    if key not in _CACHE:
        scorer = BLEU(lowercase=lowercase)
        _CACHE[key] = [scorer._preprocess_segment(line) for line in lines]
    return _CACHE[key]


EXHAUSTIVE = ["".join(p) for n in range(7) for p in itertools.product("a1.,-& \n", repeat=n)]


@functools.cache
def _fuzz(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    pieces = ["&quot;", "&amp;", "&lt;", "&gt;", "&amp;lt;", "&", "<skipped>", "-\n", "\n", ".", ",", "-", "...",
              "1", "22", "3.5", "a", "Word", "ΑΣ", "Σ", "é", " ", "  ", "\t", "(", ")", "'", '"', "/", "%", "$",
              "\u00a0", "\u2028", "\x1c", "\x00", "--", ",,", "..1", "1-"]  # fmt: skip
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 30))) for _ in range(n)]


@functools.cache
def _fuzz_clean(n: int) -> list[str]:
    return [line.replace(t13.SEP, "") for line in _fuzz(n)]


@pytest.fixture(params=IMPLS)
def regexp(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], str]:
    monkeypatch.setattr(t13, "_regexp", request.param)
    return request.param


def test_exhaustive_short_strings(regexp: Callable[[str], str]) -> None:
    assert len(EXHAUSTIVE) == 299593
    assert t13.tokenize_13a_many(EXHAUSTIVE) == _expected(EXHAUSTIVE)


@pytest.mark.parametrize("lowercase", [False, True])
def test_fuzz_and_separator_fallback(regexp: Callable[[str], str], lowercase: bool) -> None:
    lines = _fuzz(10000)
    assert any(t13.SEP in line for line in lines)  # exercises the line-by-line fallback
    assert t13.tokenize_13a_many(lines, lowercase) == _expected(lines, lowercase)
    clean = _fuzz_clean(10000)
    assert t13.joined_13a(clean, lowercase) is not None
    assert t13.tokenize_13a_many(clean, lowercase) == _expected(clean, lowercase)
    assert t13.split_13a_many(clean, lowercase) == [s.split() for s in _expected(clean, lowercase)]


@functools.cache
def _real_lines() -> list[str]:
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_significance import make_corpus

    lines = [line for p in sorted(ROOT.glob("data/corpora/*/*.txt")) for line in p.read_text("utf-8").split("\n")]
    refs, systems = make_corpus(300, 4)
    return lines + refs + [h for hyps in systems.values() for h in hyps]


def test_corpora_and_benchmark_lines(regexp: Callable[[str], str]) -> None:
    lines = _real_lines()
    for lowercase in (False, True):
        assert t13.tokenize_13a_many(lines, lowercase) == _expected(lines, lowercase)


def test_single_line_and_empty_input() -> None:
    assert t13.tokenize_13a_many([]) == []
    assert t13.tokenize_13a("a&amp;b, 1-2 (c).") == BLEU()._preprocess_segment("a&amp;b, 1-2 (c).")


def test_is_13a_only_for_sacrebleus_own_class() -> None:
    assert t13.is_13a(BLEU().tokenizer)
    assert not t13.is_13a(BLEU(tokenize="none").tokenizer)
    assert not t13.is_13a(BLEU(tokenize="intl").tokenizer)
