"""The study's tables: one long table of every score, wide LR-sweep tables derived from it,
and at the selected learning rate the main table (with bootstrap intervals) and the paired
tests of each method against full finetuning."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from xlgen.bootstrap import bootstrap_intervals, paired_bootstrap
from xlgen.io import InputError, write_text
from xlgen.remedies import DECODE_REMEDIES, several_sources
from xlgen.runs import DECODING_VARIANTS, REMEDY_VARIANTS, RUN_KEYS, format_lr, same_lr
from xlgen.selection import TARGETS_MEAN, run_variants, selected_lrs, task_metric
from xlgen.tasks import KINDS, get_kind

ROW_KEYS = RUN_KEYS + ["lang", "split"]


def long_table(score_files: list[str | Path], run_files: list[str | Path]) -> pd.DataFrame:
    """Every (run, language, split) row with its metrics, the run's identity (xlgen.runs: its
    keys first, its other fields after the metrics) and the training facts of its run.json."""
    scores = pd.concat([pd.read_csv(p, keep_default_na=False, na_values=[""]) for p in score_files], ignore_index=True)
    runs = []
    for path in run_files:
        summary = json.loads(Path(path).read_text(encoding="utf-8"))
        if "run" not in summary:
            raise InputError(f"{path}: no 'run' identity record (written by an older xlgen: rerun its finetune job)")
        runs.append({
            **{key: summary["run"][key] for key in RUN_KEYS},
            "trainable_params": summary["trainable_params"],
            "trainable_share": summary["trainable_share"],
            "dev_loss_final": summary["dev_loss_final"],
            "train_steps": summary["steps"],
        })
    runs = pd.DataFrame(runs).rename(columns={"method": "trained_method"})
    # a decoding variant (translate-test, script mask) applies its base method's run: its facts are those
    trained = [base if variant in DECODING_VARIANTS else method
               for method, base, variant in zip(scores["method"], scores["base_method"], scores["variant"])]
    keys = [k if k != "method" else "trained_method" for k in RUN_KEYS]
    table = scores.assign(trained_method=trained).merge(runs, on=keys, how="left", validate="many_to_one")
    table = table.drop(columns="trained_method")
    return table.sort_values(ROW_KEYS, kind="stable").reset_index(drop=True)


def lr_sweep_table(long: pd.DataFrame, task: str, source_lang: str, split: str = "test") -> pd.DataFrame:
    """Wide table of one task: a row per (backbone, method, lr, seed), per language the main
    metric and the wrong-language rate, plus their means over the target languages."""
    metric = task_metric(long, task)
    rows = long[(long["task"] == task) & (long["split"] == split)]
    index = ["backbone", "method", "lr", "seed"]
    quality = rows.pivot_table(index=index, columns="lang", values=metric, aggfunc="first", dropna=False)
    wrong = rows.pivot_table(index=index, columns="lang", values="wrong_lang_rate", aggfunc="first", dropna=False)
    targets = [c for c in quality.columns if c != source_lang]
    # the targets means leave out the languages a several-sources run trained on
    zero_shot = rows[~_trained_language(rows)]
    means = {value: zero_shot.pivot_table(index=index, columns="lang", values=value, aggfunc="first", dropna=False)
             .reindex(index=quality.index, columns=targets) for value in (metric, "wrong_lang_rate")}
    wide = pd.concat(
        [
            quality.add_prefix(f"{metric}_"),
            means[metric].mean(axis=1).rename(f"{metric}_targets_mean"),
            wrong.add_prefix("wrong_lang_"),
            means["wrong_lang_rate"].mean(axis=1).rename("wrong_lang_targets_mean"),
        ],
        axis=1,
    )
    status = rows.groupby(index)["status"].first()
    dev = rows.groupby(index)["dev_loss_final"].first()
    wide = wide.join(status).join(dev).reset_index()
    return wide.sort_values(index, kind="stable").reset_index(drop=True)


def _trained_language(rows: pd.DataFrame) -> pd.Series:
    """Whether each score row is of a language its run trained on besides the source language:
    a source of a several-sources run ('full+src-en-es': en and es), not a zero-shot target."""
    if "variant" not in rows.columns:
        return pd.Series(False, index=rows.index)
    sources = [several_sources.trained_sources(v, k) for v, k in zip(rows["variant"], rows["variant_lang"])]
    return pd.Series([lang in langs for lang, langs in zip(rows["lang"], sources)], index=rows.index)


NO_REMEDY = "none"
IN_TARGET = "_in_target"  # suffix of the main metric over the outputs judged to be in the target language


def _lr_key(lrs) -> list[str]:
    """LRs in their path form (xlgen.runs.format_lr): equal for one run's LR read from any table."""
    return [format_lr(lr) for lr in lrs]


def in_target_intervals(per_example: pd.DataFrame, metric: str, n_resamples: int, seed: int
                        ) -> pd.DataFrame:
    """Per (backbone, method, lr, seed, lang, split) of `per_example`: the mean of `metric`
    over only the outputs the language judge put in the target language (`wrong_lang` 0;
    wrong and undetermined ones left out), its seeded 95% bootstrap interval (xlgen.bootstrap:
    every example resampled, the statistic the mean of the kept ones), and `n_in_target`
    (how many outputs were kept). Columns: the keys (lr as `lr_key`), `<metric>_in_target`,
    its `_ci_low` and `_ci_high`, `n_in_target`."""
    name = f"{metric}{IN_TARGET}"
    keys = ["backbone", "method", "lr_key", "seed", "lang", "split"]
    columns = [*keys, name, f"{name}_ci_low", f"{name}_ci_high", "n_in_target"]
    if per_example.empty:
        return pd.DataFrame(columns=columns)
    for column in (metric, "wrong_lang"):
        if column not in per_example.columns:
            raise InputError(f"per-example scores: no {column!r} column (per_example.csv of the evaluate rule)")
    kept = per_example["wrong_lang"] == 0
    frame = per_example.assign(lr_key=_lr_key(per_example["lr"]),
                               in_target=per_example[metric].where(kept), kept=kept.astype(int))
    rows = []
    for key, group in frame.groupby(keys, sort=True):
        point, low, high = bootstrap_intervals({"in_target": group["in_target"].to_numpy(dtype=float)},
                                               n_resamples, seed)["in_target"]
        rows.append([*key, point, low, high, int(group["kept"].sum())])
    return pd.DataFrame(rows, columns=columns)


def arms_table(long: pd.DataFrame, task: str, per_example: pd.DataFrame | None = None, n_resamples: int = 0,
               seed: int = 0, split: str = "test") -> pd.DataFrame:
    """The remedies as study arms (issue 23): a row per (backbone, method, lr, seed, remedy,
    language) of `task` on `split`, `method` the trained method and `remedy` the decoding
    variant (any of xlgen.runs.REMEDY_VARIANTS, e.g. 'script_mask'; 'several_sources' is trained
    on the union of the sources' data, compared with the run trained on the source language
    alone at the same LR and seed, its sources' rows not zero-shot) or 'none' (the zero-shot
    run itself); the main metric and the wrong-language rate with their intervals, as the
    run's score rows give them, then the main metric over only the outputs judged to be in
    the target language with its interval (in_target_intervals, from `per_example`: the
    evaluate rule's per-example scores of these runs; NaN where a run has none), and the
    undetermined rate. Translation baselines are not remedies: left out."""
    metric = task_metric(long, task)
    rows = long[(long["task"] == task) & (long["split"] == split)
                & long["variant"].isin(("zero_shot", *REMEDY_VARIANTS))]
    table = rows.assign(run_method=rows["method"], lr_key=_lr_key(rows["lr"]), method=rows["base_method"],
                        remedy=rows["variant"].where(rows["variant"] != "zero_shot", NO_REMEDY))
    if per_example is None:
        per_example = pd.DataFrame(columns=[*RUN_KEYS, "lang", "split", "id", metric, "wrong_lang"])
    in_target = in_target_intervals(per_example[per_example["split"] == split], metric, n_resamples, seed)
    table = table.merge(in_target.rename(columns={"method": "run_method"}),
                        on=["backbone", "run_method", "lr_key", "seed", "lang", "split"], how="left",
                        validate="one_to_one")
    values = [f"{name}{end}" for name in (metric, "wrong_lang_rate", f"{metric}{IN_TARGET}")
              for end in ("", "_ci_low", "_ci_high")]
    columns = ["task", "backbone", "method", "lr", "seed", "remedy", "lang", "split", "status", "n",
               *values, "n_in_target", "undetermined_rate"]
    return table[columns].sort_values(["backbone", "method", "lr", "seed", "remedy", "lang"],
                                      kind="stable").reset_index(drop=True)


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a table atomically with a fixed float format (stable bytes for equal numbers)."""

    write_text(path, frame.to_csv(index=False, float_format="%.6g"))


# --- the study's result tables at the selected learning rate --------------------------------

MAIN_PROTOCOL = "source_dev"  # strict zero-shot: the main table's LR never saw target data
REFERENCE_METHOD = "full"
PAIRED_COLUMNS = ["task", "backbone", "method", "lr", "reference_method", "reference_lr", "lang", "split",
                  "metric", "n", "value", "reference_value", "delta", "delta_ci_low", "delta_ci_high", "p_value"]


def read_per_example(paths: list[str | Path], keep=None) -> pd.DataFrame:
    """The per-example files of the evaluate rule (`.../<run>/per_example.csv`, each row
    with its run's keys) as one frame; only runs whose keys dict passes `keep`, when given."""
    frames = []
    for path in paths:
        read = dict(dtype={"id": str, "task": str, "backbone": str, "method": str}, keep_default_na=False,
                    na_values=[""])
        first = pd.read_csv(path, nrows=1, **read)  # the run's keys: a sweep has many runs not kept
        if not len(first):
            continue
        if keep is not None and not keep({key: first[key].iloc[0] for key in RUN_KEYS}):
            continue
        frames.append(pd.read_csv(path, **read))
    if not frames:
        return pd.DataFrame(columns=RUN_KEYS + ["lang", "split", "id"])
    return pd.concat(frames, ignore_index=True)


def _examples_at(per_example: pd.DataFrame, backbone: str, method: str, lr: float, split: str,
                 columns: list[str], seed: int | None = None) -> tuple[pd.DataFrame, int]:
    """Per-example `columns` of one configuration, each the mean over its seeds (NaN left
    out: an output undetermined in one seed counts by the others), or of `seed` alone when
    given; and the seed count."""
    rows = per_example[(per_example["backbone"] == backbone) & (per_example["method"] == method)
                       & (per_example["split"] == split)]
    if seed is not None:
        rows = rows[rows["seed"] == seed]
    rows = rows[[same_lr(x, lr) for x in rows["lr"]]]
    averaged = rows.groupby(["lang", "id"], sort=True)[columns].mean().reset_index()
    return averaged, rows["seed"].nunique()


def _language_groups(source_lang: str, target_langs: list[str], trained_on: tuple[str, ...] = ()
                     ) -> dict[str, list[str]]:
    """Each language on its own, and `targets_mean` over the target languages the row's run
    did not train on (`trained_on`: a several-sources run's sources, left out of its mean)."""
    groups = {lang: [lang] for lang in [source_lang, *target_langs]}
    groups[TARGETS_MEAN] = [lang for lang in target_langs if lang not in trained_on]
    return groups


def _trained_on(variants: dict[tuple[str, str], tuple[str, str, str]], backbone: str, method: str
                ) -> tuple[str, ...]:
    """The source languages a several-sources run trained on ('full+src-en-es': en, es); ()."""
    _, variant, lang = variants.get((backbone, method), ("", "", ""))
    return several_sources.trained_sources(variant, lang)


def _strata(examples: pd.DataFrame, langs: list[str], columns: list[str]) -> list[dict]:
    strata = []
    for lang in langs:
        part = examples[examples["lang"] == lang]
        if len(part):
            strata.append({c: part[c].to_numpy(dtype=float) for c in columns})
    return strata


def with_trainable_share(main: pd.DataFrame, long: pd.DataFrame) -> pd.DataFrame:
    """`main` with each run's trainable parameters (count and share of the model) after `lr`."""
    runs = long[["backbone", "method", "lr", "trainable_params", "trainable_share"]].drop_duplicates(
        ["backbone", "method", "lr"])
    merged = main.merge(runs, on=["backbone", "method", "lr"], how="left", validate="many_to_one")
    # a translate-train row ('full+tt', an LR per language) trains what its method trains
    base = runs.assign(method=runs["method"] + TRANSLATE_TRAIN_ROW).drop_duplicates(["backbone", "method"])
    fill = merged[["backbone", "method"]].merge(base, on=["backbone", "method"], how="left")
    for column in ("trainable_params", "trainable_share"):
        merged[column] = merged[column].fillna(fill[column])
    first = list(main.columns[: list(main.columns).index("lr") + 1])
    return merged[first + ["trainable_params", "trainable_share"] + [c for c in main.columns if c not in first]]


TRANSLATE_TRAIN_ROW = "+tt"


def main_rows(lrs: dict[tuple[str, str], float], variants: dict[tuple[str, str], tuple[str, str, str]]
              ) -> dict[tuple[str, str], dict[str, tuple[str, float]]]:
    """Rows of the main table from the selected {(backbone, method): lr} and each run's
    (base method, variant, language) (selection.run_variants): per row, for each language it
    fills, the (method, lr) run that fills it. A method's run fills every language (`None`
    key); the translate-train runs 'full+tt-ru', 'full+tt-zh', ... fill one language each and
    form one row, 'full+tt'."""
    rows: dict[tuple[str, str], dict] = {}
    for (backbone, method), lr in lrs.items():
        base, variant, lang = variants[(backbone, method)]
        if variant == "translate_train":
            rows.setdefault((backbone, base + TRANSLATE_TRAIN_ROW), {})[lang] = (method, lr)
        else:
            rows[(backbone, method)] = {None: (method, lr)}
    return rows


def main_table(per_example: pd.DataFrame, selection: pd.DataFrame, task: str, source_lang: str,
               target_langs: list[str], n_resamples: int, seed: int, split: str = "test") -> pd.DataFrame:
    """The paper-style table of `task`: a row per (backbone, method) at the LR `source_dev`
    selected; per language (source, targets, `targets_mean`) the main metric and the
    wrong-language rate with seeded 95% bootstrap intervals (`_ci_low`, `_ci_high`).

    Values come from the per-example scores, averaged over seeds example by example; the
    targets mean is the mean of the language means, resampled within each language.
    """
    metric = task_metric(selection, task)
    columns = [metric, "wrong_lang"]
    variants = run_variants(selection)
    rows = []
    for (backbone, method), runs in main_rows(selected_lrs(selection, MAIN_PROTOCOL), variants).items():
        groups = _language_groups(source_lang, target_langs, _trained_on(variants, backbone, method))
        lr = runs[None][1] if None in runs else math.nan  # translate-train: an LR per language
        row = {"task": task, "backbone": backbone, "method": method, "lr": lr, "selected_by": MAIN_PROTOCOL}
        parts = [(lang, *_examples_at(per_example, backbone, run, run_lr, split, columns))
                 for lang, (run, run_lr) in runs.items() if not math.isnan(run_lr)]
        examples = (pd.concat([frame if lang is None else frame[frame["lang"] == lang] for lang, frame, _ in parts],
                              ignore_index=True) if parts else None)
        row["n_seeds"] = max((n for _, _, n in parts), default=0)
        for name, langs in groups.items():
            strata = _strata(examples, langs, columns) if examples is not None else []
            intervals = (bootstrap_intervals(strata, n_resamples, seed) if strata
                         else dict.fromkeys(columns, (math.nan,) * 3))
            for column, prefix in ((metric, f"{metric}_{name}"), ("wrong_lang", f"wrong_lang_{name}")):
                row[prefix], row[f"{prefix}_ci_low"], row[f"{prefix}_ci_high"] = intervals[column]
        rows.append(row)
    return pd.DataFrame(rows)


def adjusted_p_values(p_values) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (false discovery rate) of one family of tests, in
    the given order; NaN p-values (no test) stay NaN and are not counted in the family."""
    from scipy.stats import false_discovery_control  # heavy import (~0.3 s): only where a table adjusts

    values = np.asarray(list(p_values), dtype=float)
    adjusted = np.full(len(values), math.nan)
    tested = ~np.isnan(values)
    if tested.any():
        # scipy's maintained BH (scipy >= 1.11, already a dependency for Kendall's tau in
        # xlgen.human.agreement; statsmodels is not one): one less hand-rolled statistic
        adjusted[tested] = false_discovery_control(values[tested], method="bh")
    return adjusted.tolist()


def _paired_tests(per_example: pd.DataFrame, system: tuple, reference: tuple, metric: str,
                  groups: dict[str, list[str]], split: str, n_resamples: int, seed: int) -> list[dict]:
    """Paired bootstrap (xlgen.bootstrap.paired_bootstrap) of one run against another on the
    examples both scored: `system` and `reference` are (backbone, method, lr, seed or None: the
    mean over seeds, example by example). A row per language group (resampled within each
    language) and metric (the main one, the wrong-language rate): lang, metric, n, and the
    test's value, reference_value, delta, interval and p_value."""
    columns = [metric, "wrong_lang"]
    system_examples, _ = _examples_at(per_example, *system[:3], split, columns, seed=system[3])
    reference_examples, _ = _examples_at(per_example, *reference[:3], split, columns, seed=reference[3])
    pairs = system_examples.merge(reference_examples, on=["lang", "id"], suffixes=("", "_reference"),
                                  validate="one_to_one")
    rows = []
    for name, langs in groups.items():
        parts = [pairs[pairs["lang"] == lang] for lang in langs]
        parts = [p for p in parts if len(p)]
        if not parts:
            continue
        for column in columns:
            result = paired_bootstrap([p[column].to_numpy(dtype=float) for p in parts],
                                      [p[f"{column}_reference"].to_numpy(dtype=float) for p in parts],
                                      n_resamples, seed)
            rows.append({"lang": name, "metric": "wrong_lang_rate" if column == "wrong_lang" else column,
                         "n": sum(len(p) for p in parts), **result})
    return rows


def paired_table(per_example: pd.DataFrame, selection: pd.DataFrame, task: str, source_lang: str,
                 target_langs: list[str], n_resamples: int, seed: int, split: str = "test",
                 reference_method: str = REFERENCE_METHOD) -> pd.DataFrame:
    """Paired bootstrap of every method against `reference_method` of the same backbone,
    both at their `source_dev` LRs, on the examples both scored (columns PAIRED_COLUMNS):
    per language and for the targets mean (resampled within each language), for the main
    metric and the wrong-language rate. Empty when no other method is configured.
    No adjusted p-value here: its family would change with the arms a study switches on,
    and with it the bytes of a plain study's table (arms_paired_table adjusts its own)."""
    metric = task_metric(selection, task)
    variants = run_variants(selection)
    lrs = selected_lrs(selection, MAIN_PROTOCOL)
    rows = []
    for (backbone, method), lr in lrs.items():
        reference_lr = lrs.get((backbone, reference_method), math.nan)
        if method == reference_method or math.isnan(lr) or math.isnan(reference_lr):
            continue
        # a several-sources run against the reference on the targets neither trained on
        groups = _language_groups(source_lang, target_langs, _trained_on(variants, backbone, method))
        head = {"task": task, "backbone": backbone, "method": method, "lr": lr,
                "reference_method": reference_method, "reference_lr": reference_lr, "split": split}
        rows += [{**head, **test} for test in _paired_tests(
            per_example, (backbone, method, lr, None), (backbone, reference_method, reference_lr, None),
            metric, groups, split, n_resamples, seed)]
    return pd.DataFrame(rows, columns=PAIRED_COLUMNS)


ARMS_PAIRED_COLUMNS = ["task", "backbone", "method", "lr", "seed", "remedy", "reference", "lang", "split", "metric",
                       "n", "value", "reference_value", "delta", "delta_ci_low", "delta_ci_high", "p_value",
                       "p_adjusted"]


def arms_paired_table(per_example: pd.DataFrame, long: pd.DataFrame, task: str, source_lang: str,
                      target_langs: list[str], n_resamples: int, seed: int, split: str = "test") -> pd.DataFrame:
    """Paired tests of each remedy (a run of a variant in xlgen.runs.REMEDY_VARIANTS, as
    `long` lists them) against the same run without it: the zero-shot run of its trained
    method at the same backbone, LR and seed (`reference` 'none'), on the examples both scored,
    per language and for the targets mean, for the main metric and the wrong-language rate
    (_paired_tests, the mechanism of paired_table); at every LR, not only a selected one.
    `p_adjusted`: Benjamini-Hochberg over every test of the table (adjusted_p_values).
    Columns ARMS_PAIRED_COLUMNS; empty without remedy runs."""
    metric = task_metric(long, task)
    arms = long[(long["task"] == task) & (long["split"] == split) & long["variant"].isin(REMEDY_VARIANTS)]
    arms = arms.drop_duplicates(["backbone", "method", "lr", "seed"])
    rows = []
    for arm in arms.itertuples(index=False):
        # a several-sources run's targets mean leaves out its sources (not zero-shot there)
        groups = _language_groups(source_lang, target_langs,
                                  several_sources.trained_sources(arm.variant, arm.variant_lang))
        head = {"task": task, "backbone": arm.backbone, "method": arm.base_method, "lr": arm.lr, "seed": arm.seed,
                "remedy": arm.variant, "reference": NO_REMEDY, "split": split}
        rows += [{**head, **test} for test in _paired_tests(
            per_example, (arm.backbone, arm.method, arm.lr, arm.seed),
            (arm.backbone, arm.base_method, arm.lr, arm.seed), metric, groups, split, n_resamples, seed)]
    table = pd.DataFrame(rows, columns=ARMS_PAIRED_COLUMNS)
    table["p_adjusted"] = adjusted_p_values(table["p_value"])
    return table.sort_values(["backbone", "method", "lr", "seed", "remedy"], kind="stable").reset_index(drop=True)


def translation_stat_column(task: str, kind) -> str | None:
    """The mt_quality.csv column of the rate (0-1) that translating `task`'s training data
    kept, as its kind declares it (TaskKind.translation_stat: key in the translation stats,
    header), e.g. `qa_answer_found_rate`; None for a kind that declares none."""
    stat = get_kind(kind).translation_stat
    return None if stat is None else f"{task}_{stat[0]}"


def translation_stat_headers(columns) -> dict[str, str]:
    """{mt_quality.csv column: Markdown header} of the declared translation stats among
    `columns` (translation_stat_column); the task named when several tasks declare one."""
    found = {}
    for kind in KINDS.values():
        if kind.translation_stat is not None:
            key, label = kind.translation_stat
            found.update({c: (c[:-len(key) - 1], label) for c in columns if c.endswith(f"_{key}")})
    return {c: label if len(found) == 1 else f"{label} ({task})" for c, (task, label) in found.items()}


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured Markdown table (no dependency on tabulate)."""
    def line(cells):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(header), line(["---"] * len(header)), *map(line, rows)]) + "\n"


def main_markdown(main: pd.DataFrame, task: str, source_lang: str, target_langs: list[str],
                  mt_quality: pd.DataFrame | None = None, *, metric: str) -> str:
    """The main table for humans: the metric with its 95% interval, then the wrong-language
    rate in percent, a row per (backbone, method), a column per language and the mean; with
    translation baselines, a legend of their rows and the MT quality behind them."""
    langs = [source_lang, *target_langs, TARGETS_MEAN]
    names = [f"{source_lang} (source)", *target_langs, "mean of targets"]

    def cell(row, prefix: str, scale: float, digits: int) -> str:
        value, low, high = (row[f"{prefix}{end}"] for end in ("", "_ci_low", "_ci_high"))
        if pd.isna(value):
            return "n/a"
        text = f"{scale * value:.{digits}f}"
        return text if pd.isna(low) else f"{text} [{scale * low:.{digits}f}, {scale * high:.{digits}f}]"

    def share(row) -> str:
        value = row.get("trainable_share", math.nan)
        return "n/a" if pd.isna(value) else f"{100 * value:.3g}%"

    def table(prefix: str, scale: float, digits: int) -> str:
        def lr(r) -> str:
            if str(r["method"]).endswith(TRANSLATE_TRAIN_ROW):
                return "per language"
            return "n/a" if pd.isna(r["lr"]) else f"{r['lr']:g}"

        rows = [[r["backbone"], r["method"], share(r), lr(r),
                 *(cell(r, f"{prefix}_{lang}", scale, digits) for lang in langs)] for _, r in main.iterrows()]
        return markdown_table(["backbone", "method", "trained", "LR", *names], rows)

    baselines = []
    if any(str(m).endswith((TRANSLATE_TRAIN_ROW, "+ttest")) for m in main["method"]):
        baselines = [
            "## Translation baselines",
            "",
            f"`<method>+tt`: translate-train, a run per target language finetuned on the {source_lang} "
            "training set machine-translated into it, its LR selected on that language's dev set. "
            f"`<method>+ttest`: translate-test, the {source_lang} run reading target inputs translated "
            f"into {source_lang}, its outputs translated back.",
            "",
        ]
        if mt_quality is not None and len(mt_quality):
            stats = translation_stat_headers(mt_quality.columns)
            header = ["MT system", "direction", "chrF (held-out parallel text)", "texts", *stats.values()]
            rows = [[r["mt"], f"{r['src']}->{r['tgt']}", f"{r['chrf']:.1f}", int(r["n"]),
                     *("" if pd.isna(r[column]) else f"{100 * r[column]:.0f}%" for column in stats)]
                    for _, r in mt_quality.iterrows()]
            baselines += [markdown_table(header, rows)]
    remedies = []
    present = [r for r in DECODE_REMEDIES.values() if any(str(m).endswith(r.suffix) for m in main["method"])]
    sources = sorted({m.split(several_sources.SUFFIX)[1] for m in main["method"].astype(str)
                      if several_sources.SUFFIX in m})
    if present or sources:
        remedies = ["## Remedies", ""]
        remedies += [f"`<method>{r.suffix}`: {r.note}, its LR selected on its own {source_lang} dev outputs."
                     for r in present]
        remedies += [f"`<method>{several_sources.SUFFIX}{key}`: {several_sources.NOTE}." for key in sources]
        remedies += [""]
    return "\n".join([
        f"# {task}: zero-shot transfer from {source_lang} (test split)",
        "",
        f"Learning rate selected on {source_lang} dev ({MAIN_PROTOCOL}); 95% bootstrap intervals in brackets.",
        "",
        f"## {metric}",
        "",
        table(metric, 1.0, 1),
        "## Wrong-language rate, % of the outputs whose language could be determined",
        "",
        table("wrong_lang", 100.0, 0),
        *baselines,
        *remedies,
    ])
