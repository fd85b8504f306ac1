"""Learning-rate selection under three protocols, side by side.

* `source_dev`: the LR with the best main metric (the task's, task_metric) on the source
  language's dev set; strict zero-shot: no target-language data is looked at. A
  translate-train run ('full+tt-ru') is selected the same way on the dev set of the language
  it was trained in (ru): for it, that language is the source. A several-sources run
  ('full+src-en-es') is selected on the mean of its sources' dev scores (each source weighing
  the same), and its target languages are those that are not sources.
* `target_dev`: per target language, the LR with the best score on that language's own dev
  set: the oracle of language-specific LR tuning.
* `mean_target_dev`: one LR for all targets, the best by the mean over target dev scores.

Seeds are averaged before selecting. A learning rate where a seed diverged (NaN metric) is
never selected; ties go to the lower learning rate. Each protocol reports the test score
and wrong-language rate of every target language at its LR, and their mean over targets.
"""

from __future__ import annotations

import math

import pandas as pd

from xlgen.io import InputError

PROTOCOLS = ("source_dev", "target_dev", "mean_target_dev")
TARGETS_MEAN = "targets_mean"
SELECTION_COLUMNS = ["task", "backbone", "method", "protocol", "lang", "lr", "selected_on",
                     "selection_score", "metric", "test_score", "test_wrong_lang_rate"]
# the run's identity fields (xlgen.runs) each row carries, after the columns above
VARIANT_COLUMNS = ["base_method", "variant", "variant_lang"]
# the variant of a run trained on several source languages (xlgen.remedies.several_sources: a
# higher layer than this one), its `variant_lang` the sources joined by '-' ('en-es')
SEVERAL_SOURCES = "several_sources"


def task_metric(table: pd.DataFrame, task: str) -> str:
    """The main metric of `task` as a table states it: the `main_metric` column of the long
    table (the run's identity, xlgen.runs) or the `metric` column of an LR-selection table."""
    rows = table[table["task"] == task]
    column = "main_metric" if "main_metric" in table.columns else "metric"
    values = set(rows[column].dropna())
    if len(values) != 1:
        raise InputError(f"{task}: expected one main metric in the table's {column!r} column, found {sorted(values)}")
    return values.pop()


def seed_means(long: pd.DataFrame, task: str) -> pd.DataFrame:
    """The main metric and wrong-language rate of `task` per (backbone, method, lr, lang,
    split), averaged over seeds: NaN where any seed has no score (diverged), while the
    wrong-language rate averages the seeds where it could be measured."""
    metric = task_metric(long, task)
    rows = long[long["task"] == task]
    keys = ["backbone", "method", "lr", "lang", "split"]
    grouped = rows.groupby(keys, sort=True)
    return pd.DataFrame({
        metric: grouped[metric].agg(lambda s: s.mean(skipna=False)),
        "wrong_lang_rate": grouped["wrong_lang_rate"].mean(),
        "n_seeds": grouped["seed"].nunique(),
    }).reset_index()


def best_lr(scores: pd.Series) -> tuple[float, float]:
    """(lr, score) of the highest non-NaN score of a Series indexed by LR; the lower LR wins
    a tie; (NaN, NaN) when every score is NaN."""
    valid = scores.dropna()
    if valid.empty:
        return math.nan, math.nan
    top = valid.max()
    return float(min(lr for lr, value in valid.items() if value == top)), float(top)


def _at(table: pd.DataFrame, lr: float, lang: str) -> float:
    if math.isnan(lr) or lang not in table.columns or lr not in table.index:
        return math.nan
    return float(table.at[lr, lang])


def _group_rows(frame: pd.DataFrame, metric: str, base: dict, train_langs: list[str],
                target_langs: list[str]) -> list[dict]:
    """The selection rows of one (backbone, method): `frame` its seed means, `base` the columns
    every row shares, in PROTOCOLS order; `source_dev` picks the LR by the mean dev score over
    `train_langs` (the languages the run trained on)."""
    rows = []

    def pivot(split: str, value: str) -> pd.DataFrame:
        part = frame[frame["split"] == split]
        return part.pivot(index="lr", columns="lang", values=value).reindex(
            columns=list(dict.fromkeys([*train_langs, *target_langs])))

    dev, test, wrong = pivot("dev", metric), pivot("test", metric), pivot("test", "wrong_lang_rate")

    def add(protocol: str, lang: str, lr: float, selected_on: str, score: float) -> None:
        rows.append({**base, "protocol": protocol, "lang": lang, "lr": lr, "selected_on": selected_on,
                     "selection_score": score, "test_score": _at(test, lr, lang),
                     "test_wrong_lang_rate": _at(wrong, lr, lang)})

    def add_mean(protocol: str, lr: float, selected_on: str, score: float, start: int) -> None:
        chosen = rows[start:]
        rows.append({**base, "protocol": protocol, "lang": TARGETS_MEAN, "lr": lr,
                     "selected_on": selected_on, "selection_score": score,
                     "test_score": pd.Series([r["test_score"] for r in chosen], dtype=float).mean(),
                     "test_wrong_lang_rate": pd.Series([r["test_wrong_lang_rate"] for r in chosen],
                                                       dtype=float).mean()})

    lr, score = best_lr(dev[train_langs].mean(axis=1, skipna=False))
    trained_on = "+".join(train_langs) + (" dev" if len(train_langs) == 1 else " mean dev")
    start = len(rows)
    for lang in target_langs:
        add("source_dev", lang, lr, trained_on, score)
    add_mean("source_dev", lr, trained_on, score, start)

    start = len(rows)
    for lang in target_langs:
        lang_lr, lang_score = best_lr(dev[lang])
        add("target_dev", lang, lang_lr, f"{lang} dev", lang_score)
    own = pd.Series([r["selection_score"] for r in rows[start:]], dtype=float)
    add_mean("target_dev", math.nan, "each target's dev", own.mean(skipna=False), start)

    lr, score = best_lr(dev[target_langs].mean(axis=1, skipna=False))
    start = len(rows)
    for lang in target_langs:
        add("mean_target_dev", lang, lr, "mean target dev", score)
    add_mean("mean_target_dev", lr, "mean target dev", score, start)
    return rows


def select_learning_rates(long: pd.DataFrame, task: str, source_lang: str,
                          target_langs: list[str] | None = None) -> pd.DataFrame:
    """The LR-selection table of `task` (columns SELECTION_COLUMNS): per backbone, method and
    protocol, a row per target language and one for their mean (`targets_mean`) with the
    chosen LR, what it was chosen on and by which dev score, and the test score and
    wrong-language rate it gives. Under `target_dev` each language has its own LR and the
    mean row (lr NaN) averages the per-language dev and test scores at those LRs.
    """
    metric = task_metric(long, task)
    means = seed_means(long, task)
    splits = set(means["split"])
    if not {"dev", "test"} <= splits:
        raise InputError(f"LR selection of {task} needs dev and test generations; found splits {sorted(splits)} "
                         "(add both to generate.splits)")
    if target_langs is None:
        target_langs = sorted(set(means["lang"]) - {source_lang})
    # languages a backbone has no code for were skipped (status no_code): not in its means
    skipped = long[(long["task"] == task) & (long["status"] == "no_code")].groupby("backbone")["lang"].agg(set)
    all_targets = target_langs
    identity = _variant_lang_filled(long[long["task"] == task].groupby(["backbone", "method"])[VARIANT_COLUMNS]
                                    .first())
    rows = []
    for (backbone, method), frame in means.groupby(["backbone", "method"], sort=True):
        target_langs = [lang for lang in all_targets if lang not in skipped.get(backbone, set())]
        # a translate-train run ('full+tt-ru') trains on, is selected on and serves one language
        train_langs = [source_lang]
        run = identity.loc[(backbone, method)].to_dict()
        if run["variant"] == "translate_train":
            train_langs, target_langs = [run["variant_lang"]], [run["variant_lang"]]
        if run["variant"] == SEVERAL_SOURCES:  # 'full+src-en-es': selected on en and es dev, zero-shot elsewhere
            train_langs = run["variant_lang"].split("-")
            target_langs = [lang for lang in target_langs if lang not in train_langs]

        base = {"task": task, "backbone": backbone, "method": method, "metric": metric, **run}
        rows.extend(_group_rows(frame, metric, base, train_langs, target_langs))

    # rows come out sorted by backbone and method, protocols in PROTOCOLS order
    return pd.DataFrame(rows, columns=SELECTION_COLUMNS + VARIANT_COLUMNS)


def _variant_lang_filled(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its empty variant languages as "": a CSV column of only empty cells reads back
    as float NaN, and filling a float column with a string is deprecated in pandas (an error in 4)."""
    return frame.astype({"variant_lang": object}).fillna({"variant_lang": ""})


def run_variants(selection: pd.DataFrame) -> dict[tuple[str, str], tuple[str, str, str]]:
    """{(backbone, method): (base method, variant, variant language)} of the selection's runs."""
    rows = _variant_lang_filled(selection).drop_duplicates(["backbone", "method"])
    return {(r.backbone, r.method): (r.base_method, r.variant, r.variant_lang) for r in rows.itertuples()}


def selected_lrs(selection: pd.DataFrame, protocol: str = "source_dev") -> dict[tuple[str, str], float]:
    """{(backbone, method): lr} chosen by a protocol that picks one LR for all targets."""
    if protocol == "target_dev":
        raise ValueError("target_dev picks one LR per language, not one per (backbone, method)")
    rows = selection[(selection["protocol"] == protocol) & (selection["lang"] == TARGETS_MEAN)]
    return {(r.backbone, r.method): float(r.lr) for r in rows.itertuples()}
