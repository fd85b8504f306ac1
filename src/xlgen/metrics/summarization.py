"""Summarization metrics: ROUGE-1/2/L (per example) and corpus BLEU and chrF.

All values are on a 0-100 scale. ROUGE is rouge-score's implementation fed with the
language-aware RougeTokenizer (rouge-score's own tokenizer keeps only [a-z0-9] and scores
identical Chinese, Russian or Arabic strings 0). With several references an example takes,
per ROUGE type, its best F-measure (rouge-score's `score_multi` rule).
"""

from __future__ import annotations

import json
import logging
import math
import traceback
from functools import lru_cache
from pathlib import Path

import sacrebleu
from rouge_score import rouge_scorer

from xlgen.metrics.tokenize import RougeTokenizer, sacrebleu_tokenize

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
_log = logging.getLogger(__name__)


@lru_cache(maxsize=64)
def _scorer(lang: str) -> rouge_scorer.RougeScorer:
    return rouge_scorer.RougeScorer(list(ROUGE_TYPES), tokenizer=RougeTokenizer(lang))


def rouge_per_example(
    lang: str, predictions: list[str], references: list[list[str]]
) -> dict[str, list[float]]:
    """ROUGE-1/2/L F-measure x 100 of each prediction against its best reference."""
    scorer = _scorer(lang)
    out: dict[str, list[float]] = {name: [] for name in ROUGE_TYPES}
    for prediction, refs in zip(predictions, references, strict=True):
        scores = [scorer.score(ref, prediction) for ref in refs]
        for name in ROUGE_TYPES:
            out[name].append(100.0 * max(score[name].fmeasure for score in scores))
    return out


def _reference_streams(references: list[list[str]]) -> list[list[str | None]]:
    # sacrebleu wants one stream per reference position; None pads examples with fewer refs.
    width = max(len(refs) for refs in references)
    return [[refs[i] if i < len(refs) else None for refs in references] for i in range(width)]


def _bleu_chrf_metrics(lang: str):
    tokenize = sacrebleu_tokenize(lang)
    return tokenize, sacrebleu.metrics.BLEU(tokenize=tokenize), sacrebleu.metrics.CHRF()


def _is_mixed_zero_resamples(err: TypeError) -> bool:
    """Whether `err` is sacrebleu 2.x failing to average its bootstrap scores: a resample
    with no matching n-gram scores a Python 0.0, the others numpy float32, and
    `statistics.mean` in `Score.estimate_ci` refuses to mix them ("don't know how to
    coerce"). Only then is there no interval to give; any other TypeError is a bug."""
    frames = traceback.extract_tb(err.__traceback__)
    return ("coerce" in str(err) and any(f.name == "estimate_ci" for f in frames)
            and Path(frames[-1].filename).name == "statistics.py")


def _score_with_interval(metric, predictions: list[str], streams, bootstrap_samples: int) -> tuple[float, float, float]:
    """sacrebleu's corpus score and its bootstrap interval through the public API:
    `corpus_score(..., n_bootstrap=N)` resamples the segments N times (numpy seed
    SACREBLEU_SEED, 12345 unless set) and reports the resamples' mean and half the width of
    their 2.5-97.5 percentile range; the interval is mean -+ that half-width, clipped to
    0-100. NaN bounds with fewer than 2 resamples, and (with a warning logged) when
    sacrebleu cannot average the resamples (_is_mixed_zero_resamples). Memory: the
    resampled statistics are one float32 array of resamples x segments x statistics (10,000
    summaries: ~0.7 GB for chrF)."""
    if bootstrap_samples < 2:
        score = metric.corpus_score(predictions, streams)
        return float(score.score), math.nan, math.nan
    try:
        score = metric.corpus_score(predictions, streams, n_bootstrap=bootstrap_samples)
    except TypeError as err:
        if not _is_mixed_zero_resamples(err):
            raise
        score = metric.corpus_score(predictions, streams)
        _log.warning("%s: no bootstrap interval (NaN): some of the %d resamples share no n-gram with "
                     "the references, and sacrebleu %s cannot average their exact 0 with the other "
                     "scores", score.name, bootstrap_samples, sacrebleu.__version__)
        return float(score.score), math.nan, math.nan
    summary = json.loads(score.format(width=4, is_json=True, signature="x:y"))
    if "confidence_mean" not in summary:  # sacrebleu omits a zero mean: every resample scored 0
        return float(score.score), 0.0, 0.0
    mean, half = summary["confidence_mean"], summary["confidence_var"]
    return float(score.score), max(mean - half, 0.0), min(mean + half, 100.0)  # scores lie in 0-100


def corpus_bleu_chrf(
    lang: str, predictions: list[str], references: list[list[str]], bootstrap_samples: int = 0,
) -> dict[str, float | str]:
    """Corpus BLEU and chrF (sacrebleu defaults, chrF: char 6-grams, beta 2) x 100, with
    `bleu_ci_low/high`, `chrf_ci_low/high` from `bootstrap_samples` sacrebleu resamples
    (see _score_with_interval; NaN when 0).

    BLEU uses the offline tokenizer of `sacrebleu_tokenize(lang)`, reported as
    "bleu_tokenize"; chrF needs no tokenizer.
    """
    tokenize, bleu, chrf = _bleu_chrf_metrics(lang)
    streams = _reference_streams(references)
    out: dict[str, float | str] = {}
    for name, metric in (("bleu", bleu), ("chrf", chrf)):
        out[name], out[f"{name}_ci_low"], out[f"{name}_ci_high"] = _score_with_interval(
            metric, predictions, streams, bootstrap_samples)
    out["bleu_tokenize"] = tokenize
    return out
