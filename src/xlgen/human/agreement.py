"""The human tables: mean ratings with intervals, agreement, and the automatic measures' validity.

`human_table` (results/tables/human_<task>.csv): per system and target language, and over
the languages ("all"; also system "all": every output of the language), the mean fluency and
adequacy (1-5) and the share of outputs judged in the target language, in another language
(`wrong_share`), mixed or not language. A rating is averaged over its annotators per output
first; the 95% intervals are the project's seeded percentile bootstrap over outputs
(xlgen.bootstrap, each language resampled on its own for "all"). Krippendorff's alpha per
aspect (the `krippendorff` package: language nominal, fluency and adequacy ordinal, over
the outputs rated by two or more annotators, `alpha_units`) says how far the annotators
agree; NaN where fewer than two annotators rated the same output or every rating is equal.

`validity_table` (results/tables/human_validity_<task>.csv):
* `wrong_language`: the automatic verdict (xlgen.metrics.langid.judge, as the evaluate rule
  judges the output) against the annotators' majority language label; "wrong" for the humans
  is `other` (and, in the rows with human_wrong = other+mixed, `mixed` too). Precision and
  recall of the automatic "wrong"; outputs the judge left undetermined or without a human
  majority (a tie) are left out (`n_excluded`).
* `kendall_tau`: Kendall's tau-b (scipy.stats.kendalltau) of the task's main metric against
  mean fluency and adequacy; `segment`: over outputs; `system`: over the systems' means in a
  language, and for "all" over the (system, language) points.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from xlgen.bootstrap import bootstrap_intervals
from xlgen.human import LANGUAGE_LABELS, SCALE
from xlgen.human.ratings import join_key, read_ratings
from xlgen.io import write_text

ALL = "all"
SHARES = {"target_share": "target", "wrong_share": "other", "mixed_share": "mixed", "none_share": "none"}
HUMAN_COLUMNS = (["task", "simulated", "system", "lang", "lr", "n_outputs", "n_ratings", "n_annotators"]
                 + [f"{m}{s}" for m in ("fluency", "adequacy", "target_share", "wrong_share")
                    for s in ("", "_ci_low", "_ci_high")]
                 + ["mixed_share", "none_share", "alpha_language", "alpha_fluency", "alpha_adequacy", "alpha_units",
                    "metric", "metric_value", "auto_wrong_rate"])
VALIDITY_COLUMNS = ["task", "simulated", "analysis", "level", "lang", "aspect", "metric", "human_wrong", "n",
                    "n_excluded", "tp", "fp", "fn", "tn", "precision", "recall", "accuracy", "tau", "p_value"]
HUMAN_WRONG = {"other": ("other",), "other+mixed": ("other", "mixed")}


def krippendorff_alpha(ratings: pd.DataFrame, aspect: str) -> tuple[float, int]:
    """(alpha, units rated by 2+ annotators) of one aspect; language is nominal, the 1-5
    scales ordinal. NaN alpha when no unit has two ratings or the data cannot tell agreement
    from chance (a single value used throughout)."""
    import krippendorff

    table = ratings.pivot_table(index="annotator", columns="output_id", values=aspect, aggfunc="first")
    units = int((table.notna().sum(axis=0) >= 2).sum())
    if units == 0 or len(table) < 2:
        return math.nan, units
    if aspect == "language":
        codes = {label: i for i, label in enumerate(LANGUAGE_LABELS)}
        data = table.apply(lambda col: col.map(codes)).to_numpy(dtype=float)
        domain, level = list(range(len(LANGUAGE_LABELS))), "nominal"
    else:
        data, domain, level = table.to_numpy(dtype=float), list(SCALE), "ordinal"
    observed = data[~np.isnan(data)]
    if len(np.unique(observed)) < 2:
        return math.nan, units
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        value = float(krippendorff.alpha(reliability_data=data, value_domain=domain, level_of_measurement=level))
    return (value if math.isfinite(value) else math.nan), units


def per_output(joined: pd.DataFrame) -> pd.DataFrame:
    """One row per rated output: the key's columns, the mean fluency and adequacy over its
    annotators, the share of its annotators giving each language label, and the majority
    label (None on a tie)."""
    def majority(labels: pd.Series):
        counts = labels.value_counts()
        return counts.index[0] if len(counts) == 1 or counts.iloc[0] > counts.iloc[1] else None

    grouped = joined.groupby("output_id", sort=True)
    frame = pd.DataFrame({
        "n_ratings": grouped.size(),
        "fluency": grouped["fluency"].mean(),
        "adequacy": grouped["adequacy"].mean(),
        "human_label": grouped["language"].agg(majority),
        **{name: grouped["language"].agg(lambda s, label=label: float((s == label).mean()))
           for name, label in SHARES.items()},
    }).reset_index()
    key_columns = ["output_id", "lang", "item", "system", "lr", "metric", "metric_value", "auto_wrong",
                   "auto_status"]
    keys = joined[key_columns].drop_duplicates("output_id")
    return frame.merge(keys, on="output_id", how="left")


def _mean_of_language_means(frame: pd.DataFrame, column: str) -> float:
    means = frame.groupby("lang")[column].mean().dropna()
    return float(means.mean()) if len(means) else math.nan


def human_table(joined: pd.DataFrame, task: str, n_resamples: int, seed: int) -> pd.DataFrame:
    """The human table (HUMAN_COLUMNS) of ratings joined with the key (ratings.join_key)."""
    outputs = per_output(joined)
    langs = list(dict.fromkeys(outputs.sort_values("output_id")["lang"]))
    systems = sorted(outputs["system"].unique())
    simulated = bool(joined["simulated"].all())
    metric = str(outputs["metric"].dropna().iloc[0]) if outputs["metric"].notna().any() else ""
    rows = []
    for system in systems + [ALL]:
        for lang in langs + [ALL]:
            chosen = outputs[((outputs["system"] == system) | (system == ALL))
                             & ((outputs["lang"] == lang) | (lang == ALL))]
            if chosen.empty:
                continue
            rated = joined[joined["output_id"].isin(chosen["output_id"])]
            strata = [{name: part[name].tolist() for name in ("fluency", "adequacy", "target_share", "wrong_share")}
                      for _, part in chosen.groupby("lang", sort=True)]
            stats = bootstrap_intervals(strata, n_resamples, seed)
            lrs = pd.to_numeric(chosen["lr"], errors="coerce").dropna().unique()
            row = {"task": task, "simulated": simulated, "system": system, "lang": lang,
                   "lr": float(lrs[0]) if system != ALL and len(lrs) == 1 else math.nan,
                   "n_outputs": len(chosen), "n_ratings": len(rated), "n_annotators": rated["annotator"].nunique()}
            for name, (point, low, high) in stats.items():
                row.update({name: point, f"{name}_ci_low": low, f"{name}_ci_high": high})
            for name in ("mixed_share", "none_share"):
                row[name] = _mean_of_language_means(chosen, name)
            units = 0
            for aspect in ("language", "fluency", "adequacy"):
                row[f"alpha_{aspect}"], units = krippendorff_alpha(rated, aspect)
            row["alpha_units"] = units
            row["metric"] = metric
            row["metric_value"] = _mean_of_language_means(chosen.assign(
                metric_value=pd.to_numeric(chosen["metric_value"], errors="coerce")), "metric_value")
            row["auto_wrong_rate"] = _mean_of_language_means(chosen.assign(
                auto_wrong=pd.to_numeric(chosen["auto_wrong"], errors="coerce")), "auto_wrong")
            rows.append(row)
    return pd.DataFrame(rows, columns=HUMAN_COLUMNS)


def _ratio(a: int, b: int) -> float:
    return a / b if b else math.nan


def wrong_language_agreement(outputs: pd.DataFrame, human_wrong: tuple[str, ...]) -> dict:
    """Confusion counts, precision and recall of the automatic "wrong" against the humans'."""
    auto = pd.to_numeric(outputs["auto_wrong"], errors="coerce")
    usable = auto.notna() & outputs["human_label"].notna()
    auto_wrong = auto[usable] == 1.0
    human = outputs.loc[usable, "human_label"].isin(human_wrong)
    tp = int((auto_wrong & human).sum())
    fp = int((auto_wrong & ~human).sum())
    fn = int((~auto_wrong & human).sum())
    tn = int((~auto_wrong & ~human).sum())
    n = tp + fp + fn + tn
    return {"n": n, "n_excluded": int((~usable).sum()), "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "precision": _ratio(tp, tp + fp), "recall": _ratio(tp, tp + fn), "accuracy": _ratio(tp + tn, n)}


def kendall(x, y) -> tuple[float, float, int]:
    """(tau-b, two-sided p, n) over the pairs where both are numbers; NaN where fewer than
    two pairs or either side is constant."""
    from scipy.stats import kendalltau

    frame = pd.DataFrame({"x": pd.to_numeric(pd.Series(list(x)), errors="coerce"),
                          "y": pd.to_numeric(pd.Series(list(y)), errors="coerce")}).dropna()
    n = len(frame)
    if n < 2 or frame["x"].nunique() < 2 or frame["y"].nunique() < 2:
        return math.nan, math.nan, n
    result = kendalltau(frame["x"], frame["y"])
    return float(result.statistic), float(result.pvalue), n


def validity_table(joined: pd.DataFrame, task: str) -> pd.DataFrame:
    """The validity table (VALIDITY_COLUMNS) of ratings joined with the key."""
    outputs = per_output(joined)
    outputs["metric_value"] = pd.to_numeric(outputs["metric_value"], errors="coerce")
    langs = list(dict.fromkeys(outputs.sort_values("output_id")["lang"]))
    simulated = bool(joined["simulated"].all())
    metric = str(outputs["metric"].dropna().iloc[0]) if outputs["metric"].notna().any() else ""
    base = {"task": task, "simulated": simulated, "metric": metric}
    rows = []
    for lang in langs + [ALL]:
        chosen = outputs if lang == ALL else outputs[outputs["lang"] == lang]
        for name, labels in HUMAN_WRONG.items():
            rows.append({**base, "analysis": "wrong_language", "level": "segment", "lang": lang,
                         "aspect": "language", "human_wrong": name, **wrong_language_agreement(chosen, labels)})
    for aspect in ("fluency", "adequacy"):
        for lang in langs + [ALL]:
            chosen = outputs if lang == ALL else outputs[outputs["lang"] == lang]
            tau, p, n = kendall(chosen["metric_value"], chosen[aspect])
            rows.append({**base, "analysis": "kendall_tau", "level": "segment", "lang": lang, "aspect": aspect,
                         "n": n, "tau": tau, "p_value": p})
            means = chosen.groupby(["system", "lang"])[["metric_value", aspect]].mean()
            tau, p, n = kendall(means["metric_value"], means[aspect])
            rows.append({**base, "analysis": "kendall_tau", "level": "system", "lang": lang, "aspect": aspect,
                         "n": n, "tau": tau, "p_value": p})
    return pd.DataFrame(rows, columns=VALIDITY_COLUMNS)


def import_ratings(paths: list, study: dict, n_resamples: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                                    pd.DataFrame]:
    """(joined ratings, human table, validity table) of rating files against a study
    (xlgen.human.ratings.load_study); RatingProblems for bad files."""
    ratings = read_ratings(paths, study)
    joined = join_key(ratings, study["key"])
    return joined, human_table(joined, study["task"], n_resamples, seed), validity_table(joined, study["task"])


def write_table(frame: pd.DataFrame, path) -> None:
    """A table written atomically with a fixed float format (stable bytes for equal numbers)."""
    write_text(path, frame.to_csv(index=False, float_format="%.6g"))
