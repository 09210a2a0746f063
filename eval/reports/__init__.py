"""Reports built from a run folder only: report.html (self-contained) and report.md (ticket-sized).

Why a separate package: reports must be rebuildable from the run-folder contract alone, long after
the models and caches that produced the numbers are gone (``python -m eval.reports <run_dir>``).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.errors import RunFolderError
from eval.reports.html_report import render_html
from eval.reports.markdown_report import render_markdown
from eval.reports.runfolder import RunData, load_run
from eval.reports.tables import ReportConfig
from eval.reports.workbook import write_workbook

if TYPE_CHECKING:
    from omegaconf import DictConfig

__all__ = ["ReportConfig", "RunData", "build_reports", "load_run", "render_html", "render_markdown"]

log = logging.getLogger(__name__)
WORKBOOK = "report.xlsx"


def _write_atomic(path: Path, text: str) -> None:
    """Temp file in the same folder + rename: a crash never leaves a half-written report."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; reports are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_workbook_atomic(run: RunData, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        write_workbook(run, Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_reports(
    run_dir: str | Path, cfg: ReportConfig | Mapping[str, Any] | DictConfig | None = None
) -> tuple[Path, Path]:
    """Write report.html, report.md and the issue workbook report.xlsx into ``run_dir``;
    return (html_path, md_path)."""
    config = ReportConfig.from_any(cfg)
    run = load_run(run_dir)
    html_text = render_html(run, config)
    md_text = render_markdown(run, config)
    html_path, md_path, xlsx_path = run.path / "report.html", run.path / "report.md", run.path / WORKBOOK
    try:
        _write_atomic(html_path, html_text)
        _write_atomic(md_path, md_text)
        _write_workbook_atomic(run, xlsx_path)
    except OSError as exc:
        raise RunFolderError(f"cannot write the reports into {run.path}: {exc.strerror or exc}") from exc
    log.info("wrote %s, %s and %s", html_path, md_path, xlsx_path)
    return html_path, md_path
