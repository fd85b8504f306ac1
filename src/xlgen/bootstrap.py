"""Seeded bootstrap over examples: percentile intervals and paired tests.

Works on the per-example values of xlgen.scoring.per_example_scores: a metric is the mean
of its values with NaN left out (the wrong-language rate is the mean of 1.0 wrong / 0.0
right over the outputs whose language could be determined), so a resample's value is the
mean of its non-NaN draws. Corpus-level metrics (BLEU, chrF) are not means of example
values and get no interval here.

Strata: a statistic may be the mean over several strata (target languages) of each
stratum's mean; every stratum is resampled on its own, as the test sets were drawn per
language. A stratum whose value is NaN (no determined output) is left out of that mean.

Determinism: one `numpy.random.default_rng(seed)` per call, strata drawn in the given
order: the same inputs and seed give the same interval in any process.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from xlgen.io import InputError

CONFIDENCE = 0.95
# Cells of the resample-count matrix held at once (x 8 bytes): bounds memory for long files.
_BLOCK_CELLS = 2_000_000


def _as_matrix(columns: Sequence[Sequence[float]]) -> np.ndarray:
    """Columns of equal length -> an (n, m) float matrix."""
    matrix = np.asarray([np.asarray(c, dtype=float) for c in columns], dtype=float).T
    return matrix.reshape(-1, len(columns))


def _point(values: np.ndarray) -> float:
    """Mean of the non-NaN values (math.fsum: the same number the scorer reports), or NaN."""
    valid = values[~np.isnan(values)]
    return math.fsum(valid.tolist()) / len(valid) if len(valid) else math.nan


def _strata_point(matrices: list[np.ndarray], column: int) -> float:
    """The statistic on the data: one stratum's mean, or the mean of the non-NaN stratum means."""
    points = [_point(m[:, column]) for m in matrices]
    if len(points) == 1:
        return points[0]
    points = [p for p in points if not math.isnan(p)]
    return math.fsum(points) / len(points) if points else math.nan


def _mean_over_strata(stacked: np.ndarray) -> np.ndarray:
    """NaN-skipping mean over axis 0 without the all-NaN warning (all NaN -> NaN)."""
    valid = ~np.isnan(stacked)
    count = valid.sum(axis=0)
    total = np.where(valid, stacked, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _resampled_means(matrix: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(n_resamples, m): per resample of the n rows, each column's mean of its non-NaN draws."""
    n, m = matrix.shape
    valid = ~np.isnan(matrix)
    filled = np.where(valid, matrix, 0.0)
    sums = np.empty((n_resamples, m))
    counts = np.empty((n_resamples, m))
    block = max(1, _BLOCK_CELLS // n)
    for start in range(0, n_resamples, block):
        size = min(block, n_resamples - start)
        draws = rng.integers(0, n, size=(size, n))
        # how often each example is drawn, per resample: a product replaces a gather per metric
        times = np.bincount((draws + n * np.arange(size)[:, None]).ravel(), minlength=size * n)
        times = times.reshape(size, n).astype(float)
        sums[start:start + size] = times @ filled
        counts[start:start + size] = times @ valid
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _strata_matrices(strata: Sequence[Mapping[str, Sequence[float]]], names: list[str]) -> list[np.ndarray]:
    matrices = []
    for stratum in strata:
        lengths = {len(stratum[name]) for name in names}
        if len(lengths) != 1 or 0 in lengths:
            raise ValueError(f"every metric of a stratum needs the same, non-zero number of values; got {lengths}")
        matrices.append(_as_matrix([stratum[name] for name in names]))
    return matrices


def _percentile_interval(samples: np.ndarray, point: float, confidence: float) -> tuple[float, float]:
    samples = samples[~np.isnan(samples)]
    if not len(samples) or math.isnan(point):
        return math.nan, math.nan
    tail = 100 * (1 - confidence) / 2
    low, high = (float(x) for x in np.percentile(samples, [tail, 100 - tail]))
    # Float summation order can put the interval a hair past the point estimate; a real
    # miss (possible in principle for a skewed ratio) is kept as it is.
    tolerance = 1e-9 * max(1.0, abs(point))
    if point < low <= point + tolerance:
        low = point
    if point - tolerance <= high < point:
        high = point
    return low, high


def _check(n_resamples: int, confidence: float) -> None:
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 0:
        raise InputError(f"n_resamples must be a non-negative integer, got {n_resamples!r}")
    if not 0 < confidence < 1:
        raise InputError(f"confidence must lie in (0, 1), got {confidence!r}")


def bootstrap_intervals(
    strata: Mapping[str, Sequence[float]] | Sequence[Mapping[str, Sequence[float]]],
    n_resamples: int,
    seed: int,
    confidence: float = CONFIDENCE,
) -> dict[str, tuple[float, float, float]]:
    """Percentile bootstrap interval of every metric: {name: (point, low, high)}.

    `strata` is one mapping {metric: per-example values} or a list of them (one per
    language); the statistic is the NaN-skipping mean (over strata: the mean of the
    stratum means that are not NaN). All metrics share the same resampled examples. The
    point estimate is the statistic on the data itself and lies in [low, high] in all but
    pathological cases. NaN throughout when no value can be computed; NaN bounds for
    n_resamples=0.
    """
    _check(n_resamples, confidence)
    strata = [strata] if isinstance(strata, Mapping) else list(strata)
    if not strata:
        raise ValueError("no strata to resample")
    names = list(strata[0])
    matrices = _strata_matrices(strata, names)
    rng = np.random.default_rng(seed)
    resampled = _mean_over_strata(np.stack([_resampled_means(m, n_resamples, rng) for m in matrices]))
    result = {}
    for j, name in enumerate(names):
        point = _strata_point(matrices, j)
        result[name] = (point, *_percentile_interval(resampled[:, j], point, confidence))
    return result


def paired_bootstrap(
    system: Sequence[Sequence[float]] | Sequence[float],
    reference: Sequence[Sequence[float]] | Sequence[float],
    n_resamples: int,
    seed: int,
    confidence: float = CONFIDENCE,
) -> dict[str, float]:
    """Paired bootstrap of `system` minus `reference` on the same examples.

    Each argument is one list of per-example values, or a list of such lists (one per
    stratum), aligned example by example with the other argument. The same resampled
    examples score both systems. Returns value, reference_value, delta (value minus
    reference_value), delta_ci_low, delta_ci_high (percentile interval) and p_value:
    two-sided, twice the share of resampled differences on the far side of zero
    ((count + 1) / (resamples + 1), capped at 1), so p < 1 - confidence roughly when the
    interval excludes zero; identical systems give p = 1. n_resamples=0: NaN interval and p.
    """
    _check(n_resamples, confidence)

    def strata_of(values) -> list[np.ndarray]:
        values = list(values)
        nested = values and not np.isscalar(values[0])
        return [np.asarray(v, dtype=float) for v in (values if nested else [values])]

    a, b = strata_of(system), strata_of(reference)
    if len(a) != len(b) or any(len(x) != len(y) for x, y in zip(a, b)):
        raise ValueError("system and reference must have the same strata and examples, aligned")
    pairs = [{"system": x, "reference": y} for x, y in zip(a, b)]
    matrices = _strata_matrices(pairs, ["system", "reference"])
    rng = np.random.default_rng(seed)
    resampled = _mean_over_strata(np.stack([_resampled_means(m, n_resamples, rng) for m in matrices]))
    deltas = resampled[:, 0] - resampled[:, 1]
    value, ref_value = _strata_point(matrices, 0), _strata_point(matrices, 1)
    delta = value - ref_value
    low, high = _percentile_interval(deltas, delta, confidence)
    deltas = deltas[~np.isnan(deltas)]
    if len(deltas) and not math.isnan(delta):
        below = (np.count_nonzero(deltas <= 0) + 1) / (len(deltas) + 1)
        above = (np.count_nonzero(deltas >= 0) + 1) / (len(deltas) + 1)
        p_value = float(min(1.0, 2 * min(below, above)))
    else:
        p_value = math.nan
    return {"value": value, "reference_value": ref_value, "delta": delta,
            "delta_ci_low": low, "delta_ci_high": high, "p_value": p_value}
