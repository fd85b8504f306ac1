"""Evaluation metrics that hold in every script (issue 3).

Entry points: `score_predictions` / `score_file` (every metric of one run x language),
`score_and_examples` (the same metrics and the per-example values behind them, computed once:
what xlgen.evaluation.score_with_intervals, the one code path of the evaluate rule and
`xlgen score`, builds on) and `per_example_scores` (per-example values only). Quality metrics are on a 0-100 scale, rates and shares 0-1.

Modules: scripts (Unicode script of text), tokenize (ROUGE/QA/sacrebleu tokenization),
summarization (ROUGE, BLEU, chrF), qa (SQuAD and Unicode EM/F1), langid (wrong-language
rate), fasttext_lid (lid.176 language identification), confusion (the Language Confusion
Benchmark's line- and word-level pass rates), score (the combined
scorer and the generation-file reader; `workers` > 1 scores chunks in parallel processes with
bitwise the serial result).
"""

from xlgen.metrics.langid import DEFAULT_MIN_CHARS, MODES as LANGID_MODES
from xlgen.metrics.score import (
    TASKS,
    per_example_scores,
    read_generations,
    score_and_examples,
    score_file,
    score_predictions,
)

__all__ = [
    "DEFAULT_MIN_CHARS",
    "LANGID_MODES",
    "TASKS",
    "per_example_scores",
    "read_generations",
    "score_and_examples",
    "score_file",
    "score_predictions",
]
