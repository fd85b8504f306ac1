"""Tasks in the record schema: what the model reads, what it should write, what is scored.

summarization: {"id","lang","source","target"}
qa:            {"id","lang","context","question","answers":[...],"source","target"}
(`source` is built by xlgen.demo_world.qa_source, `target` is the first answer.)
"""

from __future__ import annotations

from pathlib import Path

from xlgen.io import read_jsonl

TASKS = ("summarization", "qa")
REQUIRED_FIELDS = {
    "summarization": ("id", "lang", "source", "target"),
    "qa": ("id", "lang", "context", "question", "answers", "source", "target"),
}
MAIN_METRIC = {"summarization": "rougeL", "qa": "f1_unicode"}


def read_records(task: str, path: str | Path) -> list[dict]:
    """Records of a task file, checked: a ValueError naming file, line and field otherwise."""
    records = read_jsonl(path)
    if not records:
        raise ValueError(f"{path}: no records")
    seen: set[str] = set()
    for number, record in enumerate(records, 1):
        for field in REQUIRED_FIELDS[task]:
            if field not in record:
                raise ValueError(f"{path}:{number}: missing field '{field}'")
        if not str(record["source"]).strip():
            raise ValueError(f"{path}:{number}: empty 'source'")
        if record["id"] in seen:
            raise ValueError(f"{path}:{number}: duplicate id {record['id']!r}")
        seen.add(record["id"])
    return records


def references(task: str, record: dict) -> str | list[str]:
    """What a prediction is scored against: the summary, or every gold answer for QA."""
    return list(record["answers"]) if task == "qa" else record["target"]
