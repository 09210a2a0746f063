"""python -m eval.scoring.paired_cli against the sacrebleu CLI: same files, same flags, same bytes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "significance"
ROOT = Path(__file__).resolve().parents[1]
SACREBLEU = Path(sys.executable).parent / "sacrebleu"
FILES = ["ref.txt", "-i", "base.txt", "sys01.txt", "sys02.txt", "sys03.txt"]


def _run(cmd: list[str], seed: str = "12345") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SACREBLEU_SEED": seed, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    return subprocess.run(cmd, cwd=DATA, env=env, capture_output=True, text=True)


def _harness(*args: str, seed: str = "12345") -> subprocess.CompletedProcess[str]:
    return _run([sys.executable, "-m", "eval.scoring.paired_cli", *args], seed)


@pytest.mark.integration
@pytest.mark.parametrize("jobs", ["0", "1"])
@pytest.mark.parametrize(
    "flags",
    [
        ["-m", "bleu", "chrf", "--paired-bs", "-f", "json"],
        ["-m", "chrf", "bleu", "--paired-ar", "--paired-ar-n", "500", "-f", "json"],
        ["-m", "bleu", "chrf", "--paired-bs", "--paired-bs-n", "200", "-f", "text", "-w", "3"],
        ["-m", "bleu", "--paired-bs", "-lc", "-tok", "intl", "-f", "json"],
        ["-m", "chrf", "--paired-bs", "-cw", "2", "-f", "json"],
    ],
)
def test_output_identical_to_sacrebleu(flags: list[str], jobs: str) -> None:
    """Both with the metrics in two threads (default) and one after the other (-j 1)."""
    ours = _harness(*FILES, *flags, "--paired-jobs", jobs)
    assert ours.returncode == 0, ours.stderr
    theirs = _run([str(SACREBLEU), *FILES, *flags])
    assert ours.stdout == theirs.stdout


@pytest.mark.integration
def test_seed_flag_equals_sacrebleu_seed_variable() -> None:
    flags = ["-m", "bleu", "--paired-bs", "--paired-bs-n", "300", "-f", "json"]
    assert _harness(*FILES, *flags, "--seed", "42").stdout == _run([str(SACREBLEU), *FILES, *flags], seed="42").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ref.txt", "-i", "base.txt", "missing.txt", "--paired-bs"], "cannot read missing.txt"),
        (["ref.txt", "-i", "base.txt", "--paired-bs"], "at least two systems"),
        (["ref.txt", "-i", "base.txt", "sys01.txt", "sys01.txt", "--paired-bs"], "given twice"),
    ],
)
def test_errors_exit_2_with_one_line(args: list[str], message: str) -> None:
    res = _harness(*args)
    assert res.returncode == 2
    assert message in res.stderr and res.stderr.count("\n") == 1 and "Traceback" not in res.stderr


def test_length_mismatch_is_a_metric_error(tmp_path: Path) -> None:
    short = tmp_path / "short.txt"
    short.write_text("one line\n", encoding="utf-8")
    res = _harness("ref.txt", "-i", "base.txt", str(short), "--paired-bs")
    assert res.returncode == 2 and "segments" in res.stderr and "Traceback" not in res.stderr


def test_read_lines_like_sacrebleu(tmp_path: Path) -> None:
    from eval.scoring.paired_cli import read_lines

    path = tmp_path / "x.txt"
    path.write_bytes("a \r\nb\u2028c\t\n\nd".encode())
    with open(path, encoding="utf-8", newline="\n") as handle:
        expected = [line.rstrip() for line in handle]
    assert read_lines(str(path)) == expected
    path.write_bytes(b"")
    assert read_lines(str(path)) == []


@pytest.mark.integration
def test_language_pair_picks_the_target_tokenizer_as_sacrebleu(tmp_path: Path) -> None:
    # -l en-zh makes sacrebleu tokenize Chinese with its zh tokenizer; 13a would read each line as one word.
    lines = {
        "ref.zh": ["内政部长在里昂主持了警察局长会议。", "代表团介绍了一份报告。", "下一次会议将于明年在开罗举行。"],
        "a.zh": ["内政部长在里昂主持了警察首脑会议。", "代表团提交了一份报告。", "下一次会议将于明年在开罗举行。"],
        "b.zh": ["外交部长在巴黎主持了警察局长会议。", "代表团介绍了报告。", "下次会议明年在开罗举行。"],
    }
    for name, text in lines.items():
        (tmp_path / name).write_text("\n".join(text) + "\n", encoding="utf-8")
    args = ["ref.zh", "-i", "a.zh", "b.zh", "-m", "bleu", "--paired-bs", "-l", "en-zh", "-f", "json"]
    env = {**os.environ, "SACREBLEU_SEED": "12345", "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    ours = subprocess.run(
        [sys.executable, "-m", "eval.scoring.paired_cli", *args], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    theirs = subprocess.run([str(SACREBLEU), *args], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == theirs.stdout
    import sacrebleu

    zh = sacrebleu.corpus_bleu(lines["a.zh"], [lines["ref.zh"]], tokenize="zh").score
    assert f'"score": {zh!r}' in ours.stdout and zh > 50  # 13a: a line is one word, BLEU near 0
