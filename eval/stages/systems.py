"""Systems beside the published versions: MT of the reference by the run's engine, and the user's MT files."""

from __future__ import annotations

from omegaconf import DictConfig

from eval.corpus import System
from eval.errors import EvalError
from eval.stages.state import RunState, progress
from eval.translators.base import Translator


def require_installed(translator: Translator, src: str, tgt: str) -> None:
    """A route the engine knows but whose packages are missing is an error (fixable), not a skip."""
    from eval.errors import MissingApertiumError

    message = translator.missing_install(src, tgt)
    if message:
        raise MissingApertiumError(message)


def add_mt_systems(cfg: DictConfig, state: RunState, translator: Translator) -> None:
    """The reference translated into each target language; uncovered pairs are reported, not skipped."""
    for lang in progress(list(cfg.mt.targets), "MT", bool(cfg.progress), unit="language"):
        name = f"{translator.name}-{lang}"
        if lang == state.ref_lang:
            continue
        require_installed(translator, state.ref_lang, lang)
        if not translator.covers(state.ref_lang, lang):
            reason = translator.not_covered_reason(state.ref_lang, lang)
            state.skip("mt", name, lang, reason)
            state.uncovered.append((name, lang, reason))
            continue
        out = translator.translate(state.ref_sents, state.ref_lang, lang)
        state.systems.append(
            System(
                name=name,
                lang=lang,
                kind="mt",
                segments=out.lines,
                route=out.route,
                engine=translator.name,
                unknown_words=out.unknown,
            )
        )


def add_extra_systems(cfg: DictConfig, state: RunState) -> None:
    """User-supplied MT outputs: one line per reference segment, in order."""
    from eval.textio import read_lines

    for entry in cfg.mt.get("extra") or []:
        lines, sha = read_lines(entry["file"])
        state.inputs[str(entry["file"])] = sha
        if len(lines) != len(state.ref_sents):
            raise EvalError(
                f"{entry['file']}: MT output {entry['name']} has {len(lines)} lines vs {len(state.ref_sents)} "
                "reference segments; supply one translated line per reference segment"
            )
        state.systems.append(
            System(
                name=str(entry["name"]),
                lang=str(entry["lang"]),
                kind="mt",
                segments=lines,
                route="file",
                engine=str(entry.get("engine", "file")),
            )
        )
