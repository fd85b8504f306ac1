"""Tasks in the record schema: what the model reads, what it should write, what is scored.

summarization: {"id","lang","source","target"}
qa:            {"id","lang","context","question","answers":[...],"source","target"}
(`source` is built by xlgen.demo_world.qa_source, `target` is the first answer.)
"""

from __future__ import annotations

from pathlib import Path

from xlgen.io import jsonl_lines
from xlgen.languages import LANGUAGES

TASKS = ("summarization", "qa")
REQUIRED_FIELDS = {
    "summarization": ("id", "lang", "source", "target"),
    "qa": ("id", "lang", "context", "question", "answers", "source", "target"),
}
MAIN_METRIC = {"summarization": "rougeL", "qa": "f1_unicode"}
# fields every task reads as text: each must be a non-empty string
TEXT_FIELDS = {
    "summarization": ("source", "target"),
    "qa": ("context", "question", "source", "target"),
}


def check_record(task: str, record: dict, lang: str | None = None) -> None:
    """Raise ValueError("<problem>") naming the field unless `record` follows the task's schema:
    every field present, an id that is a string or an integer, a known language (`lang`
    when given), non-empty text fields, and for QA a non-empty list of non-empty answers."""
    missing = [field for field in REQUIRED_FIELDS[task] if field not in record]
    if missing:
        raise ValueError(f"missing field(s) {', '.join(repr(f) for f in missing)}")
    key = record["id"]
    if isinstance(key, bool) or not isinstance(key, (str, int)) or (isinstance(key, str) and not key.strip()):
        raise ValueError(f"'id' is {key!r}: expected a non-empty string or an integer")
    if record["lang"] not in LANGUAGES:
        raise ValueError(f"'lang' is {record['lang']!r}: unknown language (known: {', '.join(sorted(LANGUAGES))})")
    if lang is not None and record["lang"] != lang:
        raise ValueError(f"'lang' is {record['lang']!r}, expected {lang!r}")
    if task == "qa":  # before `target`, which is derived from the answers
        answers = record["answers"]
        hub_hint = "; the hub's {text, answer_start} answers become a list of their texts"
        if isinstance(answers, dict):
            raise ValueError(f"'answers' is a dict with keys {sorted(answers)}: expected a non-empty list of "
                             f"strings{hub_hint}")
        if not isinstance(answers, list) or not answers:
            raise ValueError(f"'answers' is {answers!r}: expected a non-empty list of strings")
        for i, answer in enumerate(answers):
            if isinstance(answer, dict):
                raise ValueError(f"'answers[{i}]' is a dict with keys {sorted(answer)}: expected a string{hub_hint}")
            if not isinstance(answer, str) or not answer.strip():
                raise ValueError(f"'answers[{i}]' is {answer!r}: expected a non-empty string")
    for field in TEXT_FIELDS[task]:
        value = record[field]
        if not isinstance(value, str):
            raise ValueError(f"'{field}' is {type(value).__name__}, expected a string")
        if not value.strip():
            raise ValueError(f"'{field}' is empty")


def read_records(task: str, path: str | Path, lang: str | None = None) -> list[dict]:
    """Records of a task file, checked (see check_record; ids unique): otherwise a
    ValueError naming file, line and field."""
    if task not in REQUIRED_FIELDS:
        raise ValueError(f"unknown task {task!r}; known: {', '.join(TASKS)}")
    records = []
    first_line: dict[str, int] = {}
    for number, record in jsonl_lines(path):
        try:
            check_record(task, record, lang)
        except ValueError as err:
            raise ValueError(f"{path}:{number}: {err}") from None
        key = str(record["id"])  # 7 and "7" are one id in the generation files
        if key in first_line:
            raise ValueError(f"{path}:{number}: duplicate id {key!r} (first on line {first_line[key]})")
        first_line[key] = number
        records.append(record)
    if not records:
        raise ValueError(f"{path}:1: empty file: no records")
    return records


# The target-language text an output is made from and may copy: a copied span is in the
# input's language (the language judge's span rule, xlgen.metrics.langid).
INPUT_FIELD = {"summarization": "source", "qa": "context"}


def input_text(task: str, record: dict) -> str:
    """The text a prediction for `record` is made from: the article, or the QA context."""
    return record[INPUT_FIELD[task]]


def references(task: str, record: dict) -> str | list[str]:
    """What a prediction is scored against: the summary, or every gold answer for QA."""
    return list(record["answers"]) if task == "qa" else record["target"]


def generation_record(task: str, record: dict, lang: str, prediction: str, **extra) -> dict:
    """One line of a generation file: {"id", "lang", "prediction", "reference", "input"}
    (`input`: see input_text) and any `extra` fields."""
    return {"id": record["id"], "lang": lang, "prediction": prediction, "reference": references(task, record),
            "input": input_text(task, record), **extra}
