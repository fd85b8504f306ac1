"""Main table and paired tests at the selected LR, on per-example files of two methods."""

import math

import numpy as np
import pandas as pd
import pytest

from xlgen.methods import method_variant
from xlgen.tables import PAIRED_COLUMNS, main_markdown, main_table, paired_table, read_per_example, with_trainable_share

N = 80  # test examples per language
SELECTED = {("b", "full"): 1e-3, ("b", "adapters"): 3e-3}


def identity(method: str) -> dict:
    """The variant fields of a run's identity record (xlgen.runs) for a method's path form."""
    base, variant, lang = method_variant(method)
    return {"base_method": base, "variant": variant or "zero_shot", "variant_lang": lang or ""}


def selection(lrs=SELECTED):
    return pd.DataFrame([{"task": "qa", "backbone": b, "method": m, "protocol": "source_dev",
                          "lang": "targets_mean", "lr": lr, "metric": "f1_unicode", **identity(m)}
                         for (b, m), lr in lrs.items()])


def write_run(root, method, lr, seed, values):
    """values: {lang: (f1_unicode list, wrong_lang list)} -> results/eval/.../per_example.csv"""
    rows = []
    for lang, (f1, wrong) in values.items():
        for i, (f, w) in enumerate(zip(f1, wrong)):
            rows += [{"task": "qa", "backbone": "b", "method": method, "lr": lr, "seed": seed,
                      "lang": lang, "split": split, "id": f"qa-{i:03d}", "em": 0.0, "f1": f, "em_unicode": 0.0,
                      "f1_unicode": f, "wrong_lang": w} for split in ("dev", "test")]
    path = root / f"results/eval/qa/b/{method}/lr~{lr:g}/seed~{seed}/per_example.csv"
    path.parent.mkdir(parents=True)
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture
def runs(tmp_path):
    rng = np.random.default_rng(0)
    base = {lang: rng.uniform(0, 100, N) for lang in ("en", "ru", "zh")}
    english = (np.arange(N) % 4 == 0).astype(float)  # a quarter of the outputs in English
    unknown = np.where(np.arange(N) % 5 == 0, np.nan, english)  # some undetermined
    paths = []
    for seed, shift in ((1, -2.0), (2, 2.0)):  # two seeds of full finetuning, +-2 around base
        paths.append(write_run(tmp_path, "full", 1e-3, seed, {
            lang: (base[lang] + shift, unknown if lang != "en" else np.zeros(N)) for lang in base}))
    # adapters: +10 F1 in Russian, same Chinese and English, fewer English outputs
    noise = rng.normal(0, 5, N)
    paths.append(write_run(tmp_path, "adapters", 3e-3, 1, {
        "en": (base["en"], np.zeros(N)), "ru": (base["ru"] + 10 + noise, np.zeros(N)),
        "zh": (base["zh"] + rng.normal(0, 5, N), unknown)}))
    paths.append(write_run(tmp_path, "adapters", 1e-4, 1, {lang: (np.zeros(N), np.ones(N)) for lang in base}))
    return paths, base


def test_read_per_example_keeps_only_the_selected_runs(runs):
    paths, _ = runs
    frame = read_per_example(paths, keep=lambda k: SELECTED.get((k["backbone"], k["method"])) == k["lr"])
    assert sorted(set(zip(frame["method"], frame["lr"], frame["seed"]))) == [
        ("adapters", 3e-3, 1), ("full", 1e-3, 1), ("full", 1e-3, 2)]
    assert frame["id"].iloc[0] == "qa-000" and frame["id"].map(type).eq(str).all()


def test_main_table_values_intervals_and_seed_average(runs):
    paths, base = runs
    table = main_table(read_per_example(paths), selection(), "qa", "en", ["ru", "zh"], 500, seed=1)
    assert list(zip(table["method"], table["lr"])) == [("full", 1e-3), ("adapters", 3e-3)]
    full = table.iloc[0]
    assert full["n_seeds"] == 2 and full["selected_by"] == "source_dev"
    # seeds at -2 and +2 average back to the base scores, example by example
    assert full["f1_unicode_ru"] == pytest.approx(base["ru"].mean())
    assert full["f1_unicode_targets_mean"] == pytest.approx((base["ru"].mean() + base["zh"].mean()) / 2)
    assert full["wrong_lang_ru"] == pytest.approx(16 / 64)  # 16 of the 64 determined are English
    assert full["wrong_lang_en"] == 0.0
    for lang in ("en", "ru", "zh", "targets_mean"):
        for prefix in ("f1_unicode", "wrong_lang"):
            low, value, high = (full[f"{prefix}_{lang}{end}"] for end in ("_ci_low", "", "_ci_high"))
            assert low <= value <= high, (prefix, lang)
    # the mean of two languages is known more precisely than either language alone
    width = {lang: full[f"f1_unicode_{lang}_ci_high"] - full[f"f1_unicode_{lang}_ci_low"]
             for lang in ("ru", "zh", "targets_mean")}
    assert width["targets_mean"] < min(width["ru"], width["zh"])
    assert table.iloc[1]["wrong_lang_ru"] == 0.0


def test_paired_tests_find_the_real_gain_and_not_the_null_one(runs):
    paths, _ = runs
    paired = paired_table(read_per_example(paths), selection(), "qa", "en", ["ru", "zh"], 1000, seed=1)
    assert list(paired.columns) == PAIRED_COLUMNS
    assert set(paired["method"]) == {"adapters"} and set(paired["reference_method"]) == {"full"}
    assert len(paired) == 4 * 2  # (en, ru, zh, targets_mean) x (f1_unicode, wrong_lang_rate)
    row = paired.set_index(["lang", "metric"])
    ru = row.loc[("ru", "f1_unicode")]
    assert (ru["lr"], ru["reference_lr"], ru["n"]) == (3e-3, 1e-3, N)
    assert ru["delta"] == pytest.approx(10, abs=1.5) and ru["p_value"] < 0.01
    assert ru["delta_ci_low"] > 0
    zh = row.loc[("zh", "f1_unicode")]
    assert zh["delta_ci_low"] < 0 < zh["delta_ci_high"] and zh["p_value"] > 0.05
    en = row.loc[("en", "f1_unicode")]
    assert en["delta"] == 0 and en["p_value"] == 1.0
    wrong = row.loc[("ru", "wrong_lang_rate")]
    assert wrong["delta"] == pytest.approx(-0.25) and wrong["p_value"] < 0.01
    assert row.loc[("targets_mean", "f1_unicode")]["n"] == 2 * N


def test_paired_table_is_empty_with_full_finetuning_alone(runs):
    paths, _ = runs
    only_full = selection({("b", "full"): 1e-3})
    paired = paired_table(read_per_example(paths), only_full, "qa", "en", ["ru", "zh"], 100, seed=1)
    assert paired.empty and list(paired.columns) == PAIRED_COLUMNS


def test_main_markdown_shows_intervals_and_percentages(runs):
    paths, _ = runs
    table = main_table(read_per_example(paths), selection(), "qa", "en", ["ru", "zh"], 200, seed=1)
    table["trainable_share"] = 1.0
    text = main_markdown(table, "qa", "en", ["ru", "zh"], metric="f1_unicode")
    lines = text.splitlines()
    header = "| backbone | method | trained | LR | en (source) | ru | zh | mean of targets |"
    assert lines.count(header) == 2  # the metric table and the wrong-language table
    full_rows = [line for line in lines if line.startswith("| b | full | 100% | 0.001 |")]
    ru = full_rows[0].split(" | ")[5]
    assert ru.startswith(f"{table.iloc[0]['f1_unicode_ru']:.1f} [")
    assert full_rows[1].split(" | ")[5].startswith("25 [")  # wrong-language rate in percent


def test_main_table_carries_each_runs_trainable_share():
    main = pd.DataFrame({"task": ["qa", "qa"], "backbone": ["b", "b"], "method": ["full", "prompt"],
                         "lr": [1e-3, 3e-2], "selected_by": ["source_dev"] * 2, "f1_unicode_en": [50.0, 40.0]})
    long = pd.DataFrame({"backbone": ["b"] * 4, "method": ["full", "full", "prompt", "prompt"],
                         "lr": [1e-3, 1e-4, 3e-2, 3e-2], "lang": ["en", "en", "en", "ru"],
                         "trainable_params": [700_000, 700_000, 1_920, 1_920],
                         "trainable_share": [1.0, 1.0, 0.0027, 0.0027]})
    table = with_trainable_share(main, long)
    assert list(table.columns[:7]) == ["task", "backbone", "method", "lr", "trainable_params", "trainable_share",
                                       "selected_by"]
    assert table["trainable_share"].tolist() == [1.0, 0.0027] and len(table) == 2


def test_main_table_row_for_a_method_without_a_selected_lr(runs):
    paths, _ = runs
    table = main_table(read_per_example(paths), selection({("b", "full"): math.nan}), "qa", "en", ["ru"], 50, 1)
    assert table.iloc[0]["n_seeds"] == 0 and math.isnan(table.iloc[0]["f1_unicode_ru"])
    assert "| b | full | n/a | n/a | n/a |" in main_markdown(table, "qa", "en", ["ru"], metric="f1_unicode")


def test_translate_train_runs_of_each_language_form_one_row_at_their_own_lrs(runs, tmp_path):
    paths, base = runs
    # translate-train: a run per language, each at its own LR, scoring +20 over zero-shot there
    paths = paths + [
        write_run(tmp_path, "full+tt-ru", 1e-4, 1, {"ru": (base["ru"] + 20, np.zeros(N))}),
        write_run(tmp_path, "full+tt-zh", 3e-3, 1, {"zh": (base["zh"] + 20, np.zeros(N))}),
        write_run(tmp_path, "full+tt-zh", 1e-4, 1, {"zh": (np.zeros(N), np.zeros(N))}),  # not selected
    ]
    lrs = {("b", "full"): 1e-3, ("b", "full+tt-ru"): 1e-4, ("b", "full+tt-zh"): 3e-3}
    table = main_table(read_per_example(paths), selection(lrs), "qa", "en", ["ru", "zh"], 50, 1).set_index("method")
    assert sorted(table.index) == ["full", "full+tt"]
    tt, zero_shot = table.loc["full+tt"], table.loc["full"]
    assert math.isnan(tt["lr"]) and math.isnan(tt["f1_unicode_en"])
    for lang in ("ru", "zh"):
        assert tt[f"f1_unicode_{lang}"] == pytest.approx(base[lang].mean() + 20)
        assert tt[f"f1_unicode_{lang}"] == pytest.approx(zero_shot[f"f1_unicode_{lang}"] + 20)
    assert tt["f1_unicode_targets_mean"] == pytest.approx((base["ru"].mean() + base["zh"].mean()) / 2 + 20)
    long = pd.DataFrame({"backbone": ["b"] * 2, "method": ["full", "full+tt-ru"], "lr": [1e-3, 1e-4],
                         "trainable_params": [700_000] * 2, "trainable_share": [1.0] * 2})
    shared = with_trainable_share(table.reset_index(), long).set_index("method")
    assert shared.loc["full+tt", "trainable_share"] == 1.0
    quality = pd.DataFrame([{"mt": "nllb-mt-demo", "src": "en", "tgt": "ru", "n": 40, "chrf": 61.23,
                             "qa_answer_found_rate": 0.5}])
    markdown = main_markdown(shared.reset_index(), "qa", "en", ["ru", "zh"], quality, metric="f1_unicode")
    assert "| b | full+tt | 100% | per language | n/a |" in markdown
    assert "| nllb-mt-demo | en->ru | 61.2 | 40 | 50% |" in markdown
