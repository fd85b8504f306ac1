"""Scoring of one run's generations, and the trivial baselines every model must beat."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from xlgen.bootstrap import CONFIDENCE, bootstrap_intervals
from xlgen.families import get_family
from xlgen.io import InputError
from xlgen.metrics.langid import DEFAULT_MIN_CHARS, DEFAULT_MODE
from xlgen.runs import RUN_KEYS
from xlgen.scoring import read_generations, score_and_examples, score_predictions
from xlgen.tasks import TaskKind, get_kind, read_records

GENERATION_NAME = re.compile(r"^(?P<lang>[a-z]{2,3})\.(?P<split>train|dev|test)\.jsonl$")
DEFAULT_BOOTSTRAP_SAMPLES = 1000
DEFAULT_BOOTSTRAP_SEED = 0
# per-example list of per_example_scores -> the score it averages to (others keep their name)
SCORE_OF_EXAMPLE_METRIC = {"wrong_lang": "wrong_lang_rate", "line_pass": "lpr", "word_pass": "wpr"}


def langid_settings(settings: dict) -> dict:
    """The language judge's keyword arguments from the config's `evaluate` section: its
    `langid_mode` and `min_chars` where given, else xlgen's defaults (one source of truth
    for the evaluate rule and `xlgen score`)."""
    return {"langid_mode": settings.get("langid_mode", DEFAULT_MODE),
            "min_chars": settings.get("min_chars", DEFAULT_MIN_CHARS)}


def _flatten(scores: dict) -> dict:
    """A score dict as table cells: nested values (detected language shares) as JSON text."""
    return {k: json.dumps(v, sort_keys=True, ensure_ascii=False) if isinstance(v, (dict, list)) else v
            for k, v in scores.items()}


def _as_list(ref: str | list[str]) -> list[str]:
    return ref if isinstance(ref, list) else [ref]


def score_with_intervals(
    task: str | TaskKind,
    lang: str,
    path: str | Path,
    *,
    langid_mode: str = DEFAULT_MODE,
    min_chars: int = DEFAULT_MIN_CHARS,
    bootstrap_samples: int = DEFAULT_BOOTSTRAP_SAMPLES,
    seed: int = DEFAULT_BOOTSTRAP_SEED,
    references_path: str | Path | None = None,
    workers: int = 1,
    flavour: str | None = None,
) -> tuple[dict, pd.DataFrame]:
    """Every metric of one generation file with its bootstrap interval, and the per-example
    values: the one code path of the evaluate rule and `xlgen score`. `task`: the task kind
    (xlgen.tasks); `flavour`: the dataset's metric flavour (xlgen.metrics.flavours), if any.

    The dict is score_predictions' (xlgen.scoring), with `<metric>_ci_low` and
    `<metric>_ci_high` after each example-level metric (rouge1/2/L or em, f1, em_unicode,
    f1_unicode, and wrong_lang_rate over the determined outputs): a seeded percentile
    bootstrap interval at `ci_level` over `bootstrap_samples` resamples of the examples
    (0: no resampling, NaN bounds), and for BLEU and chrF sacrebleu's own bootstrap interval
    over as many resamples (xlgen.metrics.summarization.corpus_bleu_chrf). The defaults of
    `langid_mode`, `min_chars`, `bootstrap_samples` and `seed` are the pipeline's: `xlgen
    score` without options gives the evaluate rule's JSON.
    The frame has one row per example: id, then each per-example value (wrong_lang: 1
    wrong, 0 right, NaN undetermined).

    With `references_path`, a task record file (xlgen.tasks schema) of language `lang`,
    the references come from there, matched by id, and the generation file needs only
    "id" and "prediction" per line (see read_generations).

    `workers` > 1 scores a large file in that many processes, with bitwise the same result
    (xlgen.scoring.score_and_examples).
    """
    kind = get_kind(task)
    gold = gold_inputs = None
    if references_path is not None:
        records = read_records(kind, references_path, lang)
        gold = {str(r["id"]): _as_list(kind.references(r)) for r in records}
        gold_inputs = {str(r["id"]): kind.input_text(r) for r in records}
    ids, predictions, refs, inputs = read_generations(Path(path), lang, gold, str(references_path), gold_inputs)
    scores, per_example = score_and_examples(kind, lang, predictions, refs, inputs=inputs, langid_mode=langid_mode,
                                             min_chars=min_chars, workers=workers,
                                             bootstrap_samples=bootstrap_samples, flavour=flavour)
    intervals = bootstrap_intervals(per_example, bootstrap_samples, seed)
    bounds = {SCORE_OF_EXAMPLE_METRIC.get(name, name): (low, high) for name, (_, low, high) in intervals.items()}
    result: dict = {}
    for key, value in scores.items():
        result[key] = value
        if key in bounds:
            result[f"{key}_ci_low"], result[f"{key}_ci_high"] = bounds[key]
    result.update(ci_level=CONFIDENCE, bootstrap_samples=bootstrap_samples, bootstrap_seed=seed)
    return result, pd.DataFrame({"id": ids, **per_example})


def score_run(run: dict, generation_files: list[str | Path], status: str, langid_mode: str = DEFAULT_MODE,
              min_chars: int = DEFAULT_MIN_CHARS, *, bootstrap_samples: int = DEFAULT_BOOTSTRAP_SAMPLES,
              seed: int = DEFAULT_BOOTSTRAP_SEED, family: str | None = None,
              workers: int = 1, flavour: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores of a run's generation files (see score_with_intervals). `run`: the run's
    identity record (xlgen.runs.run_record): its `kind` scores, and every row (and
    per-example row) carries its fields: the run keys first, its other fields last.

    Returns one row per (language, split) with every metric and its interval, or NaN
    metrics with the run's status when training diverged and there is nothing to score, or
    status `no_code` for a language the backbone `family` has no code for (skipped);
    and the per-example values, one row per (language, split, id).
    """
    head = {key: run[key] for key in RUN_KEYS}
    tail = {key: value for key, value in run.items() if key not in RUN_KEYS}
    rows, examples = [], []
    for path in generation_files:
        match = GENERATION_NAME.match(Path(path).name)
        if not match:
            raise InputError(f"{path}: expected a generation file named <lang>.<split>.jsonl")
        keys = {**head, **match.groupdict(), "status": status}
        if status == "ok" and family and get_family(family).missing_code_choice(keys["lang"]) == "skip":
            keys["status"] = "no_code"
        if keys["status"] != "ok":
            rows.append({**keys, **tail})
            continue
        scores, per_example = score_with_intervals(
            run["kind"], keys["lang"], path, langid_mode=langid_mode, min_chars=min_chars,
            bootstrap_samples=bootstrap_samples, seed=seed, workers=workers, flavour=flavour,
        )
        scores.pop("task", None)
        scores.pop("lang", None)
        rows.append({**keys, **_flatten(scores), **tail})
        examples.append(per_example.assign(lang=keys["lang"], split=keys["split"]))
    per_example = pd.concat(examples, ignore_index=True) if examples else pd.DataFrame(columns=["id"])
    per_example = per_example.assign(**head)
    front = RUN_KEYS + ["lang", "split", "id"]
    per_example = per_example.reindex(columns=front + [c for c in per_example.columns if c not in front])
    return pd.DataFrame(rows), per_example


def baseline_scores(task: str | TaskKind, lang: str, records: list[dict], train: list[dict],
                    langid_mode: str = DEFAULT_MODE, min_chars: int = DEFAULT_MIN_CHARS,
                    flavour: str | None = None) -> dict:
    """Scores of the kind's trivial baseline on `records` (TaskKind.baseline: the lead
    sentence for summarization, the most frequent training answer of the language for QA).
    The row's `task` is the kind's name unless the caller overwrites it."""
    kind = get_kind(task)
    predictions = kind.baseline(lang, records, train)
    refs = [_as_list(kind.references(r)) for r in records]
    scores = score_predictions(kind, lang, predictions, refs, inputs=[kind.input_text(r) for r in records],
                               langid_mode=langid_mode, min_chars=min_chars, flavour=flavour)
    scores.pop("task", None)
    scores.pop("lang", None)
    return {"task": kind.name, "baseline": kind.baseline_name, "lang": lang, **_flatten(scores)}
