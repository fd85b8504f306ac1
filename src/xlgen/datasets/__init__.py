"""Dataset adapters: where a task kind's data comes from.

An adapter (one module, one DatasetAdapter subclass) names the hub datasets it reads with
their columns and layout, which hub split feeds each record split of a language
(`sources`), how a hub row becomes a record of its kind (`record`), how questions are
grouped when dev and test come from one hub split (`group_keys`), where target-language
unlabeled text comes from (`unlabeled`, optional) and which metric flavour the literature
reports for it (`metric_flavour`, xlgen.metrics.flavours). The generic machinery (download,
deterministic split and caps, atomic record files) is xlgen.hub.

The config names an adapter in a `task_catalog` entry (`dataset:`): a built-in name
(BUILTIN: the module xlgen.datasets.<name>) or any importable module path
(`mylab.datasets.newsum`) whose module defines `ADAPTER`. Adding a dataset is that module
and that entry.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from xlgen.io import InputError

BUILTIN = ("xlsum", "squad_xquad", "mlqa", "tydiqa_goldp", "wikilingua")
# where mix_unsup, graddrop and intermediate tuning read target-language text on hub data
# (config `data.hub.unlabeled_dataset`): XL-Sum's articles, in 42 languages
DEFAULT_UNLABELED = "xlsum"
# the demo world's adapter lives with the demo, outside the real modules
NAMED_MODULES = {"demo": "xlgen_demo.dataset"}
SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class HubLayout:
    """How a hub dataset is read: at which revision, and whether a config is a folder."""

    revision: str | None = None
    config_is_folder: bool = False


@dataclass(frozen=True)
class DatasetRef:
    """One split of one config of a hub dataset."""

    name: str
    config: str
    split: str

    def path(self, cache_dir: str | Path) -> Path:
        return dataset_cache_path(cache_dir, self.name, self.config, self.split)


def dataset_cache_path(cache_dir: str | Path, name: str, config: str, split: str) -> Path:
    """Where download_dataset saves a split: <cache_dir>/<org>--<name>/<config>/<split>."""
    return Path(cache_dir) / name.replace("/", "--") / config / split


class DatasetAdapter:
    """Base class of the dataset adapters (see the module docstring)."""

    name: str = ""
    kind: str = ""  # the kind of its records
    # every kind it can give, where it gives several (the demo world); else (kind,)
    kinds: tuple[str, ...] = ()
    # hub id -> {column: type} checked at download (xlgen.hub.check_columns)
    columns: Mapping[str, Mapping] = {}
    layouts: Mapping[str, HubLayout] = {}
    # the name of an extra metric flavour (xlgen.metrics.flavours), or None
    metric_flavour: str | None = None
    # data made by a rule of the workflow (the demo world), not downloaded
    generated: bool = False
    # test sets that translate each other, with ids matching across languages (XQuAD): the
    # held-out parallel text of the translation baselines' MT-quality figure
    parallel: bool = False

    def languages(self) -> tuple[str, ...]:
        """Every language the dataset has."""
        raise NotImplementedError

    def sources(self, lang: str) -> dict[str, DatasetRef]:
        """The hub split each record split of `lang` is made from, for every split the
        dataset has (a ValueError naming the dataset and its languages for another)."""
        raise NotImplementedError

    def record(self, row: Mapping, lang: str) -> dict | None:
        """A hub row as a record of the adapter's kind, or None if it is unusable."""
        raise NotImplementedError

    def group_keys(self, rows: list[Mapping]) -> list[str]:
        """The dev/test group of each row where dev and test come from one hub split: the
        row itself (its id) by default."""
        return [str(row["id"]) for row in rows]

    # the columns group_keys reads (only these are loaded to split)
    group_columns: tuple[str, ...] = ("id",)
    # the column that identifies a row (a cap ranks rows by it)
    id_column: str = "id"

    def rows_of(self, dataset, lang: str) -> list[int] | None:
        """The indices of `lang`'s rows in a hub split that mixes languages (TyDi QA), in the
        hub's order; None where every row is the language's (the default)."""
        return None

    def unlabeled(self, lang: str) -> tuple[DatasetRef, str] | None:
        """(hub split, text column) of target-language running text, or None."""
        return None

    def unknown_language(self, lang: str) -> ValueError:
        return ValueError(f"{self.name}: no data for {lang!r} (languages: {', '.join(sorted(self.languages()))})")

    def supported_kinds(self) -> tuple[str, ...]:
        return self.kinds or (self.kind,)

    def layout(self, hub_id: str) -> HubLayout:
        return self.layouts.get(hub_id, HubLayout())


def squad_group_keys(rows: list[Mapping]) -> list[str]:
    """The dev/test group of each SQuAD-format row: its article `title` where the rows have
    one (SQuAD), else its paragraph, named by the smallest id among the rows sharing its
    context (XQuAD, MLQA: the same key in every language where ids are shared)."""
    if rows and "title" in rows[0]:
        return [str(row["title"]) for row in rows]
    first: dict[str, str] = {}
    for row in rows:
        context = row["context"]
        first[context] = min(first.get(context, row["id"]), row["id"])
    return [first[row["context"]] for row in rows]


_LOADED: dict[str, DatasetAdapter] = {}


def get_adapter(name: str) -> DatasetAdapter:
    """The adapter a catalogue entry names: a built-in (xlgen.datasets.<name>) or the
    `ADAPTER` of an importable module path. ValueError (one line) otherwise."""
    if name in _LOADED:
        return _LOADED[name]
    module_name = f"xlgen.datasets.{name}" if name in BUILTIN else NAMED_MODULES.get(name, name)
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise InputError(f"dataset {name!r}: not a built-in adapter ({', '.join(BUILTIN + tuple(NAMED_MODULES))}) "
                         f"and not an importable module ({err})") from None
    adapter = getattr(module, "ADAPTER", None)
    if not isinstance(adapter, DatasetAdapter):
        raise InputError(f"dataset {name!r}: module {module_name} defines no ADAPTER (a DatasetAdapter)")
    _LOADED[name] = adapter
    return adapter
