"""The remedies' tables and plot (issue 23) on small real frames: the main metric over the
outputs judged to be in the target language, the paired tests of each remedy against the same
run without it with Benjamini-Hochberg adjusted p-values, and the plot's line per remedy."""

import math

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import xlgen.tables  # noqa: E402
from xlgen.plots import arms_figure, plot_arms  # noqa: E402
from xlgen.tables import ARMS_PAIRED_COLUMNS, adjusted_p_values, arms_paired_table, arms_table  # noqa: E402

N = 60  # test examples per language
PATH_FORM = {"zero_shot": "full", "script_mask": "full+mask", "steering": "full+steer"}


def per_example_rows(method, lr, seed, values):
    """values: {lang: (f1_unicode list, wrong_lang list)} -> per_example.csv rows of one run."""
    return [{"task": "qa", "backbone": "b", "method": method, "lr": lr, "seed": seed, "lang": lang, "split": "test",
             "id": f"qa-{lang}-{i:03d}", "f1_unicode": f, "wrong_lang": w}
            for lang, (f1, wrong) in values.items() for i, (f, w) in enumerate(zip(f1, wrong))]


def long_rows(per_example: pd.DataFrame, variant: str) -> list[dict]:
    """The results_long rows the evaluate rule would write for the per-example rows of one run."""
    rows = []
    for (method, lr, seed, lang), group in per_example.groupby(["method", "lr", "seed", "lang"]):
        wrong = group["wrong_lang"]
        rows.append({"task": "qa", "backbone": "b", "method": method, "lr": lr, "seed": seed, "lang": lang,
                     "split": "test", "status": "ok", "n": len(group), "f1_unicode": group["f1_unicode"].mean(),
                     "f1_unicode_ci_low": 0.0, "f1_unicode_ci_high": 100.0, "wrong_lang_rate": wrong.mean(),
                     "wrong_lang_rate_ci_low": 0.0, "wrong_lang_rate_ci_high": 1.0,
                     "undetermined_rate": wrong.isna().mean(), "main_metric": "f1_unicode", "variant": variant,
                     "base_method": "full", "variant_lang": ""})
    return rows


def study(runs):
    """runs: {(variant, lr, seed): {lang: (f1, wrong)}} -> (long, per_example) of those runs."""
    examples, long = [], []
    for (variant, lr, seed), values in runs.items():
        frame = pd.DataFrame(per_example_rows(PATH_FORM[variant], lr, seed, values))
        examples.append(frame)
        long += long_rows(frame, variant)
    return pd.DataFrame(long), pd.concat(examples, ignore_index=True)


def test_benjamini_hochberg_by_hand():
    # sorted 0.005, 0.01, 0.03, 0.04 (m = 4): p * m / rank = 0.02, 0.02, 0.04, 0.04, each then the
    # smallest of itself and those above it; a NaN (no test) is no member of the family
    adjusted = adjusted_p_values([0.01, 0.04, 0.03, 0.005, math.nan])
    assert adjusted[:4] == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert math.isnan(adjusted[4])
    assert adjusted_p_values([0.01, 0.02, 0.5]) == pytest.approx([0.03, 0.03, 0.5])
    assert adjusted_p_values([]) == [] and all(math.isnan(p) for p in adjusted_p_values([math.nan]))


def test_the_in_target_metric_leaves_out_the_wrong_language_and_undetermined_outputs():
    ru_f1 = [80.0, 60.0, 10.0, 0.0] * 15  # in Russian, in Russian, in English, undetermined
    ru_wrong = [0.0, 0.0, 1.0, math.nan] * 15
    long, per_example = study({
        ("zero_shot", 1e-3, 1): {"en": ([50.0] * N, [0.0] * N), "ru": (ru_f1, ru_wrong)},
        ("script_mask", 1e-3, 1): {"en": ([50.0] * N, [0.0] * N), "ru": ([30.0] * N, [0.0] * N)},
    })
    table = arms_table(long, "qa", per_example, n_resamples=200, seed=0).set_index(["remedy", "lang"])
    assert list(table.columns[-5:]) == ["f1_unicode_in_target", "f1_unicode_in_target_ci_low",
                                        "f1_unicode_in_target_ci_high", "n_in_target", "undetermined_rate"]
    plain = table.loc[("none", "ru")]
    assert plain["f1_unicode"] == pytest.approx(37.5)  # every output
    assert plain["f1_unicode_in_target"] == pytest.approx(70.0)  # the 30 judged Russian only
    assert plain["n_in_target"] == 30
    assert plain["f1_unicode_in_target_ci_low"] <= 70.0 <= plain["f1_unicode_in_target_ci_high"]
    assert 60.0 <= plain["f1_unicode_in_target_ci_low"] < plain["f1_unicode_in_target_ci_high"] <= 80.0
    assert table.loc[("script_mask", "ru"), "f1_unicode_in_target"] == 30.0
    assert table.loc[("script_mask", "ru"), "n_in_target"] == N
    # without per-example scores the columns are there, empty
    bare = arms_table(long, "qa")
    assert bare["f1_unicode_in_target"].isna().all() and bare["n_in_target"].isna().all()


def test_each_remedy_is_tested_against_its_own_lr_and_seed_with_adjusted_p_values():
    rng = np.random.default_rng(0)
    half_english = [float(i % 2) for i in range(N)]
    f1 = {lr: rng.uniform(0, 100, N) for lr in (1e-4, 1e-3)}
    runs = {}
    for lr in (1e-4, 1e-3):
        for seed in (1, 2):
            english = half_english if (lr, seed) == (1e-3, 1) else [0.0] * N  # one run flips to English
            runs[("zero_shot", lr, seed)] = {"en": (f1[lr], [0.0] * N), "ru": (f1[lr] + seed, english)}
            # the mask: every output Russian, the same F1 (at 1e-4 it changes nothing at all)
            runs[("script_mask", lr, seed)] = {"en": (f1[lr], [0.0] * N), "ru": (f1[lr] + seed, [0.0] * N)}
    long, per_example = study(runs)
    table = arms_paired_table(per_example, long, "qa", "en", ["ru"], n_resamples=500, seed=0)
    assert list(table.columns) == ARMS_PAIRED_COLUMNS
    # 2 LRs x 2 seeds x 1 remedy, each: (en, ru, targets_mean) x (f1, wrong-language rate)
    assert len(table) == 2 * 2 * 3 * 2
    assert set(table["remedy"]) == {"script_mask"} and set(table["reference"]) == {"none"}
    wrong = table[(table["metric"] == "wrong_lang_rate") & (table["lang"] == "ru")].set_index(["lr", "seed"])
    assert wrong.loc[(1e-3, 1), "delta"] == pytest.approx(-0.5)
    assert wrong.loc[(1e-3, 1), "p_value"] < 0.01
    assert wrong.loc[(1e-3, 2), "delta"] == 0.0  # each seed against its own run, not the seeds' mean
    assert wrong.loc[(1e-4, 2), "delta"] == 0.0 and wrong.loc[(1e-4, 2), "p_value"] == 1.0
    f1_ru = table[(table["metric"] == "f1_unicode") & (table["lang"] == "ru")]
    assert (f1_ru["delta"] == 0).all() and (f1_ru["n"] == N).all()
    # BH over the whole table: never below the raw p-value, as the hand-checked function gives
    assert (table["p_adjusted"] >= table["p_value"]).all()
    assert table["p_adjusted"].tolist() == pytest.approx(adjusted_p_values(table["p_value"]))
    assert table.loc[table["p_value"] < 0.01, "p_adjusted"].max() < 0.05
    # no remedy run: an empty table with its columns
    plain = long[long["variant"] == "zero_shot"]
    assert arms_paired_table(per_example, plain, "qa", "en", ["ru"], 50, 0).empty


def arms_of(remedies, monkeypatch, backbones=("b",)):
    """An arms table of `remedies` over two LRs, de (Latin) and ru (Cyrillic), per backbone."""
    monkeypatch.setattr(xlgen.tables, "REMEDY_VARIANTS", ("script_mask", "steering"))  # a future remedy too
    runs = {}
    for i, variant in enumerate(remedies):
        for lr in (1e-4, 1e-3):
            wrong = 0.5 if lr == 1e-3 else 0.1
            runs[(variant, lr, 1)] = {lang: ([40.0] * N, [float(k < N * wrong / (i + 1)) for k in range(N)])
                                      for lang in ("en", "de", "ru")}
    long, per_example = study(runs)
    long = pd.concat([long.assign(backbone=b) for b in backbones], ignore_index=True)
    per_example = pd.concat([per_example.assign(backbone=b) for b in backbones], ignore_index=True)
    return arms_table(long, "qa", per_example, 20, 0)


def test_a_new_remedy_variant_gets_its_rows_without_code_changes(monkeypatch):
    table = arms_of(["zero_shot", "script_mask", "steering"], monkeypatch)
    assert sorted(set(table["remedy"])) == ["none", "script_mask", "steering"]
    steer = table[(table["remedy"] == "steering") & (table["lang"] == "ru")].set_index("lr")
    assert steer.loc[1e-3, "wrong_lang_rate"] == pytest.approx(10 / N)
    assert steer.loc[1e-3, "n_in_target"] == N - 10


def test_the_arms_plot_draws_a_line_per_remedy_in_a_panel_per_backbone_and_language_group(monkeypatch, tmp_path):
    from test_plots import title_fits  # tests/test_plots.py: the title lies inside the figure

    arms = arms_of(["zero_shot", "script_mask", "steering"], monkeypatch, backbones=("mbart-demo", "mt5-demo"))
    arms = pd.concat([arms, arms[arms["remedy"] == "none"].assign(method="lora")])  # no remedy: not drawn
    fig = arms_figure(arms, "qa", "en")
    try:
        assert len(fig.axes) == 2 * 2  # (Latin-script targets: de, other scripts: ru) x backbones
        assert [ax.get_title() for ax in fig.axes] == [
            "mbart-demo\nLatin-script targets: de", "mt5-demo\nLatin-script targets: de",
            "mbart-demo\nother-script targets: ru", "mt5-demo\nother-script targets: ru"]
        for ax in fig.axes:
            lines = {line.get_label(): line for line in ax.get_lines()}
            assert sorted(lines) == ["none", "script_mask", "steering"]
            assert list(lines["none"].get_xdata()) == [1e-4, 1e-3]
            # the rate in %, the run without a remedy: 10% and 50% of the outputs in another language
            assert list(lines["none"].get_ydata()) == pytest.approx([10.0, 50.0])
            assert list(lines["steering"].get_ydata()) == pytest.approx([100 * 2 / N, 100 * 10 / N])
        title = title_fits(fig)
        assert title.startswith("qa: wrong-language rate against the finetuning LR, a line per remedy")
        assert "method full" in title and "zero-shot from en (test" in title
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
    path = tmp_path / "arms.png"
    plot_arms(arms, "qa", "en", path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(Exception, match="summarization: no target-language rows on the test split"):
        arms_figure(arms, "summarization", "en")
