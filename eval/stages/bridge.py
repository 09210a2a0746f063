"""Bridge: every system not in the reference language translated into it, the route recorded.

Design rule 2: a bridge that is the engine which produced the output recovers the reference by
construction; such scores are kept but flagged ``round_trip``.
"""

from __future__ import annotations

from eval.stages.state import Bridged, RunState, progress
from eval.stages.systems import require_installed
from eval.translators.base import Translator


def bridge_systems(state: RunState, translator: Translator | None) -> None:
    """Translate each system not in the reference language into it; flag round trips (design rule 2)."""
    for system in progress(state.systems, "bridge", bool(state.cfg.progress)):
        if system.lang == state.ref_lang:
            state.bridged[system.name] = Bridged(system.segments, route="direct")
            continue
        if translator is None:
            state.bridged[system.name] = Bridged(None, route="-", reason="bridge disabled (bridge.enabled=false)")
            continue
        require_installed(translator, system.lang, state.ref_lang)
        if not translator.covers(system.lang, state.ref_lang):
            reason = translator.not_covered_reason(system.lang, state.ref_lang)
            state.bridged[system.name] = Bridged(None, route="-", reason=reason)
            state.skip("bridge", system.name, system.lang, reason)
            continue
        out = translator.translate(system.segments, system.lang, state.ref_lang)
        round_trip = system.kind == "mt" and system.engine == translator.name
        route = f"bridge {out.route.replace(translator.name + ' ', '')} {translator.name}".strip()
        state.bridged[system.name] = Bridged(out.lines, route=route, round_trip=round_trip)
