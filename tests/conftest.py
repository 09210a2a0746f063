"""Shared test set-up: offline model hubs, the ${project_root:} resolver, paths to the corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from eval.config import PROJECT_ROOT, register_resolvers

register_resolvers()

CORPUS_DIR = PROJECT_ROOT / "data" / "corpora" / "dgsn-interpol-mena"
E5_DIR = PROJECT_ROOT / "models" / "multilingual-e5-small"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS_DIR


@pytest.fixture(scope="session")
def golden_dir() -> Path:
    return PROJECT_ROOT / "tests" / "data" / "golden"
