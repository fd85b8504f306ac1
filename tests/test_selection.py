"""LR selection protocols on a synthetic long table whose right answers are known."""

import math

import pandas as pd
import pytest

from xlgen.methods import method_variant
from xlgen.selection import PROTOCOLS, SELECTION_COLUMNS, VARIANT_COLUMNS, best_lr, select_learning_rates, selected_lrs

LRS = [1e-4, 1e-3, 3e-3]

# dev scores (f1_unicode) per lr, per language, for two seeds: seed 1 alone would pick
# 1e-3 on English dev, the seed mean picks 3e-3 (62.5 > 55).
DEV = {
    1: {"en": [50, 70, 60], "ru": [30, 40, 10], "zh": [35, 20, 5]},
    2: {"en": [50, 40, 65], "ru": [30, 40, 10], "zh": [35, 20, 5]},
}
# test scores: the LR's index + 10 per language, so every choice shows in the test score
TEST = {"en": [60, 61, 62], "ru": [20, 21, 22], "zh": [30, 31, 32]}
WRONG = {"en": [0.0, 0.0, 0.0], "ru": [0.1, 0.5, 0.9], "zh": [0.0, 0.3, 1.0]}


def identity(method: str) -> dict:
    """The variant fields of a run's identity record (xlgen.runs) for a method's path form."""
    base, variant, lang = method_variant(method)
    return {"base_method": base, "variant": variant or "zero_shot", "variant_lang": lang or ""}


def long_rows(method="full", dev=DEV, test=TEST, backbone="b"):
    rows = []
    for seed, by_lang in dev.items():
        for lang in by_lang:
            for i, lr in enumerate(LRS):
                for split, value in (("dev", by_lang[lang][i]), ("test", test[lang][i])):
                    rows.append({"task": "qa", "main_metric": "f1_unicode", "backbone": backbone, "method": method,
                                 **identity(method), "lr": lr, "seed": seed,
                                 "lang": lang, "split": split, "f1_unicode": value, "status": "ok",
                                 "wrong_lang_rate": WRONG[lang][i]})
    return rows


def pick(table, method, protocol, lang="targets_mean"):
    row = table[(table["method"] == method) & (table["protocol"] == protocol) & (table["lang"] == lang)]
    assert len(row) == 1
    return row.iloc[0]


def test_three_protocols_pick_the_known_learning_rates():
    table = select_learning_rates(pd.DataFrame(long_rows()), "qa", "en", ["ru", "zh"])
    assert list(table.columns) == SELECTION_COLUMNS + VARIANT_COLUMNS
    assert list(table["protocol"].unique()) == list(PROTOCOLS)
    assert len(table) == 3 * 3  # 3 protocols x (2 targets + their mean)

    source = pick(table, "full", "source_dev")
    assert source["lr"] == 3e-3 and source["selection_score"] == 62.5 and source["selected_on"] == "en dev"
    assert source["test_score"] == (22 + 32) / 2 and source["test_wrong_lang_rate"] == pytest.approx(0.95)
    assert pick(table, "full", "source_dev", "ru")["test_score"] == 22

    assert pick(table, "full", "target_dev", "ru")["lr"] == 1e-3
    assert pick(table, "full", "target_dev", "zh")["lr"] == 1e-4
    oracle = pick(table, "full", "target_dev")
    assert math.isnan(oracle["lr"]) and oracle["test_score"] == (21 + 30) / 2
    assert oracle["selection_score"] == (40 + 35) / 2

    mean = pick(table, "full", "mean_target_dev")  # means over ru, zh: 32.5, 30, 7.5
    assert mean["lr"] == 1e-4 and mean["selection_score"] == 32.5 and mean["test_score"] == (20 + 30) / 2
    assert pick(table, "full", "mean_target_dev", "zh")["test_wrong_lang_rate"] == 0.0
    assert selected_lrs(table) == {("b", "full"): 3e-3}


def test_ties_go_to_the_lower_learning_rate():
    tied = {seed: {"en": [40, 70, 70], "ru": [5, 5, 5], "zh": [9, 9, 1]} for seed in (1, 2)}
    table = select_learning_rates(pd.DataFrame(long_rows(dev=tied)), "qa", "en", ["ru", "zh"])
    assert pick(table, "full", "source_dev")["lr"] == 1e-3
    assert pick(table, "full", "target_dev", "ru")["lr"] == 1e-4
    assert pick(table, "full", "mean_target_dev")["lr"] == 1e-4
    assert best_lr(pd.Series([1.0, 1.0], index=[3e-3, 1e-5])) == (1e-5, 1.0)


def test_a_learning_rate_where_a_seed_diverged_is_never_selected():
    rows = long_rows()
    for row in rows:  # seed 2 at 3e-3 diverged: every score NaN
        if row["seed"] == 2 and row["lr"] == 3e-3:
            row.update(f1_unicode=math.nan, wrong_lang_rate=math.nan, status="diverged")
    table = select_learning_rates(pd.DataFrame(rows), "qa", "en", ["ru", "zh"])
    source = pick(table, "full", "source_dev")
    assert source["lr"] == 1e-3 and source["selection_score"] == 55.0
    everything_diverged = pd.DataFrame(rows).assign(f1_unicode=math.nan)
    table = select_learning_rates(everything_diverged, "qa", "en", ["ru", "zh"])
    assert table["lr"].isna().all() and table["test_score"].isna().all()


def test_each_backbone_and_method_is_selected_separately():
    other = {seed: {"en": [90, 10, 10], "ru": [1, 2, 3], "zh": [1, 2, 3]} for seed in (1, 2)}
    long = pd.DataFrame(long_rows() + long_rows(method="adapters", dev=other) + long_rows(backbone="a", dev=other))
    table = select_learning_rates(long, "qa", "en", ["ru", "zh"])
    assert selected_lrs(table) == {("a", "full"): 1e-4, ("b", "adapters"): 1e-4, ("b", "full"): 3e-3}
    assert selected_lrs(table, "mean_target_dev")[("b", "adapters")] == 3e-3
    with pytest.raises(ValueError, match="one LR per language"):
        selected_lrs(table, "target_dev")


def test_selection_needs_dev_generations():
    long = pd.DataFrame(long_rows())
    with pytest.raises(ValueError, match="needs dev and test"):
        select_learning_rates(long[long["split"] == "test"], "qa", "en", ["ru", "zh"])


def test_a_language_the_backbone_has_no_code_for_is_left_out_of_its_target_mean():
    # mBART-50 has no Greek code: the run skipped el (status no_code, no scores)
    rows = long_rows()
    for lr in LRS:
        for seed in DEV:
            for split in ("dev", "test"):
                rows.append({"task": "qa", "main_metric": "f1_unicode", "backbone": "b", "method": "full", "lr": lr,
                             **identity("full"), "seed": seed, "lang": "el", "split": split, "f1_unicode": math.nan,
                             "status": "no_code", "wrong_lang_rate": math.nan})
    with_el = select_learning_rates(pd.DataFrame(rows), "qa", "en", ["el", "ru", "zh"])
    without = select_learning_rates(pd.DataFrame(long_rows()), "qa", "en", ["ru", "zh"])
    assert set(with_el["lang"]) == {"ru", "zh", "targets_mean"}
    pd.testing.assert_frame_equal(with_el.reset_index(drop=True), without.reset_index(drop=True))


def test_a_translate_train_run_is_selected_on_the_dev_set_of_its_own_language():
    # 'full+tt-ru' trained on English data translated into Russian: only Russian outputs
    rows = [r for r in long_rows(method="full+tt-ru") if r["lang"] == "ru"]
    table = select_learning_rates(pd.DataFrame(rows), "qa", "en", ["ru", "zh"])
    row = pick(table, "full+tt-ru", "source_dev", "ru")
    assert row["selected_on"] == "ru dev" and row["lr"] == 1e-3  # ru dev: [30, 40, 10]
    assert row["test_score"] == 21
    assert set(table["lang"]) == {"ru", "targets_mean"}  # no zh row: the run never wrote Chinese


def test_a_long_table_read_back_from_csv_selects_without_a_pandas_deprecation(tmp_path):
    # results_long.csv of a study without translate-train has only empty variant_lang cells:
    # pandas reads them back as float NaN, and filling those with "" is deprecated (pandas 4: an
    # error). pyproject's filterwarnings turns that deprecation, raised from xlgen, into a failure.
    path = tmp_path / "results_long.csv"
    pd.DataFrame(long_rows()).to_csv(path, index=False)
    long = pd.read_csv(path)
    assert long["variant_lang"].dtype == float
    table = select_learning_rates(long, "qa", "en", ["ru", "zh"])
    assert set(table["variant_lang"]) == {""}
    assert pick(table, "full", "source_dev")["lr"] == 3e-3
