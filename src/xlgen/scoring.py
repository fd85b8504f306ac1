"""Every metric of one prediction file over its task kind: the single code path of the
evaluate rule and `xlgen score` (xlgen.evaluation.score_with_intervals builds on it).

Orchestration above the metric leaves: the task kind (xlgen.tasks) says which of the pure
text metrics of xlgen.metrics apply; this module runs them, with the language judge and
the Language Confusion Benchmark's pass rates, serially or in chunks across processes.

Scales: quality metrics (rouge1/2/L, bleu, chrf, em, f1, em_unicode, f1_unicode) are 0-100;
rates and shares (wrong_lang_rate, undetermined_rate, english_rate, detected_langs, judges,
lpr, wpr) are fractions 0-1. NaN marks a rate that cannot be computed (see langid.py).
"""

from __future__ import annotations

import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Mapping

from xlgen.io import InputError, jsonl_lines
from xlgen.languages import describe_language
from xlgen.metrics import confusion, fasttext_lid, langid
from xlgen.metrics.flavours import flavour_per_example
from xlgen.metrics.langid import DEFAULT_MIN_CHARS, DEFAULT_MODE
from xlgen.tasks import TaskKind, get_kind

_FIELDS = ("id", "lang", "prediction", "reference")


def _check_inputs(task: str | TaskKind, lang: str, predictions, references, inputs=None) -> list[list[str]]:
    get_kind(task)  # ValueError naming the known kinds
    describe_language(lang)  # ValueError for a code that is not ISO 639
    if len(predictions) != len(references):
        raise InputError(f"{len(predictions)} predictions but {len(references)} references")
    if inputs is not None and len(inputs) != len(predictions):
        raise InputError(f"{len(predictions)} predictions but {len(inputs)} inputs")
    if not predictions:
        raise InputError("no predictions to score (n=0)")
    refs: list[list[str]] = []
    for i, (prediction, ref) in enumerate(zip(predictions, references)):
        if not isinstance(prediction, str):
            raise InputError(f"prediction {i} is {type(prediction).__name__}, not a string")
        # A bare string is one reference: the generation files store summaries that way.
        ref = [ref] if isinstance(ref, str) else ref
        if not ref or not all(isinstance(r, str) for r in ref):
            raise InputError(f"reference {i} must be a string or a non-empty list of strings")
        refs.append(list(ref))
    return refs


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


# Per-example lists whose mean is not the reported figure (rates over the judged outputs).
PER_EXAMPLE_RATES = ("wrong_lang", "line_pass", "word_pass")
# Below this many predictions a process pool costs more than it saves.
PARALLEL_MIN_EXAMPLES = 1000


def _score_chunk(task: str | TaskKind, lang: str, predictions: list[str], refs: list[list[str]],
                 inputs: list[str | None] | None, langid_mode: str, min_chars: int,
                 flavour: str | None = None) -> dict:
    """Everything that is computed example by example, for one contiguous chunk: the
    kind's example-level metrics (and the dataset's metric flavour, if any), the language
    verdicts and the Language Confusion Benchmark's line/word passes. A chunk's values do
    not depend on the other chunks."""
    scores = get_kind(task).per_example(lang, predictions, refs)
    if flavour:
        scores.update(flavour_per_example(flavour, lang, predictions, refs))
    verdicts = langid.language_verdicts(predictions, lang, langid_mode, min_chars, inputs)
    return {"scores": scores, "verdicts": verdicts, "confusion": confusion.confusion_per_example(predictions, lang)}


def _map_chunks(task, lang, predictions, refs, inputs, langid_mode, min_chars, workers, flavour=None) -> list[dict]:
    n = len(predictions)
    workers = max(1, min(int(workers), n // (PARALLEL_MIN_EXAMPLES // 2) or 1))
    if workers == 1 or n < PARALLEL_MIN_EXAMPLES:
        return [_score_chunk(task, lang, predictions, refs, inputs, langid_mode, min_chars, flavour)]
    bounds = [n * k // workers for k in range(workers + 1)]
    chunks = [(predictions[a:b], refs[a:b], None if inputs is None else inputs[a:b])
              for a, b in zip(bounds, bounds[1:])]
    fasttext_lid.probabilities("warm-up")  # load lid.176 once, before the workers fork
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_score_chunk, task, lang, p, r, i, langid_mode, min_chars, flavour)
                   for p, r, i in chunks]
        return [future.result() for future in futures]


def _per_example_and_verdicts(task, lang, predictions, refs, inputs, langid_mode, min_chars, workers, flavour=None):
    chunks = _map_chunks(task, lang, predictions, refs, inputs, langid_mode, min_chars, workers, flavour)
    per_example: dict[str, list[float]] = {name: [] for name in chunks[0]["scores"]}
    for chunk in chunks:
        for name, values in chunk["scores"].items():
            per_example[name] += values
    verdicts = None if chunks[0]["verdicts"] is None else [v for c in chunks for v in c["verdicts"]]
    per_example["wrong_lang"] = langid.wrong_language_per_example(verdicts, len(predictions))
    for name in chunks[0]["confusion"]:
        per_example[name] = [value for c in chunks for value in c["confusion"][name]]
    return per_example, verdicts


def per_example_scores(
    task: str,
    lang: str,
    predictions: list[str],
    references: list[list[str]],
    *,
    inputs: list[str | None] | None = None,
    langid_mode: str = DEFAULT_MODE,
    min_chars: int = DEFAULT_MIN_CHARS,
    workers: int = 1,
    flavour: str | None = None,
) -> dict[str, list[float]]:
    """Per-example values of the example-level metrics, aligned with `predictions`.

    `task`: a task kind (xlgen.tasks): its metrics (summarization: rouge1, rouge2, rougeL;
    extractive_qa: em, f1, em_unicode, f1_unicode; all 0-100), and `flavour`'s (a dataset's
    metric flavour, xlgen.metrics.flavours: MLQA's mlqa_em, mlqa_f1); every kind: wrong_lang
    (1.0 wrong, 0.0 right, NaN undetermined/NA), whose nanmean is the
    wrong_lang_rate, and line_pass / word_pass (xlgen.metrics.confusion: 1 pass, 0 fail,
    NaN skipped), whose nanmeans are lpr / wpr. `inputs`: the target-language text each
    prediction was made from (QA context, article), for the language judge's span rule.
    The mean of each quality list is the corpus value score_predictions reports; BLEU and
    chrF are corpus-level and not listed. `workers` > 1 scores chunks in that many
    processes, with the same values as 1.
    """
    langid._check_mode(langid_mode, min_chars)
    refs = _check_inputs(task, lang, predictions, references, inputs)
    return _per_example_and_verdicts(task, lang, predictions, refs, inputs, langid_mode, min_chars, workers,
                                     flavour)[0]


def score_and_examples(
    task: str,
    lang: str,
    predictions: list[str],
    references: list[list[str]],
    *,
    inputs: list[str | None] | None = None,
    langid_mode: str = DEFAULT_MODE,
    min_chars: int = DEFAULT_MIN_CHARS,
    workers: int = 1,
    bootstrap_samples: int = 0,
    flavour: str | None = None,
) -> tuple[dict, dict[str, list[float]]]:
    """score_predictions' dict and the per-example values behind it, each computed once.

    With `workers` > 1 and at least PARALLEL_MIN_EXAMPLES predictions, contiguous chunks are
    scored in that many processes; every value is bitwise the one of `workers=1` (each
    example's metrics and language verdict depend on that example alone, means are taken
    over the reassembled lists in order). Corpus BLEU and chrF are computed once, on the
    whole file, with sacrebleu's bootstrap interval over `bootstrap_samples` resamples.
    """
    langid._check_mode(langid_mode, min_chars)  # before any slow scoring
    refs = _check_inputs(task, lang, predictions, references, inputs)
    kind = get_kind(task)
    per_example, verdicts = _per_example_and_verdicts(
        kind, lang, predictions, refs, inputs, langid_mode, min_chars, workers, flavour
    )
    n = len(predictions)
    result: dict = {"task": kind.name, "lang": lang, "n": n}
    for name, values in per_example.items():
        if name not in PER_EXAMPLE_RATES:
            result[name] = math.fsum(values) / n
    result.update(kind.corpus(lang, predictions, refs, bootstrap_samples))
    result.update(langid.verdict_stats(verdicts, lang, langid_mode, min_chars))
    for rate, name in (("lpr", "line_pass"), ("wpr", "word_pass")):  # LCB's rates over the counted responses
        counted = [value for value in per_example[name] if not math.isnan(value)]
        result[rate] = math.fsum(counted) / len(counted) if counted else math.nan
        result[f"{rate}_n"] = len(counted)
    return result, per_example


def score_predictions(
    task: str,
    lang: str,
    predictions: list[str],
    references: list[list[str]],
    *,
    inputs: list[str | None] | None = None,
    langid_mode: str = DEFAULT_MODE,
    min_chars: int = DEFAULT_MIN_CHARS,
    workers: int = 1,
    flavour: str | None = None,
) -> dict:
    """Every metric of `predictions` against `references` (one list of golds per example).

    `task`: a task kind (xlgen.tasks). Returns a flat JSON-serializable dict: task (the kind),
    lang, n; summarization: rouge1, rouge2,
    rougeL (mean F-measure), bleu, chrf (with NaN intervals here; see
    xlgen.evaluation.score_with_intervals), rouge_tokenization, bleu_tokenize; extractive_qa: em, f1
    (SQuAD v1.1 official), em_unicode, f1_unicode; both: the wrong-language statistics of
    langid.verdict_stats (wrong_lang_rate, undetermined_rate, english_rate, detected_langs,
    judges, langid_judge, ...) and the Language Confusion Benchmark's lpr, wpr (with lpr_n,
    wpr_n, lid_note); `flavour`: see per_example_scores. `inputs`: see per_example_scores.
    ValueError for an unknown kind, a
    language code that is not ISO 639, an unknown langid_mode, n=0, and malformed inputs.
    """
    return score_and_examples(
        task, lang, predictions, references, inputs=inputs, langid_mode=langid_mode, min_chars=min_chars,
        workers=workers, flavour=flavour,
    )[0]


def read_generations(
    path, lang: str | None = None, gold: Mapping[str, list[str]] | None = None, gold_name: str = "",
    gold_inputs: Mapping[str, str] | None = None,
) -> tuple[list[str], list[str], list[list[str]], list[str | None] | None]:
    """Read a generation JSONL file: ids, predictions, references (lists of strings), inputs.

    Each non-blank line is {"id", "lang", "prediction", "reference"}, reference a string or a
    non-empty list of non-empty strings, and optionally "input": the target-language text the
    prediction was made from (the language judge's span rule). With `gold` (id -> references,
    read from the file `gold_name`) the references come from there instead, and the inputs
    from `gold_inputs`: a line needs only "id" and "prediction", and the ids must match the
    gold ids one to one. `inputs` is None when no line has one. Raises
    ValueError("<path>:<line>: ...") on the first bad line: not UTF-8, not JSON, not an
    object, a missing field, a wrong type, a duplicate id, an id not in `gold`, a "lang"
    other than `lang` (when given: the wrong file was passed); "<path>:1: empty file ..."
    when there is no record; and "<path>: no prediction for ..." when a gold id is missing.
    """
    fields = ("id", "prediction") if gold is not None else _FIELDS
    ids: list[str] = []
    predictions: list[str] = []
    references: list[list[str]] = []
    inputs: list[str | None] = []
    first_line: dict[str, int] = {}
    for lineno, record in jsonl_lines(path):
        where = f"{path}:{lineno}"
        missing = [field for field in fields if field not in record]
        if missing:
            raise InputError(f"{where}: missing field(s) {', '.join(missing)}")
        if not isinstance(record["prediction"], str):
            raise InputError(f"{where}: 'prediction' must be a string, not {type(record['prediction']).__name__}")
        if lang is not None and "lang" in record and record["lang"] != lang:
            raise InputError(f"{where}: record lang {record['lang']!r}, expected {lang!r}")
        raw_id = record["id"]
        if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)) or not str(raw_id).strip():
            raise InputError(f"{where}: 'id' is {raw_id!r}: expected a non-empty string or an integer")
        key = str(raw_id)
        if key in first_line:
            raise InputError(f"{where}: duplicate id {key!r} (first on line {first_line[key]})")
        first_line[key] = lineno
        if gold is not None:
            if key not in gold:
                raise InputError(f"{where}: id {key!r} is not in the references {gold_name}")
            ref = gold[key]
        else:
            ref = record["reference"]
            ref = [ref] if isinstance(ref, str) else ref
            if not isinstance(ref, list) or not ref or not all(isinstance(r, str) for r in ref):
                raise InputError(f"{where}: 'reference' must be a string or a non-empty list of strings")
            if not all(r.strip() for r in ref):
                raise InputError(f"{where}: 'reference' is empty")
        source = record.get("input", gold_inputs.get(key) if gold_inputs is not None else None)
        if source is not None and not isinstance(source, str):
            raise InputError(f"{where}: 'input' must be a string, not {type(source).__name__}")
        ids.append(key)
        predictions.append(record["prediction"])
        references.append(ref)
        inputs.append(source)
    if not predictions:
        raise InputError(f"{path}:1: empty file: no prediction records")
    if gold is not None and len(ids) < len(gold):
        absent = [key for key in gold if key not in first_line]
        raise InputError(f"{path}: no prediction for {len(absent)} of the {len(gold)} reference ids "
                         f"in {gold_name} (first: {absent[0]!r})")
    return ids, predictions, references, (inputs if any(i is not None for i in inputs) else None)


def score_file(
    task: str,
    lang: str,
    path,
    *,
    langid_mode: str = DEFAULT_MODE,
    min_chars: int = DEFAULT_MIN_CHARS,
) -> dict:
    """score_predictions on a generation JSONL file (see read_generations for its format).

    Every record's "lang" must equal `lang`. All input errors are one-line ValueErrors
    naming the file and line.
    """
    _ids, predictions, references, inputs = read_generations(Path(path), lang)
    return score_predictions(
        task, lang, predictions, references, inputs=inputs, langid_mode=langid_mode, min_chars=min_chars
    )
