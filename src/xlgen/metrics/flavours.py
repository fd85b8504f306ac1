"""Metric flavours: the variants of a kind's metrics that the literature reports for one
dataset (a dataset adapter's `metric_flavour`), scored beside the kind's own metrics.

FLAVOURS maps a flavour's name to a function (lang, predictions, references) -> {metric:
per-example values, 0-100}; the metric names start with the flavour's name.
"""

from __future__ import annotations

from typing import Callable

from xlgen.io import InputError
from xlgen.metrics.mlqa import mlqa_per_example

FLAVOURS: dict[str, Callable[[str, list[str], list[list[str]]], dict[str, list[float]]]] = {
    # MLQA's official evaluation (mlqa_evaluation_v1.py): mlqa_em, mlqa_f1
    "mlqa": mlqa_per_example,
}


def flavour_per_example(flavour: str, lang: str, predictions: list[str],
                        references: list[list[str]]) -> dict[str, list[float]]:
    """The per-example metrics of `flavour`; ValueError naming the known flavours."""
    if flavour not in FLAVOURS:
        raise InputError(f"unknown metric flavour {flavour!r}; known: {', '.join(sorted(FLAVOURS)) or 'none'}")
    return FLAVOURS[flavour](lang, predictions, references)
