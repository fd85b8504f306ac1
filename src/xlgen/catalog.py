"""The config's task catalogue: each selected task resolved to its kind, dataset adapter,
languages and settings (TaskSpec), once, for the workflow and the config check. It sits
above the task kinds (xlgen.tasks) and the dataset adapters (xlgen.datasets) it joins.

A catalogue entry (`task_catalog.<name>`):
  kind               a task kind (xlgen.tasks.KINDS); default: the dataset adapter's kind
  dataset            a dataset adapter (xlgen.datasets.get_adapter: built-in name or module)
  source_language    finetuning language; default: the config's `source_language`
  target_languages   zero-shot languages; default: the config's `target_languages`
  main_metric        the metric LRs are selected and tables sorted on; default: the kind's
  max_source_length, max_target_length, max_new_tokens, steps: token lengths and training
                     steps of this task (steps: default finetune.steps)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from xlgen.datasets import DatasetAdapter, get_adapter
from xlgen.io import InputError
from xlgen.tasks import TaskKind, get_kind

# the entry keys that are settings of the task's jobs (the rest say what the task is)
SETTING_KEYS = ("max_source_length", "max_target_length", "max_new_tokens", "steps")


@dataclass(frozen=True)
class TaskSpec:
    name: str
    kind: TaskKind
    adapter: DatasetAdapter
    source_language: str
    target_languages: tuple[str, ...]
    main_metric: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def languages(self) -> list[str]:
        """The source language, then the targets."""
        return [self.source_language, *self.target_languages]

    @property
    def metric_flavour(self) -> str | None:
        return self.adapter.metric_flavour

    def identity(self) -> dict:
        """What a results row says of the task: its name, kind and dataset."""
        return {"task": self.name, "kind": self.kind.name, "dataset": self.adapter.name}


def task_spec(config: Mapping, name: str) -> TaskSpec:
    """The resolved catalogue entry `name`; ValueError naming the key otherwise."""
    catalog = config.get("task_catalog") or {}
    if name not in catalog:
        raise InputError(f"'task_catalog.{name}' is not defined (defined: {', '.join(sorted(catalog))})")
    entry = catalog[name]
    where = f"task_catalog.{name}"
    if "dataset" not in entry:
        raise InputError(f"missing key '{where}.dataset'")
    try:
        adapter = get_adapter(entry["dataset"])
    except InputError as err:
        raise InputError(f"'{where}.dataset': {err}") from None
    try:
        kind = get_kind(entry.get("kind", adapter.supported_kinds()[0]))
    except InputError as err:
        raise InputError(f"'{where}.kind': {err}") from None
    if kind.name not in adapter.supported_kinds():
        raise InputError(f"'{where}.kind' is {kind.name!r}, but dataset {adapter.name!r} gives "
                         f"{' or '.join(adapter.supported_kinds())} records")
    main_metric = entry.get("main_metric", kind.main_metric)
    if main_metric not in kind.metrics:
        raise InputError(f"'{where}.main_metric' is {main_metric!r}: not a per-example metric of kind "
                         f"{kind.name} ({', '.join(kind.metrics)})")
    settings = {key: entry[key] for key in SETTING_KEYS if key in entry}
    return TaskSpec(name=name, kind=kind, adapter=adapter,
                    source_language=config["source_language"],
                    target_languages=tuple(entry.get("target_languages", config["target_languages"])),
                    main_metric=main_metric, settings=settings)


def task_specs(config: Mapping) -> dict[str, TaskSpec]:
    """Every selected task (`tasks:`) resolved, in order."""
    return {name: task_spec(config, name) for name in config["tasks"]}
