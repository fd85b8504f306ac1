"""Scoring of one run's generations, and the trivial baselines every model must beat."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pandas as pd

from xlgen.metrics import score_file, score_predictions
from xlgen.tables import run_keys_from_path
from xlgen.tasks import references

GENERATION_NAME = re.compile(r"^(?P<lang>[a-z]{2,3})\.(?P<split>train|dev|test)\.jsonl$")


def _flatten(scores: dict) -> dict:
    """A score dict as table cells: nested values (detected language shares) as JSON text."""
    return {k: json.dumps(v, sort_keys=True, ensure_ascii=False) if isinstance(v, (dict, list)) else v
            for k, v in scores.items()}


def score_run(task: str, generation_files: list[str | Path], status: str, langid_mode: str,
              min_chars: int) -> pd.DataFrame:
    """One row per (language, split) of a run: every metric, or NaN metrics with the run's
    status when training diverged and there is nothing to score."""
    rows = []
    for path in generation_files:
        match = GENERATION_NAME.match(Path(path).name)
        if not match:
            raise ValueError(f"{path}: expected a generation file named <lang>.<split>.jsonl")
        keys = {**run_keys_from_path(path), **match.groupdict(), "status": status}
        if status != "ok":
            rows.append(keys)
            continue
        scores = score_file(task, keys["lang"], path, langid_mode=langid_mode, min_chars=min_chars)
        scores.pop("task", None)
        scores.pop("lang", None)
        rows.append({**keys, **_flatten(scores)})
    return pd.DataFrame(rows)


_SENTENCE_END = re.compile(r"(?<=[.!?。！？؟])\s*")


def lead_sentence(text: str, lang: str) -> str:
    """The first sentence of an article (the lead baseline of summarization).

    Sentences end with . ! ? 。 ！ ？ ؟; Thai marks no sentence end but a space, so its
    lead is the text up to the first space.
    """
    text = text.strip()
    if lang == "th":
        return text.split(" ", 1)[0]
    parts = [p for p in _SENTENCE_END.split(text) if p.strip()]
    return parts[0].strip() if parts else text


def baseline_scores(task: str, lang: str, records: list[dict], train: list[dict], langid_mode: str,
                    min_chars: int) -> dict:
    """Scores of the task's trivial baseline on `records`: the lead sentence for
    summarization, the most frequent training answer of the language for QA."""
    if task == "summarization":
        name = "lead"
        predictions = [lead_sentence(r["source"], lang) for r in records]
    else:
        name = "majority_answer"
        (answer, _), = Counter(r["target"] for r in train).most_common(1)
        predictions = [answer] * len(records)
    refs = [references(task, r) for r in records]
    refs = [ref if isinstance(ref, list) else [ref] for ref in refs]
    scores = score_predictions(task, lang, predictions, refs, langid_mode=langid_mode, min_chars=min_chars)
    scores.pop("task", None)
    scores.pop("lang", None)
    return {"task": task, "baseline": name, "lang": lang, **_flatten(scores)}
