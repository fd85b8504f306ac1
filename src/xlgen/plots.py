"""Plots of the LR sweep: task quality and wrong-language rate against the learning rate."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from xlgen.languages import get_language
from xlgen.selection import task_metric


def language_groups(langs: list[str], source_lang: str) -> dict[str, list[str]]:
    """Source language, Latin-script targets, and targets in other scripts."""
    groups = {f"{source_lang} (source)": [source_lang]}
    latin = [l for l in langs if l != source_lang and get_language(l).script == "Latin"]
    other = [l for l in langs if l != source_lang and get_language(l).script != "Latin"]
    if latin:
        groups["Latin-script targets: " + " ".join(latin)] = latin
    if other:
        groups["other-script targets: " + " ".join(other)] = other
    return groups


def plot_lr_sweep(long: pd.DataFrame, task: str, source_lang: str, path: str | Path, split: str = "test") -> None:
    """One figure: rows = (task metric, wrong-language rate), columns = language groups,
    x = learning rate (log), a line per backbone (mean over seeds and the group's languages)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from xlgen.io import atomic_path

    metric = task_metric(long, task)
    rows = long[(long["task"] == task) & (long["split"] == split) & (long["method"] == "full")]
    groups = language_groups(sorted(rows["lang"].unique()), source_lang)
    fig, axes = plt.subplots(2, len(groups), figsize=(4.2 * len(groups), 6.4), sharex=True, squeeze=False)
    for col, (title, langs) in enumerate(groups.items()):
        sub = rows[rows["lang"].isin(langs)]
        for backbone, frame in sub.groupby("backbone"):
            means = frame.groupby("lr")[[metric, "wrong_lang_rate"]].mean()
            axes[0, col].plot(means.index, means[metric], marker="o", label=backbone)
            axes[1, col].plot(means.index, 100 * means["wrong_lang_rate"], marker="o", label=backbone)
        axes[0, col].set_title(title, fontsize=9)
        axes[1, col].set_xlabel("finetuning learning rate")
        axes[1, col].set_ylim(-5, 105)
        for ax in axes[:, col]:
            ax.set_xscale("log")
            ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel(f"{metric} ({split})")
    axes[1, 0].set_ylabel("wrong-language rate, %")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(f"{task}: full finetuning on {source_lang}, zero-shot to the other languages")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)


def plot_wrong_language_story(long: pd.DataFrame, task: str, source_lang: str, path: str | Path,
                              split: str = "test", method: str = "full") -> None:
    """The study's finding in one figure: a panel per backbone, x = learning rate (log),
    the source-language task quality and the wrong-language rate on the other languages
    (their mean, thick; each language, thin), both on a 0-100 scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from xlgen.io import atomic_path

    metric = task_metric(long, task)
    rows = long[(long["task"] == task) & (long["split"] == split) & (long["method"] == method)]
    backbones = sorted(rows["backbone"].unique())
    fig, axes = plt.subplots(1, len(backbones), figsize=(4.3 * len(backbones), 3.8), sharey=True, squeeze=False)
    for ax, backbone in zip(axes[0], backbones):
        sub = rows[rows["backbone"] == backbone]
        source = sub[sub["lang"] == source_lang].groupby("lr")[metric].mean()
        targets = sub[sub["lang"] != source_lang]
        wrong = 100 * targets.pivot_table(index="lr", columns="lang", values="wrong_lang_rate")
        for lang in wrong.columns:
            ax.plot(wrong.index, wrong[lang], color="tab:red", alpha=0.25, linewidth=1)
        ax.plot(source.index, source.values, marker="o", color="tab:blue", linewidth=2,
                label=f"{source_lang} {metric}")
        ax.plot(wrong.index, wrong.mean(axis=1), marker="s", color="tab:red", linewidth=2,
                label="wrong-language rate, other languages (%)")
        ax.set_xscale("log")
        ax.set_ylim(-3, 103)
        ax.set_title(backbone)
        ax.set_xlabel("finetuning learning rate")
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("0-100")
    axes[0, 0].legend(fontsize=8, loc="center left")
    fig.suptitle(f"{task}: higher LR, better {source_lang}, more answers in the wrong language "
                 f"(thin lines: each language)", fontsize=10)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
