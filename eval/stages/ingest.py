"""Ingest: the reference and the published versions, decoded, cleaned (audited) and segmented.

A documents corpus goes through cleaning and sentence segmentation; a line-aligned set (lines, tsv,
jsonl, XLIFF/TMX/PO) arrives segmented and paired, with no cleaning.
"""

from __future__ import annotations

import logging
from pathlib import Path

from omegaconf import DictConfig

from eval.errors import ConfigError
from eval.formats import BILINGUAL_FORMATS
from eval.stages.state import RunState

log = logging.getLogger(__name__)


def load_documents_corpus(cfg: DictConfig, state: RunState) -> None:
    """Documents corpus: decode, clean (audited), segment; versions become ``published`` systems."""
    from eval.cleaning import CleaningResult, clean_text, language_check_from_config, rules_from_config
    from eval.languages.documents import check_declared_language, given_lines, sentences_of
    from eval.manifest import load_document, load_manifest

    if not cfg.corpus.get("dir"):
        raise ConfigError("corpus.dir is not set: give the folder that holds manifest.yaml (corpus.dir=<folder>)")
    from eval.multidoc import DocumentCollector

    manifest = load_manifest(cfg.corpus.dir)
    langs = sorted({d.lang for d in manifest.documents})
    ccfg = cfg.corpus.cleaning
    rules = rules_from_config(ccfg.rules)
    lcheck = language_check_from_config(ccfg.language_check, langs)
    collected = DocumentCollector()
    for spec in manifest.documents:
        doc = load_document(manifest, spec)
        state.inputs[doc.path] = doc.sha256
        check_declared_language(doc.text, doc.lang, doc.path, str(cfg.corpus.get("language_check", "warn")))
        result = (
            CleaningResult(given_lines(doc.text), [])  # segmented: kept as given, ids are line numbers
            if spec.segmented
            else clean_text(Path(doc.path).name, doc.text, doc.lang, rules, lcheck, corpus=str(cfg.corpus.name))
        )
        state.cleaning_rows.extend(
            {
                "document": d.document,
                "lang": d.lang,
                "line_no": d.line_no,
                "rule": d.rule,
                "action": d.action,
                "text": d.text,
            }
            for d in result.dropped
        )
        sents = sentences_of(result.lines, doc.lang, spec.segmented)
        collected.add(spec.role, doc.name, spec.doc, doc.lang, sents)
        log.info(
            "%s (%s): %d lines kept, %d dropped, %d sentences",
            doc.name,
            doc.lang,
            len(result.lines),
            len(result.dropped),
            len(sents),
        )
    state.ref_lang = collected.ref_lang
    state.ref_sents, state.doc_ranges, state.systems, state.hyp_doc_ranges = collected.build(str(manifest.root))


def load_line_aligned_corpus(cfg: DictConfig, state: RunState) -> None:
    from eval.languages.documents import check_declared_languages
    from eval.linealigned import load_line_aligned

    data = load_line_aligned(cfg.corpus.dir)
    where = f"{Path(cfg.corpus.dir) / 'manifest.yaml'}:"
    texts = [(f"{where} reference", "\n".join(data.references), data.ref_lang)]
    texts += [(f"{where} source", "\n".join(data.sources), data.src_lang)] if data.sources else []
    texts += [(f"{where} system {s.name}", "\n".join(s.segments), s.lang) for s in data.systems]
    check_declared_languages(texts, str(cfg.corpus.get("language_check", "warn")))
    state.line_aligned = True
    state.ref_lang, state.ref_sents = data.ref_lang, data.references
    state.sources, state.src_lang = data.sources, data.src_lang
    state.systems = data.systems
    state.inputs.update(data.inputs)
    state.segment_ids, state.bilingual = data.segment_ids, data.bilingual
    state.doc_ranges = data.doc_ranges  # XLIFF/TMX/PO files with 'doc': systems are 1-1, same documents


def ingest(cfg: DictConfig, state: RunState) -> None:
    """The corpus named by ``corpus.format``."""
    fmt = str(cfg.corpus.format)
    if fmt == "documents":
        load_documents_corpus(cfg, state)
    elif fmt in ("lines", "tsv", "jsonl", *BILINGUAL_FORMATS):
        load_line_aligned_corpus(cfg, state)
    else:
        raise ConfigError(f"corpus.format={fmt!r} is unknown; use documents, lines, tsv, jsonl, xliff, tmx or po")
