"""Scorecard: the MQM 2.0 scorecard per system from the merged spans (mqm.csv, and ``mqm`` in scores.csv)."""

from __future__ import annotations

from omegaconf import OmegaConf

from eval.stages.state import RunState


def mqm_scorecard(state: RunState) -> None:
    """The MQM scorecard per system; its quality score also goes to scores.csv as metric ``mqm``.

    Run only when a detector ran: an MQM score of 100 would claim a clean bill nobody checked.
    """
    from eval.scoring.mqm import MQMConfig, eval_word_count, scorecard

    raw = OmegaConf.to_container(state.cfg.mqm, resolve=True) if state.cfg.get("mqm") else {}
    config = MQMConfig.from_dict(raw)  # type: ignore[arg-type]
    systems = {s.name: (s.lang, eval_word_count(state.pairs[s.name])) for s in state.systems}
    state.mqm_rows = [r.to_dict() for r in scorecard(state.spans, systems, config)]
    kinds = {s.name: s.kind for s in state.systems}
    signature = f"mqm2.0|weights:{config.severity_weights}|ref_words:{config.reference_word_count}"
    for row in state.mqm_rows:
        state.score_rows.append(
            {
                "system": row["system"],
                "lang": row["lang"],
                "kind": kinds[row["system"]],
                "metric": "mqm",
                "score": row["oqs"],
                "ci_low": None,
                "ci_high": None,
                "route": "spans",
                "round_trip": False,
                "status": "ok",
                "reason": f"{row['verdict']} (threshold {row['threshold']})",
                "signature": signature,
            }
        )
