"""The typed run config and the manifest key check, without the CLI (the CLI cases are in test_faults.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from eval.config import CONF_DIR, register_resolvers
from eval.errors import ConfigError, InputError
from eval.manifest import load_manifest
from eval.schema import validate_run_config

register_resolvers()


def composed(*overrides: str):  # type: ignore[no-untyped-def]
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        return compose("config", overrides=list(overrides))


def test_shipped_config_and_experiments_pass() -> None:
    validate_run_config(composed())
    validate_run_config(composed("experiment=quick"))
    validate_run_config(composed("align.method=bertalign", "align.window=10", "bootstrap.alpha=0.01"))


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("threads=0", "config key threads=0 is invalid: expected an integer from 1 to 1024 (CPU threads)"),
        ("threads=2.5", "config key threads=2.5 is invalid: expected an integer"),
        ("progress=maybe", "config key progress='maybe' is invalid: expected true or false"),
        ("bootstrap.alpha=0.9", "bootstrap.alpha=0.9 is invalid: expected a number from 0.0001 to 0.5"),
        ("align.max_align=null", "align.max_align=null is invalid: expected an integer from 2 to 20"),
        ("align.method=fast", "align.method='fast' is invalid: expected one of normalised, bertalign"),
        ("cache.max_size_mb=abc", "cache.max_size_mb='abc' is invalid: expected a number >= 1"),
        ("mt.targets=es", "mt.targets='es' is invalid: expected a list"),
    ],
)
def test_bad_value_names_key_value_and_what_is_allowed(override: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        validate_run_config(composed(override))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_unknown_key_in_documents_manifest_is_named_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "manifest.yaml").write_text(
        "name: x\ndocuments:\n  - file: fr.txt\n    lang: fr\n    role: reference\n  - file: es.txt\n"
        "    lnag: es\n    role: version\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        load_manifest(tmp_path)
    assert "manifest.yaml:7: unknown key 'lnag' in document #2 (es.txt); did you mean 'lang'?" in str(err.value)


def test_manifest_in_latin1_is_decoded_like_documents(tmp_path: Path) -> None:
    origin = "Communiqué de la Direction générale de la Sûreté nationale, réunion à Lyon, délégation marocaine"
    text = f"name: corpus\ndocuments:\n  - {{file: fr.txt, lang: fr, role: reference, origin: '{origin}'}}\n"
    (tmp_path / "manifest.yaml").write_bytes(text.encode("latin-1"))
    assert load_manifest(tmp_path).documents[0].origin == origin
