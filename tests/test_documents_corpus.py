"""conf/corpus/documents.yaml: any folder of documents, in any language; segmented documents; the
declared-language check."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from eval.config import CONF_DIR
from eval.errors import InputError
from eval.stages.ingest import load_documents_corpus
from eval.stages.state import RunState

GERMAN_REF = (
    "Die Polizei hat am Montag die Grenze zu Österreich geschlossen. Der Sprecher sagte, dass die Maßnahme "
    "bis auf Weiteres gelte.\nNach Angaben der Behörden wurden in der Nacht mehrere Boote im Wasser gesehen. "
    "Die Fischer der Gegend warten seit Tagen auf eine Nachricht aus dem Rathaus."
)
GERMAN_VERSION = (
    "Die Polizei schloss am Montag die Grenze zu Österreich. Der Sprecher sagte, die Maßnahme gelte vorerst.\n"
    "Laut den Behörden sah man in der Nacht mehrere Boote im Wasser. Die Fischer warten seit Tagen auf Nachricht."
)
CHINESE = (
    "警方周一关闭了边境。发言人说，这项措施将持续到另行通知为止。\n"
    "据当局称，夜间在水中看到了几艘船。当地渔民几天来一直在等待市政厅的消息。"
)
ITALIAN = (
    "La polizia ha chiuso lunedì il confine con l'Austria. Il portavoce ha detto che la misura resterà in vigore "
    "fino a nuovo avviso. Secondo le autorità, durante la notte sono state viste diverse barche in acqua. "
    "I pescatori della zona aspettano da giorni una notizia dal municipio."
)


def _corpus(root: Path, docs: list[tuple[str, str, str, str]]) -> Path:
    """docs: (file, lang, role, text) plus optional segmented flag in the lang field as 'xx:segmented'."""
    entries = []
    for file, lang, role, text in docs:
        (root / file).write_text(text, encoding="utf-8")
        code, _, flag = lang.partition(":")
        entries.append(f"  - {{file: {file}, lang: {code}, role: {role}{', segmented: true' if flag else ''}}}")
    (root / "manifest.yaml").write_text("documents:\n" + "\n".join(entries) + "\n", encoding="utf-8")
    return root


def _load(root: Path, tmp_path: Path, **overrides: str) -> RunState:
    corpus = OmegaConf.load(CONF_DIR / "corpus" / "documents.yaml")
    corpus.dir = str(root)
    for key, value in overrides.items():
        corpus[key] = value
    cfg = OmegaConf.create({"corpus": corpus})
    state = RunState(cfg=cfg, run_dir=tmp_path / "run")
    load_documents_corpus(cfg, state)
    return state


def test_a_german_documents_corpus_loads_with_general_cleaning(tmp_path: Path) -> None:
    root = _corpus(tmp_path, [("ref.txt", "de", "reference", GERMAN_REF), ("v.txt", "de", "version", GERMAN_VERSION)])
    state = _load(root, tmp_path)
    assert state.ref_lang == "de" and len(state.ref_sents) == 4
    assert state.ref_sents[0] == "Die Polizei hat am Montag die Grenze zu Österreich geschlossen."
    assert [s.lang for s in state.systems] == ["de"] and len(state.systems[0].segments) == 4
    assert state.cleaning_rows == []


def test_a_chinese_version_of_a_german_reference_loads(tmp_path: Path) -> None:
    root = _corpus(tmp_path, [("ref.txt", "de", "reference", GERMAN_REF), ("zh.txt", "zh-Hans", "version", CHINESE)])
    state = _load(root, tmp_path)
    (zh,) = state.systems
    assert zh.lang == "zh-Hans" and zh.segments[:2] == [
        "警方周一关闭了边境。",
        "发言人说，这项措施将持续到另行通知为止。",
    ]


def test_a_segmented_document_keeps_its_lines_as_sentences(tmp_path: Path) -> None:
    lines = "Erster Satz. Noch einer.\n\nDritte Zeile.\n"
    root = _corpus(tmp_path, [("ref.txt", "de:segmented", "reference", lines), ("v.txt", "de", "version", GERMAN_REF)])
    state = _load(root, tmp_path)
    assert state.ref_sents == ["Erster Satz. Noch einer.", "", "Dritte Zeile."]  # ids are line numbers


def test_an_italian_text_declared_spanish_warns_or_fails_when_strict(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = _corpus(tmp_path, [("ref.txt", "de", "reference", GERMAN_REF), ("es.txt", "es", "version", ITALIAN)])
    _load(root, tmp_path)
    assert "declared Spanish (es) but the text reads as Italian (it)" in caplog.text
    with pytest.raises(InputError, match=r"es\.txt: declared Spanish \(es\) but the text reads as Italian \(it\)"):
        _load(root, tmp_path, language_check="strict")


def test_documents_corpus_without_a_folder_is_a_config_error(tmp_path: Path) -> None:
    from eval.errors import ConfigError

    cfg = OmegaConf.create({"corpus": OmegaConf.load(CONF_DIR / "corpus" / "documents.yaml")})
    with pytest.raises(ConfigError, match=r"corpus\.dir is not set"):
        load_documents_corpus(cfg, RunState(cfg=cfg, run_dir=tmp_path))


def test_hebrew_and_persian_versions_load_right_to_left(tmp_path: Path) -> None:
    from eval.languages.codes import language_info

    hebrew = "המשטרה סגרה את הגבול ביום שני. הדובר אמר שהצעד יימשך.\nהדייגים מחכים."
    persian = "پلیس روز دوشنبه مرز را بست. سخنگو گفت این اقدام ادامه دارد.\nماهیگیران منتظرند."
    root = _corpus(
        tmp_path,
        [
            ("ref.txt", "de", "reference", GERMAN_REF),
            ("he.txt", "iw", "version", hebrew),
            ("fa.txt", "fa", "version", persian),
        ],
    )
    he, fa = _load(root, tmp_path).systems
    assert (he.lang, language_info(he.lang).rtl) == ("he", True)
    # no rules of its own: sentencex's fallback splits at the end marks (before: one sentence per line)
    assert he.segments == ["המשטרה סגרה את הגבול ביום שני.", "הדובר אמר שהצעד יימשך.", "הדייגים מחכים."]
    assert (fa.lang, language_info(fa.lang).rtl) == ("fa", True)
    assert fa.segments == ["پلیس روز دوشنبه مرز را بست.", "سخنگو گفت این اقدام ادامه دارد.", "ماهیگیران منتظرند."]
