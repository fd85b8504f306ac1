"""Summarization metrics: ROUGE-1/2/L (per example) and corpus BLEU and chrF.

All values are on a 0-100 scale. ROUGE is rouge-score's implementation fed with the
language-aware RougeTokenizer (rouge-score's own tokenizer keeps only [a-z0-9] and scores
identical Chinese, Russian or Arabic strings 0). With several references an example takes,
per ROUGE type, its best F-measure (rouge-score's `score_multi` rule).
"""

from __future__ import annotations

from functools import lru_cache

import sacrebleu
from rouge_score import rouge_scorer

from xlgen.metrics.tokenize import RougeTokenizer, sacrebleu_tokenize

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")


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


def bleu_chrf_statistics(
    lang: str, predictions: list[str], references: list[list[str]]
) -> tuple[list, list]:
    """Segment-level statistics of BLEU and chrF (n-gram match counts, one list per
    example): the integers corpus BLEU and chrF sum, so those of several chunks of a corpus
    concatenate to the corpus's (see bleu_chrf_from_statistics)."""
    _tokenize, bleu, chrf = _bleu_chrf_metrics(lang)
    streams = _reference_streams(references)
    return (bleu._extract_corpus_statistics(predictions, streams),
            chrf._extract_corpus_statistics(predictions, streams))


def bleu_chrf_from_statistics(lang: str, bleu_stats: list, chrf_stats: list) -> dict[str, float | str]:
    """corpus_bleu_chrf's dict from bleu_chrf_statistics' segment statistics, summed as
    sacrebleu's corpus_score sums them: the same values bit for bit."""
    tokenize, bleu, chrf = _bleu_chrf_metrics(lang)
    return {"bleu": float(bleu._aggregate_and_compute(bleu_stats).score),
            "chrf": float(chrf._aggregate_and_compute(chrf_stats).score), "bleu_tokenize": tokenize}


def corpus_bleu_chrf(
    lang: str, predictions: list[str], references: list[list[str]]
) -> dict[str, float | str]:
    """Corpus BLEU and chrF (sacrebleu defaults, chrF: char 6-grams, beta 2) x 100.

    BLEU uses the offline tokenizer of `sacrebleu_tokenize(lang)`, reported as
    "bleu_tokenize"; chrF needs no tokenizer.
    """
    tokenize, bleu, chrf = _bleu_chrf_metrics(lang)
    streams = _reference_streams(references)
    return {"bleu": float(bleu.corpus_score(predictions, streams).score),
            "chrf": float(chrf.corpus_score(predictions, streams).score), "bleu_tokenize": tokenize}
