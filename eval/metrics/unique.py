"""One column per metric configuration: configs that resolve to the same metric are scored once.

Why: a metric's name is its column in scores.csv. Two configs with one name would write duplicate
(system, metric) rows that break every pivot; when they are the same computation (same resolved
config, e.g. ``metric.chrf.word_order=2`` beside ``chrfpp``) the second is redundant, otherwise it is a
naming error the user must fix before any work is done.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from eval.errors import ConfigError
from eval.metrics.base import Metric

log = logging.getLogger(__name__)


def unique_metrics(metrics: dict[str, Metric], configs: Mapping[str, object]) -> dict[str, Metric]:
    """Drop configs that repeat an earlier one (same name, same resolved config); raise on a name clash.

    ``configs`` maps config key → its resolved config (plain containers, compared by value).
    """
    kept: dict[str, Metric] = {}
    by_name: dict[str, str] = {}
    for key, metric in metrics.items():
        first = by_name.get(metric.name)
        if first is None:
            by_name[metric.name] = key
            kept[key] = metric
        elif configs.get(first) == configs.get(key):
            log.warning(
                "metric.%s and metric.%s are the same metric (%s): scored once, as %s", first, key, metric.name, first
            )
        else:
            raise ConfigError(
                f"metric.{first} and metric.{key} are both named {metric.name!r} but differ "
                f"({configs.get(first)} vs {configs.get(key)}): give one a distinct `name:`"
            )
    return kept
