"""The real study's data and checkpoints from the Hugging Face hub, as local files.

Two steps per dataset, so that only the first needs the network:
  download_dataset   (a localrule): one (dataset, config, split) of the hub, loaded with
                     `datasets.load_dataset` and saved with `save_to_disk` under
                     `<cache_dir>/<org>--<name>/<config>/<split>` (resources/datasets/...).
  prepare_task_data  (a job): reads that cache only and writes the record schema of the
                     task's kind (xlgen.tasks) to `<out_dir>/<task>/<lang>/<split>.jsonl`.
Backbones: snapshot_backbone copies a hub checkpoint's config, tokenizer and weights into
`resources/models/<org>--<name>`, so GPU jobs load it with `HF_HUB_OFFLINE=1`.

Which hub split feeds which record split, and how a row becomes a record, is the task's
dataset adapter's (xlgen.datasets: XL-Sum, SQuAD -> XQuAD, MLQA, TyDi QA GoldP, ...); this
module is the same code for all of them.
The dev/test split (`dev_test_split`) is deterministic: where dev and test come from one
hub split, groups of rows (the adapter's group_keys: a SQuAD article; an XQuAD paragraph,
i.e. the questions sharing a context, named by the smallest id among them) are ranked by
sha256 of (seed, group key), and the first round(dev_fraction x groups) go to dev. No
context is shared between dev and test. Where ids are shared across languages (XQuAD,
MLQA), every language gets the same questions in dev and in test.
Caps (`caps`: split -> maximum number of records, None for all; train's is the train
subsample) keep the usable records whose ids rank lowest by sha256 of (seed, split, id), in
the hub's order: the same seed gives the same bytes, and parallel data keeps the same
questions in every language.

Only the location differs between the hub and a local copy (`source=`, a directory laid out
as the hub repository: parquet files and, where the hub has one, the README's `configs`):
the `load_dataset` call and everything after it are the same code.
"""

from __future__ import annotations

import fnmatch
import hashlib
import logging
import os
import shutil
import uuid
from pathlib import Path
from typing import Iterable, Mapping

from xlgen.backbones import PREFETCH_BACKBONES, checkpoint_problem, family_of
from xlgen.datasets import SPLITS, DatasetAdapter, DatasetRef, HubLayout, dataset_cache_path, get_adapter
from xlgen.io import InputError, atomic_path, disk_full_error, is_disk_full, write_jsonl
from xlgen.tasks import read_records

log = logging.getLogger(__name__)

PREFETCH_DATA = "snakemake --until download_data --configfile config/paper.yaml"
DEFAULT_DEV_FRACTION = 0.2

__all__ = ["DatasetRef", "dataset_cache_path", "HubLayout"]


class NotDownloadedError(RuntimeError):
    """A dataset or checkpoint is not in the local cache and the hub cannot be reached.

    The message is one line naming what is missing and the command that fetches it."""


# ---------------------------------------------------------------------------------------
# Which hub data feeds which record file


def _sources_for(adapter: DatasetAdapter, task: str, lang: str, splits: Iterable[str]) -> dict[str, DatasetRef]:
    sources = adapter.sources(lang)
    missing = [split for split in splits if split not in sources]
    if missing:
        raise InputError(
            f"{task}/{lang}: no {', '.join(missing)} data ({adapter.name} gives {', '.join(sources)})"
        )
    return {split: sources[split] for split in splits}


def required_datasets(tasks: Iterable, target_splits: Iterable[str] = ("dev", "test")) -> list[DatasetRef]:
    """Every hub split the study needs (sorted, unique): for every task (a TaskSpec of
    xlgen.catalog), train/dev/test of its source language and `target_splits` of
    each of its target languages. Generated datasets (the demo) need none."""
    refs: set[DatasetRef] = set()
    target_splits = tuple(target_splits)
    for task in tasks:
        adapter = task.adapter
        if adapter.generated:
            continue
        refs.update(_sources_for(adapter, task.name, task.source_language, SPLITS).values())
        for lang in task.target_languages:
            refs.update(_sources_for(adapter, task.name, lang, target_splits).values())
    return sorted(refs, key=lambda r: (r.name, r.config, r.split))


# ---------------------------------------------------------------------------------------
# Download: hub (or a local copy laid out like it) -> save_to_disk cache


def _offline() -> bool:
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE) or os.environ.get("HF_DATASETS_OFFLINE", "") in ("1", "ON", "YES", "TRUE")


def _unreachable_errors() -> tuple[type[BaseException], ...]:
    """What datasets and huggingface_hub raise when the hub cannot be reached (offline mode
    included: datasets turns it into a builtin ConnectionError at once)."""
    from huggingface_hub.errors import LocalEntryNotFoundError, OfflineModeIsEnabled

    errors: list[type[BaseException]] = [ConnectionError, OfflineModeIsEnabled, LocalEntryNotFoundError]
    try:
        import httpx

        errors.append(httpx.TransportError)
    except ImportError:  # older huggingface_hub uses requests, whose errors are ConnectionErrors
        pass
    return tuple(errors)


def _describe_types(features) -> object:
    """Features as plain types ({"text": ["string"]}) to compare with an adapter's columns."""
    from datasets import LargeList, List, Sequence, Value

    if isinstance(features, Value):
        return features.dtype
    if isinstance(features, (List, LargeList, Sequence)):
        inner = features.feature
        if isinstance(inner, dict):  # legacy Sequence({...}) is a dict of lists
            return {k: [_describe_types(v)] for k, v in inner.items()}
        return [_describe_types(inner)]
    if isinstance(features, dict):
        return {k: _describe_types(v) for k, v in features.items()}
    return type(features).__name__


def check_columns(name: str, features, expected: Mapping | None) -> None:
    """Raise ValueError (one line) unless a loaded dataset has the columns and types its
    adapter declares (`expected`, DatasetAdapter.columns[name]); None passes."""
    if expected is None:
        return
    got = {k: _describe_types(v) for k, v in features.items()}
    missing = [k for k in expected if k not in got]
    if missing:
        raise InputError(f"{name}: missing column(s) {', '.join(missing)} (columns: {', '.join(got)})")
    for key, kind in expected.items():
        if got[key] != kind:
            raise InputError(f"{name}: column {key!r} is {got[key]}, expected {kind}")


def download_dataset(name: str, config: str, split: str, cache_dir: str | Path,
                     source: str | Path | None = None, revision: str | None = None,
                     adapter: DatasetAdapter | str | None = None) -> Path:
    """Save one split of a hub dataset under `dataset_cache_path(cache_dir, ...)`; return it.

    Loads with `datasets.load_dataset` from the hub id, or from `source`, a local directory
    laid out as the hub repository (the call is the same, only the location differs), checks
    the columns `adapter` declares (check_columns; its layout: revision, config folders) and
    saves with `save_to_disk` into a temporary directory renamed into place, so an interrupted
    download leaves no partial cache. An existing cache is returned untouched. The hub's own
    download cache is `<cache_dir>/.hf-cache` (shared by the splits of a config, which
    `load_dataset` prepares together).
    Offline (or unreachable) and not cached: NotDownloadedError, one line naming the dataset
    and the pre-fetch command.
    """
    from datasets import load_dataset

    target = dataset_cache_path(cache_dir, name, config, split)
    if (target / "dataset_info.json").exists():
        return target
    adapter = get_adapter(adapter) if isinstance(adapter, str) else adapter
    layout = adapter.layout(name) if adapter is not None else HubLayout()
    location = name if source is None else str(source)
    if source is not None and not Path(source).is_dir():
        raise FileNotFoundError(f"{name}: local source {source} is not a directory")
    args = (location,) if layout.config_is_folder else (location, config)
    kwargs = {"split": split, "revision": revision or layout.revision,
              "cache_dir": str(Path(cache_dir) / ".hf-cache")}
    if layout.config_is_folder:  # this split's own files: inferring splits from the folder names
        # would also file <config>/sampled_validation/ (WikiLingua's export) under validation
        kwargs["data_files"] = {split: f"{config}/{split}/*.parquet"}
    try:
        dataset = load_dataset(*args, **kwargs)
    except _unreachable_errors() as err:
        reason = "offline mode" if _offline() else type(err).__name__
        raise NotDownloadedError(
            f"{name} (config {config}, split {split}) is not in {cache_dir} and the hub "
            f"cannot be reached ({reason}); pre-fetch it on a machine with internet: {PREFETCH_DATA}"
        ) from None
    check_columns(name, dataset.features, adapter.columns.get(name) if adapter is not None else None)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".tmp-{split}-{uuid.uuid4().hex[:8]}"
    try:
        dataset.save_to_disk(str(tmp))
        try:
            os.rename(tmp, target)
        except OSError:  # another job saved it first: keep theirs
            if not (target / "dataset_info.json").exists():
                raise
    except Exception as err:
        if is_disk_full(err, target.parent):  # one line naming the cache, the partial copy removed
            raise disk_full_error(target) from err
        raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    log.info("saved %s %s %s: %d rows -> %s", name, config, split, len(dataset), target)
    return target


def load_cached(ref: DatasetRef, cache_dir: str | Path):
    """The saved split (a datasets.Dataset); NotDownloadedError naming it if not cached."""
    from datasets import load_from_disk

    path = ref.path(cache_dir)
    if not (path / "dataset_info.json").exists():
        raise NotDownloadedError(
            f"{ref.name} (config {ref.config}, split {ref.split}) is not downloaded to {path}; "
            f"fetch it first (on a machine with internet): {PREFETCH_DATA}"
        )
    return load_from_disk(str(path))


# ---------------------------------------------------------------------------------------
# Deterministic selection


def _rank(seed: int, *parts: str) -> str:
    return hashlib.sha256("\x1f".join([str(seed), *parts]).encode("utf-8")).hexdigest()


def dev_test_split(keys: list[str], dev_fraction: float, seed: int) -> list[str]:
    """Whether each row (given by its group key) is in "dev" or "test": the
    round(dev_fraction x groups) groups ranking first by sha256(seed, key) are dev (at
    least one group each way)."""
    if not 0 < dev_fraction < 1:
        raise InputError(f"dev_fraction must be between 0 and 1 (exclusive), got {dev_fraction!r}")
    groups = sorted(set(keys), key=lambda key: _rank(seed, "dev-test", key))
    if len(groups) < 2:
        raise InputError(f"cannot split {len(groups)} group(s) into dev and test")
    n_dev = min(max(round(dev_fraction * len(groups)), 1), len(groups) - 1)
    dev = set(groups[:n_dev])
    return ["dev" if key in dev else "test" for key in keys]


def select_records(dataset, indices: list[int], normalize,
                   lang: str, limit: int | None, seed: int, split: str,
                   id_column: str = "id") -> tuple[list[dict], int, int]:
    """The records of `dataset` rows `indices` (in that order), with unusable rows and
    repeated ids (all but the first) left out, and at most `limit` of them (all if None):
    those whose ids rank lowest by sha256(seed, split, id), in the hub's order.

    Returns (records, unusable rows seen, repeated ids seen). With a limit, rows are read
    in rank order and reading stops at `limit` records, so a 2,000-record sample of
    XL-Sum's 300k English articles does not materialize the rest.
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InputError(f"cap for {split} must be a positive integer or None, got {limit!r}")
    if limit is None:  # read sequentially
        order = indices
        rows = iter(dataset if len(indices) == len(dataset) else dataset.select(indices))
    else:
        ids = dataset.select_columns([id_column]).to_dict()[id_column]
        order = sorted(indices, key=lambda i: (_rank(seed, split, str(ids[i])), i))
        rows = (dataset[i] for i in order)
    kept: list[tuple[int, dict]] = []
    seen: set = set()
    unusable = repeated = 0
    for i, row in zip(order, rows):
        record = normalize(row, lang)
        if record is None:
            unusable += 1
        elif record["id"] in seen:
            repeated += 1
        else:
            seen.add(record["id"])
            kept.append((i, record))
            if limit is not None and len(kept) == limit:
                break
    return [record for _, record in sorted(kept, key=lambda pair: pair[0])], unusable, repeated


# ---------------------------------------------------------------------------------------
# Prepare: cache -> record files


def prepare_task_data(adapter: DatasetAdapter | str, task: str, lang: str, cache_dir: str | Path,
                      out_dir: str | Path, caps: Mapping[str, int | None] | None = None, seed: int = 0, *,
                      splits: Iterable[str] | None = None,
                      dev_fraction: float = DEFAULT_DEV_FRACTION) -> dict[str, Path]:
    """Write `<out_dir>/<task>/<lang>/<split>.jsonl` for `splits` (default: every split the
    adapter's sources have) from the download cache; return split -> path.

    Where dev and test come from one hub split, its rows are split (dev_test_split over the
    adapter's group_keys); rows become records (adapter.record), are capped (`caps[split]`;
    select_records: unusable rows and repeated ids left out and logged), written atomically
    and read back through xlgen.tasks.read_records with the adapter's kind. Reads no
    network: a missing cache is a NotDownloadedError.
    """
    adapter = get_adapter(adapter) if isinstance(adapter, str) else adapter
    caps = dict(caps or {})
    unknown = set(caps) - set(SPLITS)
    if unknown:
        raise InputError(f"caps: unknown split(s) {', '.join(sorted(unknown))}; known: {', '.join(SPLITS)}")
    every = adapter.sources(lang)
    shared = {ref for split, ref in every.items() if list(every.values()).count(ref) > 1}
    sources = _sources_for(adapter, task, lang, splits if splits is not None else every)
    loaded: dict[DatasetRef, tuple] = {}
    written: dict[str, Path] = {}
    for split, ref in sources.items():
        if ref not in loaded:
            dataset = load_cached(ref, cache_dir)
            # a split that mixes languages (TyDi QA) is narrowed to this language's rows first
            pool = adapter.rows_of(dataset, lang)
            pool = list(range(len(dataset))) if pool is None else pool
            sides = None
            if ref in shared:  # dev and test share this hub split
                columns = [c for c in adapter.group_columns if c in dataset.column_names]
                rows = dataset.select_columns(columns)
                keys = adapter.group_keys(rows.to_list() if len(pool) == len(dataset) else rows.select(pool).to_list())
                sides = dict(zip(pool, dev_test_split(keys, dev_fraction, seed)))
            loaded[ref] = (dataset, pool, sides)
            if len(pool) < len(dataset):
                log.info("%s (%s, %s): %d of %d rows are %s", ref.name, ref.config, ref.split, len(pool),
                         len(dataset), lang)
        dataset, pool, sides = loaded[ref]
        indices = [i for i in pool if sides is None or sides[i] == split]
        records, unusable, repeated = select_records(dataset, indices, adapter.record, lang,
                                                     caps.get(split), seed, split, adapter.id_column)
        if not records:
            raise InputError(f"{task}/{lang}/{split}: no usable rows in {ref.name} ({ref.config}, {ref.split})")
        path = Path(out_dir) / task / lang / f"{split}.jsonl"
        with atomic_path(path) as tmp:
            write_jsonl(tmp, records)
            read_records(adapter.kind, tmp)  # the schema every later stage relies on
        log.info("%s/%s/%s: %d hub rows, %d unusable and %d repeated ids seen, %d written -> %s",
                 task, lang, split, len(indices), unusable, repeated, len(records), path)
        written[split] = path
    return written


# ---------------------------------------------------------------------------------------
# Backbones: hub checkpoint -> resources/models/<org>--<name>

# Config, tokenizer and generation files of the three families' checkpoints.
BACKBONE_FILES = (
    "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
    "special_tokens_map.json", "added_tokens.json", "*.model",  # spiece.model, sentencepiece.bpe.model
    "chat_template.jinja", "chat_template.json",  # an LLM's chat template, where kept apart from tokenizer_config
)


def model_cache_path(models_dir: str | Path, hub_id: str) -> Path:
    """Where snapshot_backbone puts a checkpoint: <models_dir>/<org>--<name>."""
    return Path(models_dir) / hub_id.replace("/", "--")


def backbone_patterns(files: Iterable[str]) -> list[str]:
    """allow_patterns for a checkpoint with these files: config and tokenizer files, and
    the safetensors weights where there are any, else the PyTorch `.bin` ones (never the
    TF, Flax, ONNX or Rust copies)."""
    files = list(files)
    if any(fnmatch.fnmatch(f, "*.safetensors") for f in files):
        weights = ["*.safetensors", "*.safetensors.index.json"]
    else:
        weights = ["pytorch_model*.bin", "pytorch_model.bin.index.json"]
    return [*BACKBONE_FILES, *weights]


def _matches(path: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatch(path, pattern) for pattern in patterns)


def snapshot_backbone(hub_id: str, out_dir: str | Path, revision: str | None = None,
                      source: str | Path | None = None) -> Path:
    """Copy a checkpoint's config, tokenizer and weights (backbone_patterns) into `out_dir`;
    return it. From the hub with `huggingface_hub.snapshot_download`, or from `source`, a
    local directory holding the same files (the file selection is the same code). The copy
    goes to a temporary directory, is checked (config.json, weights, a supported family, no
    missing or truncated file: xlgen.backbones.checkpoint_problem) and renamed into place;
    an existing `out_dir` that passes the same file checks is returned untouched, a damaged
    one is fetched again and replaced once the new copy is complete.
    Offline (or unreachable) and not there: NotDownloadedError, one line naming the model
    and the pre-fetch command.
    """

    out = Path(out_dir)
    damaged = None
    if out.exists():
        damaged = checkpoint_problem(out)
        if damaged is None:
            return out
        log.warning("%s: %s; fetching %s again", damaged[0], damaged[1], hub_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".tmp-{out.name}-{uuid.uuid4().hex[:8]}"
    try:
        if source is not None:
            root = Path(source)
            if not root.is_dir():
                raise FileNotFoundError(f"{hub_id}: local source {source} is not a directory")
            files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
            patterns = backbone_patterns(files)
            for name in files:
                if _matches(name, patterns):
                    (tmp / name).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(root / name, tmp / name)
        else:
            from huggingface_hub import HfApi, snapshot_download

            try:
                files = HfApi().list_repo_files(hub_id, revision=revision)
                snapshot_download(repo_id=hub_id, revision=revision, local_dir=str(tmp),
                                  allow_patterns=backbone_patterns(files))
            except _unreachable_errors() as err:
                reason = "offline mode" if _offline() else type(err).__name__
                raise NotDownloadedError(
                    f"{hub_id} is not in {out} and the hub cannot be reached ({reason}); "
                    f"pre-fetch it on a machine with internet: {PREFETCH_BACKBONES}"
                ) from None
            shutil.rmtree(tmp / ".cache", ignore_errors=True)  # snapshot_download's bookkeeping
        _check_checkpoint(hub_id, tmp)
        if damaged is not None and out.exists():
            shutil.rmtree(out)
        try:
            os.rename(tmp, out)
        except OSError:  # another job put it there first: keep theirs
            if not (out / "config.json").exists():
                raise
    except Exception as err:
        if is_disk_full(err, out.parent):
            raise disk_full_error(out) from err
        raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    log.info("snapshot of %s -> %s", hub_id, out)
    return out


def _check_checkpoint(hub_id: str, path: Path) -> None:
    from transformers import AutoConfig


    if not (path / "config.json").exists():
        raise InputError(f"{hub_id}: no config.json in the checkpoint")
    if not any(_matches(p.name, ["*.safetensors", "pytorch_model*.bin"]) for p in path.iterdir()):
        raise InputError(f"{hub_id}: no weights (*.safetensors or pytorch_model*.bin) in the checkpoint")
    problem = checkpoint_problem(path)  # a truncated or unreadable file: never renamed into place
    if problem:
        raise InputError(f"{hub_id}: {problem[0].relative_to(path)}: {problem[1]} in the fetched copy")
    family_of(AutoConfig.from_pretrained(path))  # ValueError for an unsupported model_type
