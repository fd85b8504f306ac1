"""The task registry: task kinds (the study's tasks, catalogue entries, are xlgen.catalog).

A task *kind* (what the model does) owns its record schema, model input, references,
metrics and main metric, trivial baseline and translation rules: one module with one
TaskKind subclass (xlgen.tasks.summarization, xlgen.tasks.extractive_qa), listed in KINDS.
A *dataset adapter* (xlgen.datasets) owns where a kind's data comes from. A *task* of a
study is an entry of the config's `task_catalog`, {kind, dataset, languages, settings},
named by its key (the `{task}` of every results path); `tasks:` selects entries.

Every function here that takes `kind` accepts a kind name or a TaskKind.
"""

from __future__ import annotations

from pathlib import Path

from xlgen.io import InputError, jsonl_lines
from xlgen.tasks.base import TaskKind
from xlgen.tasks.extractive_qa import ExtractiveQA
from xlgen.tasks.summarization import Summarization

KINDS: dict[str, TaskKind] = {kind.name: kind for kind in (Summarization(), ExtractiveQA())}
# short names `xlgen score --task` has always taken
ALIASES = {"qa": "extractive_qa"}


def get_kind(kind: str | TaskKind) -> TaskKind:
    """The TaskKind of a name; ValueError naming the known kinds."""
    if isinstance(kind, TaskKind):
        return kind
    kind = ALIASES.get(kind, kind)
    if kind not in KINDS:
        raise InputError(f"unknown task kind {kind!r}; known: {', '.join(KINDS)}")
    return KINDS[kind]


def check_record(kind: str | TaskKind, record: dict, lang: str | None = None) -> None:
    """See TaskKind.check_record."""
    get_kind(kind).check_record(record, lang)


def read_records(kind: str | TaskKind, path: str | Path, lang: str | None = None) -> list[dict]:
    """Records of a task file, checked (see TaskKind.check_record; ids unique): otherwise a
    ValueError naming file, line and field."""
    kind = get_kind(kind)
    records = []
    first_line: dict[str, int] = {}
    for number, record in jsonl_lines(path):
        try:
            kind.check_record(record, lang)
        except InputError as err:
            raise InputError(f"{path}:{number}: {err}") from None
        key = str(record["id"])  # 7 and "7" are one id in the generation files
        if key in first_line:
            raise InputError(f"{path}:{number}: duplicate id {key!r} (first on line {first_line[key]})")
        first_line[key] = number
        records.append(record)
    if not records:
        raise InputError(f"{path}:1: empty file: no records")
    return records


def input_text(kind: str | TaskKind, record: dict) -> str:
    """The text a prediction for `record` is made from: the article, or the QA context."""
    return get_kind(kind).input_text(record)


def references(kind: str | TaskKind, record: dict) -> str | list[str]:
    """What a prediction is scored against: the summary, or every gold answer for QA."""
    return get_kind(kind).references(record)


def generation_record(kind: str | TaskKind, record: dict, lang: str, prediction: str, **extra) -> dict:
    """One line of a generation file: {"id", "lang", "prediction", "reference", "input"}
    (`input`: see input_text) and any `extra` fields."""
    kind = get_kind(kind)
    return {"id": record["id"], "lang": lang, "prediction": prediction, "reference": kind.references(record),
            "input": kind.input_text(record), **extra}


__all__ = ["KINDS", "TaskKind", "check_record", "generation_record", "get_kind", "input_text", "read_records",
           "references"]
