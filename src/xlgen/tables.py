"""The study's tables: one long table of every score, wide LR-sweep tables derived from it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from xlgen.tasks import MAIN_METRIC

RUN_KEYS = ["task", "backbone", "method", "lr", "seed"]
ROW_KEYS = RUN_KEYS + ["lang", "split"]
RUN_PATH = re.compile(r"(?P<task>[^/]+)/(?P<backbone>[^/]+)/(?P<method>[^/]+)/lr~(?P<lr>[^/]+)/seed~(?P<seed>[^/]+)/")


def run_keys_from_path(path: str | Path) -> dict:
    """The run's wildcards from a path `.../<task>/<backbone>/<method>/lr~<lr>/seed~<seed>/...`."""
    match = RUN_PATH.search(str(path))
    if not match:
        raise ValueError(f"{path}: not a run path (<task>/<backbone>/<method>/lr~<lr>/seed~<seed>/)")
    keys = match.groupdict()
    return {**keys, "lr": float(keys["lr"]), "seed": int(keys["seed"])}


def long_table(score_files: list[str | Path], run_files: list[str | Path]) -> pd.DataFrame:
    """Every (run, language, split) row with its metrics and the run's training facts."""
    scores = pd.concat([pd.read_csv(p, keep_default_na=False, na_values=[""]) for p in score_files], ignore_index=True)
    runs = []
    for path in run_files:
        summary = json.loads(Path(path).read_text(encoding="utf-8"))
        runs.append({
            **run_keys_from_path(path),
            "trainable_params": summary["trainable_params"],
            "trainable_share": summary["trainable_share"],
            "dev_loss_final": summary["dev_loss_final"],
            "train_steps": summary["steps"],
        })
    table = scores.merge(pd.DataFrame(runs), on=RUN_KEYS, how="left", validate="many_to_one")
    return table.sort_values(ROW_KEYS, kind="stable").reset_index(drop=True)


def lr_sweep_table(long: pd.DataFrame, task: str, source_lang: str, split: str = "test") -> pd.DataFrame:
    """Wide table of one task: a row per (backbone, method, lr, seed), per language the main
    metric and the wrong-language rate, plus their means over the target languages."""
    metric = MAIN_METRIC[task]
    rows = long[(long["task"] == task) & (long["split"] == split)]
    index = ["backbone", "method", "lr", "seed"]
    quality = rows.pivot_table(index=index, columns="lang", values=metric, aggfunc="first", dropna=False)
    wrong = rows.pivot_table(index=index, columns="lang", values="wrong_lang_rate", aggfunc="first", dropna=False)
    targets = [c for c in quality.columns if c != source_lang]
    wide = pd.concat(
        [
            quality.add_prefix(f"{metric}_"),
            quality[targets].mean(axis=1).rename(f"{metric}_targets_mean"),
            wrong.add_prefix("wrong_lang_"),
            wrong[targets].mean(axis=1).rename("wrong_lang_targets_mean"),
        ],
        axis=1,
    )
    status = rows.groupby(index)["status"].first()
    dev = rows.groupby(index)["dev_loss_final"].first()
    wide = wide.join(status).join(dev).reset_index()
    return wide.sort_values(index, kind="stable").reset_index(drop=True)


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a table atomically with a fixed float format (stable bytes for equal numbers)."""
    from xlgen.io import write_text

    write_text(path, frame.to_csv(index=False, float_format="%.6g"))
