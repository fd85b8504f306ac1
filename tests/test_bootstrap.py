"""Bootstrap intervals and paired tests on known data (seeded, so every number is fixed)."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from xlgen.bootstrap import bootstrap_intervals, paired_bootstrap
from xlgen.cli import main as xlgen_main
from xlgen.evaluation import score_with_intervals


def scores(n, seed=0):
    """n example scores like ROUGE-L: 0-100, a third of the outputs scoring 0."""
    rng = np.random.default_rng(seed)
    return np.where(rng.random(n) < 1 / 3, 0.0, rng.uniform(20, 100, n))


def test_interval_contains_the_mean_and_shrinks_with_n():
    widths = []
    for n in (50, 200, 800):
        values = scores(n)
        point, low, high = bootstrap_intervals({"rougeL": values}, 1000, seed=1)["rougeL"]
        assert point == pytest.approx(values.mean(), abs=1e-12)
        assert low < point < high
        widths.append(high - low)
    assert widths[0] > widths[1] > widths[2]
    # the width of a mean's interval falls like 1/sqrt(n): 4x the examples, about half the width
    assert widths[0] / widths[2] == pytest.approx(4, rel=0.25)


def test_interval_matches_the_normal_approximation():
    values = scores(2000)
    _, low, high = bootstrap_intervals({"m": values}, 2000, seed=3)["m"]
    half = 1.96 * values.std(ddof=1) / math.sqrt(len(values))
    assert (high - low) / 2 == pytest.approx(half, rel=0.1)


def test_same_seed_same_interval_other_seed_other_interval():
    values = {"f1": scores(300), "em": scores(300, seed=5)}
    first = bootstrap_intervals(values, 500, seed=7)
    assert bootstrap_intervals(values, 500, seed=7) == first
    assert bootstrap_intervals(values, 500, seed=8)["f1"][1:] != first["f1"][1:]


def test_nan_is_left_out_of_each_resample():
    # wrong_lang: 1 wrong, 0 right, NaN undetermined -> the rate over determined outputs
    wrong = [1.0] * 30 + [0.0] * 10 + [math.nan] * 60
    point, low, high = bootstrap_intervals({"wrong_lang": wrong}, 1000, seed=0)["wrong_lang"]
    assert point == 0.75
    assert 0.55 < low < 0.75 < high < 0.9
    assert all(math.isnan(x) for x in bootstrap_intervals({"w": [math.nan] * 5}, 100, seed=0)["w"])


def test_constant_values_and_no_resampling():
    assert bootstrap_intervals({"m": [100 / 3] * 7}, 200, seed=0)["m"] == (100 / 3,) * 3
    point, low, high = bootstrap_intervals({"m": [1.0, 2.0]}, 0, seed=0)["m"]
    assert point == 1.5 and math.isnan(low) and math.isnan(high)


def test_strata_average_language_means():
    ru, zh = [10.0] * 50, [30.0] * 10 + [50.0] * 10
    point, low, high = bootstrap_intervals([{"m": ru}, {"m": zh}], 1000, seed=0)["m"]
    assert point == 25.0  # (10 + 40) / 2: each language weighs the same whatever its size
    assert 20.0 <= low < 25.0 < high <= 30.0
    # a language whose rate cannot be measured (all undetermined) is left out of the mean
    assert bootstrap_intervals([{"w": [1.0, 1.0]}, {"w": [math.nan] * 3}], 100, seed=0)["w"] == (1.0,) * 3


def test_paired_test_detects_a_real_difference():
    reference = scores(150, seed=1)
    noise = np.random.default_rng(2).normal(0, 10, 150)
    result = paired_bootstrap(reference + 5 + noise, reference, 1000, seed=0)
    assert result["delta"] == pytest.approx(5 + noise.mean())
    assert 0 < result["delta_ci_low"] < result["delta"] < result["delta_ci_high"]
    assert result["p_value"] < 0.01


def test_paired_test_does_not_flag_a_null_difference():
    reference = scores(150, seed=1)
    system = reference + np.random.default_rng(4).normal(0, 10, 150)  # same mean, noisier
    result = paired_bootstrap(system, reference, 1000, seed=0)
    assert result["delta_ci_low"] < 0 < result["delta_ci_high"]
    assert result["p_value"] > 0.2
    identical = paired_bootstrap(reference, reference, 500, seed=0)
    assert identical["delta"] == 0 and identical["p_value"] == 1.0


def test_pairing_removes_the_example_variance():
    # per-example scores vary a lot, the difference is a steady +2: only pairing sees it
    reference = scores(100, seed=9)
    paired = paired_bootstrap(reference + 2, reference, 1000, seed=0)
    assert paired["p_value"] < 0.01 and paired["delta_ci_low"] == pytest.approx(2)
    unpaired_low, unpaired_high = bootstrap_intervals({"m": reference + 2}, 1000, seed=0)["m"][1:]
    assert unpaired_low < reference.mean()  # the system's own interval covers the reference


def test_paired_test_over_strata_and_input_checks():
    a = [[1.0, 1.0, 0.0, 1.0], [0.0, 0.0]]
    b = [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0]]
    result = paired_bootstrap(a, b, 500, seed=0)
    assert result["value"] == pytest.approx((0.75 + 0.0) / 2) and result["reference_value"] == 0.0
    with pytest.raises(ValueError, match="aligned"):
        paired_bootstrap([1.0, 2.0], [1.0], 10, seed=0)
    with pytest.raises(ValueError, match="non-negative"):
        bootstrap_intervals({"m": [1.0]}, -1, seed=0)


GENERATIONS = [
    {"id": "1", "lang": "ru", "prediction": "Москва", "reference": ["Москва"]},
    {"id": "2", "lang": "ru", "prediction": "Paris is the capital of France", "reference": ["Париж"]},
    {"id": "3", "lang": "ru", "prediction": "Казань", "reference": ["Казань"]},
    {"id": "4", "lang": "ru", "prediction": "Новосибирск, самый большой город Сибири", "reference": ["Новосибирск"]},
]


@pytest.fixture
def qa_file(tmp_path):
    path = tmp_path / "ru.test.jsonl"
    path.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in GENERATIONS), encoding="utf-8")
    return path


def test_score_with_intervals_adds_bounds_after_each_example_metric(qa_file):
    result, examples = score_with_intervals("qa", "ru", qa_file, langid_mode="fasttext", min_chars=20,
                                            bootstrap_samples=300, seed=1)
    assert result["em_unicode"] == 50.0
    for metric in ("em", "f1", "em_unicode", "f1_unicode", "wrong_lang_rate"):
        assert result[f"{metric}_ci_low"] <= result[metric] <= result[f"{metric}_ci_high"], metric
    keys = list(result)
    assert keys.index("f1_unicode_ci_low") == keys.index("f1_unicode") + 1
    assert result["wrong_lang_rate"] == 0.25  # every output judged (short Russian ones by script): one English
    assert (result["ci_level"], result["bootstrap_samples"], result["bootstrap_seed"]) == (0.95, 300, 1)
    assert list(examples["id"]) == ["1", "2", "3", "4"]
    assert list(examples["wrong_lang"]) == [0.0, 1.0, 0.0, 0.0]
    assert examples["em_unicode"].mean() == result["em_unicode"]


def test_xlgen_score_prints_the_intervals(qa_file, capsys):
    assert xlgen_main(["score", "--task", "qa", "--lang", "ru", "--predictions", str(qa_file),
                       "--bootstrap-samples", "300", "--seed", "1"]) == 0
    printed = json.loads(capsys.readouterr().out)
    same, _ = score_with_intervals("qa", "ru", qa_file, langid_mode="fasttext", min_chars=20,
                                   bootstrap_samples=300, seed=1)
    assert printed == json.loads(json.dumps(same))
    assert printed["f1_unicode_ci_low"] <= printed["f1_unicode"] <= printed["f1_unicode_ci_high"]


def test_intervals_identical_in_a_separate_process(qa_file):
    code = ("import json, sys; from xlgen.evaluation import score_with_intervals; "
            "r, _ = score_with_intervals('qa', 'ru', sys.argv[1], langid_mode='fasttext', min_chars=20, "
            "bootstrap_samples=300, seed=1); print(json.dumps(r))")
    other = json.loads(subprocess.run([sys.executable, "-c", code, str(qa_file)], capture_output=True,
                                      text=True, check=True).stdout)
    here, _ = score_with_intervals("qa", "ru", qa_file, langid_mode="fasttext", min_chars=20,
                                   bootstrap_samples=300, seed=1)
    assert other == json.loads(json.dumps(here))
