"""Bad input and faults through the CLI (README "Bad input and faults"): each ends in one clear line or a
correct result, with no traceback, nothing left in results/.tmp, and a rerun that works."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from eval.config import PROJECT_ROOT
from tests.clirun import completed_runs, run_cli
from tests.faultkit import (
    BRIDGED_MANIFEST,
    assert_clean_failure,
    assert_rerun_works,
    blocking_apertium,
    bridged,
    cheap,
    fake_apertium,
    fill,
    harness,
    leftovers,
    needs_root,
    release,
    tmpfs,
    toy_corpus,
    wait_until_started,
)

pytestmark = pytest.mark.integration


# -- configuration: one line before any work ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("override", "pattern"),
    [
        ("threads=abc", r"config key threads='abc' is invalid: expected an integer from 1 to 1024"),
        ("threads=-3", r"config key threads=-3 is invalid: expected an integer from 1 to 1024"),
        ("bootstrap.n_samples=abc", r"config key bootstrap.n_samples='abc' is invalid: expected an integer >= 1"),
        ("align.on_unalignable=later", r"align.on_unalignable='later' is invalid: expected one of skip, error"),
    ],
)
def test_bad_config_value_is_one_line_before_any_work(tmp_path: Path, override: str, pattern: str) -> None:
    corpus, results = toy_corpus(tmp_path), tmp_path / "results"
    res = run_cli(results, *cheap(corpus), override)
    assert_clean_failure(results, res, pattern)
    assert not (results / ".tmp").exists()  # refused before Hydra made a folder
    assert_rerun_works(results, *cheap(corpus))


# -- manifests and glossaries --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("broken", "pattern"),
    [
        ("reference: {file: ref.es", r"manifest\.yaml:5: unknown key 'refrence'; did you mean 'reference'\?"),
        ("{name: sysA, file: sysA.es", r"manifest\.yaml:7: unknown key 'fiel' in system #1; did you mean 'file'\?"),
    ],
)
def test_typo_in_line_aligned_manifest_names_the_key(tmp_path: Path, broken: str, pattern: str) -> None:
    corpus, results = toy_corpus(tmp_path), tmp_path / "results"
    manifest = corpus / "manifest.yaml"
    good = manifest.read_text(encoding="utf-8")
    typo = broken.replace("reference:", "refrence:").replace("file: sysA", "fiel: sysA")
    manifest.write_text(good.replace(broken, typo), encoding="utf-8")
    assert_clean_failure(results, run_cli(results, *cheap(corpus)), pattern)
    manifest.write_text(good, encoding="utf-8")
    assert_rerun_works(results, *cheap(corpus))


def test_jsonl_line_that_is_not_an_object(tmp_path: Path) -> None:
    src = PROJECT_ROOT / "tests" / "data" / "linealigned" / "jsonl"
    corpus, results = tmp_path / "jsonl", tmp_path / "results"
    import shutil

    shutil.copytree(src, corpus)
    data = corpus / "test.jsonl"
    good = data.read_text(encoding="utf-8")
    lines = good.splitlines()
    data.write_text("\n".join([lines[0], '["a", "list"]', *lines[2:]]) + "\n", encoding="utf-8")
    overrides = [*cheap(corpus), "corpus.format=jsonl"]
    assert_clean_failure(results, run_cli(results, *overrides), r"test\.jsonl:2: expected one JSON object per line")
    data.write_text(good, encoding="utf-8")
    assert_rerun_works(results, *overrides)


GLOSSARY_HEADER = "term_es,fr,note\n"


def terminology(corpus: Path, glossary: Path) -> list[str]:
    return [
        "corpus=line-aligned",
        f"corpus.dir={corpus}",
        "~translator",
        "metric=[bleu]",
        "detector=[terminology]",
        f"detector.terminology.glossary={glossary}",
    ]


def test_unclosed_glossary_quote_is_reported_where_it_opens(tmp_path: Path) -> None:
    corpus, results = toy_corpus(tmp_path), tmp_path / "results"
    glossary = tmp_path / "glossary.csv"
    rows = ["reclutamiento,enrôlement,", 'drones,"drones,', *[f"término{i},terme{i}," for i in range(10)]]
    glossary.write_text(GLOSSARY_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    res = run_cli(results, *terminology(corpus, glossary))
    pattern = r"glossary\.csv:3: a quoted field opened on this line is not closed \(the reader ran on to line 13\)"
    assert_clean_failure(results, res, pattern)
    assert "skipped" not in res.stdout + res.stderr  # before any work
    assert_rerun_works(results, *cheap(corpus))


@pytest.mark.slow
def test_glossary_in_latin1_is_read_like_documents(tmp_path: Path) -> None:
    """A glossary saved in latin-1 is decoded (as documents are), not a UnicodeDecodeError traceback."""
    corpus, results = toy_corpus(tmp_path), tmp_path / "results"
    glossary = tmp_path / "glossary.csv"
    text = GLOSSARY_HEADER + "reclutamiento,enrôlement,sécurité nationale\nseguridad,sûreté,\n"
    glossary.write_bytes(text.encode("latin-1"))
    res = run_cli(results, *terminology(corpus, glossary))
    assert res.code == 0 and "Traceback" not in res.stderr, res.stderr[-2000:]
    assert "decoded as" in res.stdout + res.stderr  # the detection is said, as for documents
    assert leftovers(results) == []


# -- the results folder --------------------------------------------------------------------------------------------
@needs_root()
def test_read_only_results_folder_is_refused_before_any_work(tmp_path: Path) -> None:
    corpus = toy_corpus(tmp_path)
    with tmpfs(tmp_path / "ro", 1024, read_only=True) as results:
        res = run_cli(results, *cheap(corpus))
        assert res.code == 4 and "Traceback" not in res.stderr, res.stderr[-2000:]
        assert "is not writable (Read-only file system); set results_dir=" in res.stderr
    assert_rerun_works(tmp_path / "results", *cheap(corpus))


@needs_root()
def test_full_results_disk_is_refused_before_any_work(tmp_path: Path) -> None:
    corpus = toy_corpus(tmp_path)
    with tmpfs(tmp_path / "full", 2048) as results:
        res = run_cli(results, *cheap(corpus))  # min_free_mb: 100 by default, the disk has 2 MB
        assert_clean_failure(results, res, r"has 2\.0 MB free, a run needs at least 100 MB \(min_free_mb\)", code=4)
        assert_rerun_works(results, *cheap(corpus), "min_free_mb=1")


@needs_root()
def test_disk_full_while_writing_the_tables(tmp_path: Path) -> None:
    corpus = toy_corpus(tmp_path)
    with tmpfs(tmp_path / "disk", 1024) as results:
        filler = fill(results, leave_kb=48)  # room for Hydra's files and run.log, not for the tables and report
        res = run_cli(results, *cheap(corpus), "min_free_mb=0")
        assert_clean_failure(results, res, r"no space left on the device writing .*; free space under", code=4)
        filler.unlink()
        assert_rerun_works(results, *cheap(corpus), "min_free_mb=0")


@needs_root()
def test_full_cache_disk_is_a_warning_and_the_run_completes(tmp_path: Path) -> None:
    corpus, results = toy_corpus(tmp_path, BRIDGED_MANIFEST), tmp_path / "results"
    apertium = fake_apertium(tmp_path, "cat")
    with tmpfs(tmp_path / "cachedisk", 256) as cache:
        fill(cache, leave_kb=0)
        res = assert_rerun_works(results, *bridged(corpus, apertium, cache))
    said = res.stderr + res.stdout  # the store cannot even be created on a full disk
    assert "[eval.cache][WARNING]" in said and "running without the cache" in said, said[-2000:]


def test_hydra_run_dir_is_the_final_location(tmp_path: Path) -> None:
    corpus, results, wanted = toy_corpus(tmp_path), tmp_path / "results", tmp_path / "elsewhere" / "my-run"
    res = assert_rerun_works(results, *cheap(corpus), f"hydra.run.dir={wanted}")
    assert res.run_dir == wanted and (wanted / "run.log").is_file() and (wanted / ".hydra").is_dir()
    assert completed_runs(results) == []
    again = run_cli(results, *cheap(corpus), f"hydra.run.dir={wanted}")
    assert_clean_failure(results, again, r"hydra\.run\.dir=.*my-run already exists and is not empty")


def test_two_runs_started_together_never_share_a_folder(tmp_path: Path) -> None:
    corpus, results = toy_corpus(tmp_path), tmp_path / "results"
    now = "hydra.run.dir=" + str(results / "runs" / "same-second")  # the same final name for both
    procs = [harness(results, *cheap(corpus), now) for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-1500:] for _, err in outs]
    runs = completed_runs(results)
    assert [r.name for r in runs] == ["same-second", "same-second-1"]
    for run in runs:  # each log holds one run: one report written, from its own folder
        log = (run / "run.log").read_text(encoding="utf-8")
        assert log.count("wrote ") == 1, log
    assert leftovers(results) == []


# -- signals and dead runs -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_signal_is_a_message_and_leaves_nothing(tmp_path: Path, signum: int) -> None:
    corpus, results = toy_corpus(tmp_path, BRIDGED_MANIFEST), tmp_path / "results"
    apertium, ready, _ = blocking_apertium(tmp_path)
    proc = harness(results, *bridged(corpus, apertium, tmp_path / "cache"))
    wait_until_started(ready, proc)
    assert len(leftovers(results)) == 1  # the run is being written
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    name = signal.Signals(signum).name
    expected = "interrupted: no run folder written" if signum == signal.SIGINT else f"interrupted by {name}"
    assert proc.returncode == 128 + signum and expected in err, err[-2000:]
    assert "Traceback" not in err
    assert leftovers(results) == [] and completed_runs(results) == []
    assert_rerun_works(results, *cheap(corpus))


def test_killed_run_is_cleaned_by_the_next_run(tmp_path: Path) -> None:
    corpus, results = toy_corpus(tmp_path, BRIDGED_MANIFEST), tmp_path / "results"
    apertium, ready, hold = blocking_apertium(tmp_path)
    proc = harness(results, *bridged(corpus, apertium, tmp_path / "cache"))
    wait_until_started(ready, proc)
    proc.kill()  # SIGKILL: nothing can clean up, not even the harness's apertium child
    proc.communicate(timeout=60)
    release(hold)  # that child (the fake apertium's cat) would otherwise outlive the test
    (dead,) = leftovers(results)
    res = assert_rerun_works(results, *cheap(corpus))
    assert f"note: removed the temporary folder {dead}: its run (pid {proc.pid}) is dead" in res.stderr


def test_other_hosts_leftover_is_reported_not_removed(tmp_path: Path) -> None:
    corpus, results = toy_corpus(tmp_path), tmp_path / "results"
    foreign = results / ".tmp" / "20250101-000000_x.otherhost-1234-abcdef"
    foreign.mkdir(parents=True)
    res = run_cli(results, *cheap(corpus))
    assert res.code == 0 and foreign.is_dir()
    assert f"note: left the temporary folder {foreign}: run of host otherhost" in res.stderr


# -- the cache -----------------------------------------------------------------------------------------------------
def scores_of(run_dir: Path) -> list[tuple[str, str, float]]:
    df = pd.read_csv(run_dir / "scores.csv")
    ok = df[df.status == "ok"]
    return sorted(zip(ok.system, ok.metric, ok.score.round(6), strict=True))


def test_wrong_but_loadable_mt_entry_is_caught_and_recomputed(tmp_path: Path) -> None:
    """Two cached bridge translations swapped between their files: both parse, neither is served."""
    corpus, results, cache = toy_corpus(tmp_path, BRIDGED_MANIFEST), tmp_path / "results", tmp_path / "cache"
    apertium = fake_apertium(tmp_path, "sed 's/la /LA /g'")
    first = assert_rerun_works(results, *bridged(corpus, apertium, cache))
    entries = sorted(cache.rglob("*.val"))
    assert len(entries) >= 2
    a, b = entries[0].read_bytes(), entries[1].read_bytes()
    entries[0].write_bytes(b)
    entries[1].write_bytes(a)
    second = assert_rerun_works(results, *bridged(corpus, apertium, cache))
    assert second.run_dir is not None and first.run_dir is not None
    assert scores_of(second.run_dir) == scores_of(first.run_dir)
    said = second.stderr + second.stdout
    assert f"cache entry {entries[0]} failed its integrity check; recomputing it" in said, said[-2000:]


@pytest.mark.slow
def test_corrupt_embedding_entries_are_recomputed(tmp_path: Path) -> None:
    """An empty, a random-bytes, a truncated and a bit-flipped entry: each a miss, said with its path, and the
    scores equal the first run's (a bit-flipped vector used to make adequacy nan with status ok)."""
    corpus, results, cache = toy_corpus(tmp_path), tmp_path / "results", tmp_path / "cache"
    overrides = ["corpus=line-aligned", f"corpus.dir={corpus}", "~translator", "detector=[]"]
    overrides += ["metric=[bleu,adequacy]", f"cache.dir={cache}"]
    first = assert_rerun_works(results, *overrides)
    entries = sorted(cache.rglob("*.val"))
    assert len(entries) >= 4
    damage = [
        lambda d: b"",
        lambda d: os.urandom(len(d)),
        lambda d: d[: len(d) // 2],
        lambda d: d[:-9] + bytes([d[-9] ^ 0x40]) + d[-8:],
    ]
    for path, how in zip(entries, damage, strict=False):
        path.write_bytes(how(path.read_bytes()))
    second = assert_rerun_works(results, *overrides)
    assert first.run_dir is not None and second.run_dir is not None
    again, before = scores_of(second.run_dir), scores_of(first.run_dir)
    assert [r[:2] for r in again] == [r[:2] for r in before]  # no metric lost (a damaged vector made adequacy nan)
    # recomputed vectors come from a smaller batch (other padding): equal to float32 rounding, not bit for bit
    assert [r[2] for r in again] == pytest.approx([r[2] for r in before], abs=1e-4)
    said = second.stderr + second.stdout
    assert all(str(p) in said for p in entries[:4]), said[-3000:]


# -- reports on an incomplete run folder ---------------------------------------------------------------------------
def test_reports_refuse_a_half_written_scores_table(tmp_path: Path) -> None:
    corpus, results = toy_corpus(tmp_path), tmp_path / "results"
    res = assert_rerun_works(results, *cheap(corpus))
    assert res.run_dir is not None
    scores = res.run_dir / "scores.csv"
    whole = scores.read_bytes()
    rows = whole.splitlines(keepends=True)
    scores.write_bytes(b"".join(rows[: len(rows) // 2]))  # cut at a row: it still parses
    cmd = [sys.executable, "-m", "eval.reports", str(res.run_dir)]
    proc = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    manifest = json.loads((res.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert f"but manifest.json records {manifest['tables']['scores.csv']}" in proc.stderr
    assert "rerun the evaluation" in proc.stderr
    scores.write_bytes(whole)
    again = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    assert again.returncode == 0, again.stderr
