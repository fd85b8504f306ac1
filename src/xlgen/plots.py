"""Plots of the LR sweep: task quality and wrong-language rate against the learning rate,
for every method of the study's zero-shot runs."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd

from xlgen.io import InputError, atomic_path
from xlgen.languages import get_language
from xlgen.selection import task_metric

# a method's line style and marker in the LR-sweep plot (colour: the backbone)
_METHOD_STYLES = [("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"), ((0, (5, 1, 1, 1)), "v"), ((0, (1, 3)), "P")]
_TITLE_SIZE = 10


def language_groups(langs: list[str], source_lang: str) -> dict[str, list[str]]:
    """Source language, Latin-script targets, and targets in other scripts."""
    groups = {f"{source_lang} (source)": [source_lang]}
    latin = [lang for lang in langs if lang != source_lang and get_language(lang).script == "Latin"]
    other = [lang for lang in langs if lang != source_lang and get_language(lang).script != "Latin"]
    if latin:
        groups["Latin-script targets: " + " ".join(latin)] = latin
    if other:
        groups["other-script targets: " + " ".join(other)] = other
    return groups


def zero_shot_rows(long: pd.DataFrame, task: str, split: str) -> pd.DataFrame:
    """The task's zero-shot rows of the long table on `split` (translate-train and
    translate-test variants left out); ValueError if there are none."""
    rows = long[(long["task"] == task) & (long["split"] == split)]
    if "variant" in rows.columns:
        rows = rows[rows["variant"].fillna("zero_shot") == "zero_shot"]
    if rows.empty:
        raise InputError(f"{task}: no zero-shot runs on the {split} split in the results table to plot")
    return rows


def study_methods(rows: pd.DataFrame) -> list[str]:
    """The methods present in `rows`: full finetuning (the reference) first, the rest by name."""
    return sorted(rows["method"].unique(), key=lambda m: (m != "full", m))


def methods_text(methods: list[str]) -> str:
    return ("method " if len(methods) == 1 else "methods ") + ", ".join(methods)


def _suptitle(fig, text: str) -> None:
    """A figure title wrapped to the figure's width, so that no part of it is cut off."""
    chars = max(30, int(fig.get_figwidth() * 72 / (0.6 * _TITLE_SIZE)))  # ~0.6 em a character
    fig.suptitle("\n".join(textwrap.wrap(text, chars)), fontsize=_TITLE_SIZE)


def _save(fig, path: str | Path) -> None:
    import matplotlib.pyplot as plt


    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def lr_sweep_figure(long: pd.DataFrame, task: str, source_lang: str, split: str = "test"):
    """One figure: rows = (task metric, wrong-language rate), columns = language groups,
    x = learning rate (log), a line per (backbone, method): colour the backbone, style and
    marker the method (mean over seeds and the group's languages)."""
    plt = _pyplot()
    metric = task_metric(long, task)
    rows = zero_shot_rows(long, task, split)
    methods = study_methods(rows)
    backbones = sorted(rows["backbone"].unique())
    colours = {b: f"C{i % 10}" for i, b in enumerate(backbones)}
    styles = {m: _METHOD_STYLES[i % len(_METHOD_STYLES)] for i, m in enumerate(methods)}
    groups = language_groups(sorted(rows["lang"].unique()), source_lang)
    fig, axes = plt.subplots(2, len(groups), figsize=(4.2 * len(groups), 6.4), sharex=True, squeeze=False)
    for col, (title, langs) in enumerate(groups.items()):
        sub = rows[rows["lang"].isin(langs)]
        for backbone in backbones:
            for method in methods:
                frame = sub[(sub["backbone"] == backbone) & (sub["method"] == method)]
                if frame.empty:
                    continue
                means = frame.groupby("lr")[[metric, "wrong_lang_rate"]].mean()
                style = dict(color=colours[backbone], linestyle=styles[method][0], marker=styles[method][1],
                             label=f"{backbone}, {method}")
                axes[0, col].plot(means.index, means[metric], **style)
                axes[1, col].plot(means.index, 100 * means["wrong_lang_rate"], **style)
        axes[0, col].set_title(title, fontsize=9)
        axes[1, col].set_xlabel("finetuning learning rate")
        axes[1, col].set_ylim(-5, 105)
        for ax in axes[:, col]:
            ax.set_xscale("log")
            ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel(f"{metric} ({split})")
    axes[1, 0].set_ylabel("wrong-language rate, %")
    axes[0, 0].legend(fontsize=8)
    _suptitle(fig, f"{task}: {metric} and wrong-language rate against the finetuning LR, {methods_text(methods)}, "
                   f"finetuned on {source_lang}, zero-shot to the other languages ({split})")
    fig.tight_layout()
    return fig


def plot_lr_sweep(long: pd.DataFrame, task: str, source_lang: str, path: str | Path, split: str = "test") -> None:
    """Save lr_sweep_figure as a PNG at `path`."""
    _save(lr_sweep_figure(long, task, source_lang, split), path)


def wrong_language_figure(long: pd.DataFrame, task: str, source_lang: str, split: str = "test"):
    """The study's finding, a panel per (method: row, backbone: column), x = learning rate
    (log): the source-language task quality and the wrong-language rate on the other
    languages (their mean, thick; each language, thin), both on a 0-100 scale."""
    plt = _pyplot()
    metric = task_metric(long, task)
    rows = zero_shot_rows(long, task, split)
    methods = study_methods(rows)
    backbones = sorted(rows["backbone"].unique())
    fig, axes = plt.subplots(len(methods), len(backbones), figsize=(4.3 * len(backbones), 3.8 * len(methods)),
                             sharey=True, squeeze=False)
    for row, method in enumerate(methods):
        for ax, backbone in zip(axes[row], backbones, strict=True):
            sub = rows[(rows["backbone"] == backbone) & (rows["method"] == method)]
            ax.set_title(f"{backbone}, {method}")
            ax.set_xscale("log")
            ax.set_ylim(-3, 103)
            ax.set_xlabel("finetuning learning rate")
            ax.grid(alpha=0.3)
            if sub.empty:  # this backbone was not trained with this method
                ax.text(0.5, 0.5, "no runs", transform=ax.transAxes, ha="center", va="center", color="gray")
                continue
            source = sub[sub["lang"] == source_lang].groupby("lr")[metric].mean()
            targets = sub[sub["lang"] != source_lang]
            wrong = 100 * targets.pivot_table(index="lr", columns="lang", values="wrong_lang_rate")
            thin = {"marker": ".", "markersize": 4} if len(wrong.index) == 1 else {}  # one LR: no line to see
            for lang in wrong.columns:
                ax.plot(wrong.index, wrong[lang], color="tab:red", alpha=0.25, linewidth=1, **thin)
            ax.plot(source.index, source.values, marker="o", color="tab:blue", linewidth=2,
                    label=f"{source_lang} {metric}")
            ax.plot(wrong.index, wrong.mean(axis=1), marker="s", color="tab:red", linewidth=2,
                    label="wrong-language rate, other languages (%)")
        axes[row, 0].set_ylabel("0-100")
    next(ax for ax in axes.flat if ax.lines).legend(fontsize=8, loc="center left")
    _suptitle(fig, f"{task}: {source_lang} {metric} and wrong-language rate against the finetuning LR, "
                   f"{methods_text(methods)}, zero-shot from {source_lang} ({split}; thin lines: each language)")
    fig.tight_layout()
    return fig


def plot_wrong_language_story(long: pd.DataFrame, task: str, source_lang: str, path: str | Path,
                              split: str = "test") -> None:
    """Save wrong_language_figure as a PNG at `path`."""
    _save(wrong_language_figure(long, task, source_lang, split), path)


# a remedy's colour in the arms plot ('none', the run without one, first: black)
_REMEDY_COLOURS = ["black", "tab:red", "tab:blue", "tab:green", "tab:purple", "tab:orange", "tab:brown"]


def arms_figure(arms: pd.DataFrame, task: str, source_lang: str, split: str = "test"):
    """The remedies against the LR (issue 23), from an arms table (xlgen.tables.arms_table):
    a panel per (target language group: row, backbone: column), x = learning rate (log), y =
    wrong-language rate in %, a line per (trained method, remedy): colour the remedy ('none',
    the run without one, black), style and marker the method; each point the mean over the
    seeds and the group's languages. Any remedy the table holds gets its line; methods that
    no remedy decodes with are left out."""
    plt = _pyplot()
    for column in ("task", "backbone", "method", "lr", "remedy", "lang", "split", "wrong_lang_rate"):
        if column not in arms.columns:
            raise InputError(f"arms table: no {column!r} column (results/tables/arms_<task>.csv)")
    rows = arms[(arms["task"] == task) & (arms["split"] == split) & (arms["lang"] != source_lang)]
    if rows.empty:
        raise InputError(f"{task}: no target-language rows on the {split} split in the arms table to plot")
    # only the methods some remedy decodes with: the others have nothing to compare
    with_remedy = set(rows.loc[rows["remedy"] != "none", "method"])
    rows = rows[rows["method"].isin(with_remedy)] if with_remedy else rows
    # the run without a remedy first, then the remedies by name
    remedies = sorted(rows["remedy"].unique(), key=lambda r: (r != "none", r))
    methods = study_methods(rows)
    backbones = sorted(rows["backbone"].unique())
    colours = {r: _REMEDY_COLOURS[i % len(_REMEDY_COLOURS)] for i, r in enumerate(remedies)}
    styles = {m: _METHOD_STYLES[i % len(_METHOD_STYLES)] for i, m in enumerate(methods)}
    groups = {name: langs for name, langs in language_groups(sorted(rows["lang"].unique()), source_lang).items()
              if source_lang not in langs}
    fig, axes = plt.subplots(len(groups), len(backbones), figsize=(4.3 * len(backbones), 3.6 * len(groups)),
                             sharex=True, sharey=True, squeeze=False)
    for row, (group, langs) in enumerate(groups.items()):
        for ax, backbone in zip(axes[row], backbones, strict=True):
            sub = rows[(rows["backbone"] == backbone) & rows["lang"].isin(langs)]
            for method in methods:
                for remedy in remedies:
                    frame = sub[(sub["method"] == method) & (sub["remedy"] == remedy)]
                    if frame.empty:
                        continue
                    means = 100 * frame.groupby("lr")["wrong_lang_rate"].mean()
                    label = remedy if len(methods) == 1 else f"{method}, {remedy}"
                    ax.plot(means.index, means.values, color=colours[remedy], linestyle=styles[method][0],
                            marker=styles[method][1], label=label)
            ax.set_title(f"{backbone}\n{group}", fontsize=9)
            ax.set_xscale("log")
            ax.set_ylim(-3, 103)
            ax.grid(alpha=0.3)
            if row == len(groups) - 1:
                ax.set_xlabel("finetuning learning rate")
        axes[row, 0].set_ylabel("wrong-language rate, %")
    next(ax for ax in axes.flat if ax.lines).legend(fontsize=8, title="remedy", title_fontsize=8)
    _suptitle(fig, f"{task}: wrong-language rate against the finetuning LR, a line per remedy ('none': the run "
                   f"without one), {methods_text(methods)}, zero-shot from {source_lang} ({split}; mean over "
                   f"the panel's languages and the seeds)")
    fig.tight_layout()
    return fig


def plot_arms(arms: pd.DataFrame, task: str, source_lang: str, path: str | Path, split: str = "test") -> None:
    """Save arms_figure as a PNG at `path`."""
    _save(arms_figure(arms, task, source_lang, split), path)
