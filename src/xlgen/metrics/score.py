"""Every metric of one prediction file: the single code path of the evaluate rule and
`xlgen score`.

Scales: quality metrics (rouge1/2/L, bleu, chrf, em, f1, em_unicode, f1_unicode) are 0-100;
rates and shares (wrong_lang_rate, undetermined_rate, english_rate, detected_langs) are
fractions 0-1. NaN marks a rate that cannot be computed (see langid.py).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping

from xlgen.io import jsonl_lines
from xlgen.languages import LANGUAGES
from xlgen.metrics import langid
from xlgen.metrics.langid import DEFAULT_MIN_CHARS
from xlgen.metrics.qa import qa_per_example
from xlgen.metrics.summarization import corpus_bleu_chrf, rouge_per_example
from xlgen.metrics.tokenize import rouge_tokenization

TASKS = ("summarization", "qa")
_FIELDS = ("id", "lang", "prediction", "reference")


def _check_inputs(task: str, lang: str, predictions, references) -> list[list[str]]:
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; known: {', '.join(TASKS)}")
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; known: {', '.join(sorted(LANGUAGES))}")
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references")
    if not predictions:
        raise ValueError("no predictions to score (n=0)")
    refs: list[list[str]] = []
    for i, (prediction, ref) in enumerate(zip(predictions, references)):
        if not isinstance(prediction, str):
            raise ValueError(f"prediction {i} is {type(prediction).__name__}, not a string")
        # A bare string is one reference: the generation files store summaries that way.
        ref = [ref] if isinstance(ref, str) else ref
        if not ref or not all(isinstance(r, str) for r in ref):
            raise ValueError(f"reference {i} must be a string or a non-empty list of strings")
        refs.append(list(ref))
    return refs


def per_example_scores(
    task: str,
    lang: str,
    predictions: list[str],
    references: list[list[str]],
    *,
    langid_mode: str = "langdetect",
    min_chars: int = DEFAULT_MIN_CHARS,
) -> dict[str, list[float]]:
    """Per-example values of the example-level metrics, aligned with `predictions`.

    summarization: rouge1, rouge2, rougeL; qa: em, f1, em_unicode, f1_unicode (all 0-100);
    both: wrong_lang (1.0 wrong, 0.0 right, NaN undetermined/NA), whose nanmean is the
    wrong_lang_rate. The mean of each quality list is the corpus value score_predictions
    reports; BLEU and chrF are corpus-level and not listed.
    """
    refs = _check_inputs(task, lang, predictions, references)
    if task == "summarization":
        scores = rouge_per_example(lang, predictions, refs)
    else:
        scores = qa_per_example(lang, predictions, refs)
    verdicts = langid.language_verdicts(predictions, lang, langid_mode, min_chars)
    scores["wrong_lang"] = langid.wrong_language_per_example(verdicts, len(predictions))
    return scores


def score_and_examples(
    task: str,
    lang: str,
    predictions: list[str],
    references: list[list[str]],
    *,
    langid_mode: str = "langdetect",
    min_chars: int = DEFAULT_MIN_CHARS,
) -> tuple[dict, dict[str, list[float]]]:
    """score_predictions' dict and the per-example values behind it, each computed once."""
    langid._check_mode(langid_mode, min_chars)  # before any slow scoring
    refs = _check_inputs(task, lang, predictions, references)
    per_example = per_example_scores(
        task, lang, predictions, refs, langid_mode=langid_mode, min_chars=min_chars
    )
    n = len(predictions)
    result: dict = {"task": task, "lang": lang, "n": n}
    for name, values in per_example.items():
        if name != "wrong_lang":
            result[name] = math.fsum(values) / n
    if task == "summarization":
        result["rouge_tokenization"] = rouge_tokenization(lang)
        result.update(corpus_bleu_chrf(lang, predictions, refs))
    result.update(langid.wrong_language_stats(predictions, lang, langid_mode, min_chars))
    return result, per_example


def score_predictions(
    task: str,
    lang: str,
    predictions: list[str],
    references: list[list[str]],
    *,
    langid_mode: str = "langdetect",
    min_chars: int = DEFAULT_MIN_CHARS,
) -> dict:
    """Every metric of `predictions` against `references` (one list of golds per example).

    Returns a flat JSON-serializable dict: task, lang, n; summarization: rouge1, rouge2,
    rougeL (mean F-measure), bleu, chrf, rouge_tokenization, bleu_tokenize; qa: em, f1 (SQuAD
    v1.1 official), em_unicode, f1_unicode; both: wrong_lang_rate, undetermined_rate,
    english_rate, detected_langs, n_wrong, n_undetermined, langid_mode, langid_min_chars,
    wrong_lang_na_reason. ValueError for an unknown task, language or langid_mode, for n=0,
    and for malformed inputs.
    """
    return score_and_examples(
        task, lang, predictions, references, langid_mode=langid_mode, min_chars=min_chars
    )[0]


def read_generations(
    path, lang: str | None = None, gold: Mapping[str, list[str]] | None = None, gold_name: str = "",
) -> tuple[list[str], list[str], list[list[str]]]:
    """Read a generation JSONL file: ids, predictions, references (lists of strings).

    Each non-blank line is {"id", "lang", "prediction", "reference"}, reference a string or a
    non-empty list of non-empty strings. With `gold` (id -> references, read from the file
    `gold_name`) the references come from there instead: a line needs only "id" and
    "prediction", and the ids must match the gold ids one to one. Raises
    ValueError("<path>:<line>: ...") on the first bad line: not UTF-8, not JSON, not an
    object, a missing field, a wrong type, a duplicate id, an id not in `gold`, a "lang"
    other than `lang` (when given: the wrong file was passed); "<path>:1: empty file ..."
    when there is no record; and "<path>: no prediction for ..." when a gold id is missing.
    """
    fields = ("id", "prediction") if gold is not None else _FIELDS
    ids: list[str] = []
    predictions: list[str] = []
    references: list[list[str]] = []
    first_line: dict[str, int] = {}
    for lineno, record in jsonl_lines(path):
        where = f"{path}:{lineno}"
        missing = [field for field in fields if field not in record]
        if missing:
            raise ValueError(f"{where}: missing field(s) {', '.join(missing)}")
        if not isinstance(record["prediction"], str):
            raise ValueError(f"{where}: 'prediction' must be a string, not {type(record['prediction']).__name__}")
        if lang is not None and "lang" in record and record["lang"] != lang:
            raise ValueError(f"{where}: record lang {record['lang']!r}, expected {lang!r}")
        key = str(record["id"])
        if key in first_line:
            raise ValueError(f"{where}: duplicate id {key!r} (first on line {first_line[key]})")
        first_line[key] = lineno
        if gold is not None:
            if key not in gold:
                raise ValueError(f"{where}: id {key!r} is not in the references {gold_name}")
            ref = gold[key]
        else:
            ref = record["reference"]
            ref = [ref] if isinstance(ref, str) else ref
            if not isinstance(ref, list) or not ref or not all(isinstance(r, str) for r in ref):
                raise ValueError(f"{where}: 'reference' must be a string or a non-empty list of strings")
            if not all(r.strip() for r in ref):
                raise ValueError(f"{where}: 'reference' is empty")
        ids.append(key)
        predictions.append(record["prediction"])
        references.append(ref)
    if not predictions:
        raise ValueError(f"{path}:1: empty file: no prediction records")
    if gold is not None and len(ids) < len(gold):
        absent = [key for key in gold if key not in first_line]
        raise ValueError(f"{path}: no prediction for {len(absent)} of the {len(gold)} reference ids "
                         f"in {gold_name} (first: {absent[0]!r})")
    return ids, predictions, references


def score_file(
    task: str,
    lang: str,
    path,
    *,
    langid_mode: str = "langdetect",
    min_chars: int = DEFAULT_MIN_CHARS,
) -> dict:
    """score_predictions on a generation JSONL file (see read_generations for its format).

    Every record's "lang" must equal `lang`. All input errors are one-line ValueErrors
    naming the file and line.
    """
    _ids, predictions, references = read_generations(Path(path), lang)
    return score_predictions(
        task, lang, predictions, references, langid_mode=langid_mode, min_chars=min_chars
    )
