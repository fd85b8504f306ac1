"""The translation baselines through the whole DAG: translate-train runs per target language
and translate-test runs stand beside the zero-shot runs in the main tables, with the MT
quality behind them (tests/configs/tiny-translate.yaml, the shipped demo MT model)."""

import json

import pandas as pd
import pytest
from conftest import CONFIGS, ROOT, copy_world, run_snakemake  # tests/conftest.py

from xlgen.tasks import read_records

CONFIG = CONFIGS / "tiny-translate.yaml"
TARGETS = ["ru", "zh"]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def study(tmp_path_factory, tiny_world):
    workdir = copy_world(tiny_world, tmp_path_factory.mktemp("translate"))
    (workdir / "resources").symlink_to(ROOT / "resources")  # the config's MT `path` is relative
    run_snakemake(workdir, "--scheduler", "greedy", configfile=CONFIG)
    return workdir


def test_translated_training_data_is_valid_and_in_the_target_language(study):
    for task in ("qa",):
        for lang in TARGETS:
            folder = study / "results/data/translated" / task / lang
            records = read_records(task, folder / "train.jsonl", lang)  # schema and language checked
            stats = json.loads((folder / "stats.json").read_text())
            assert stats["mt"] == "nllb-mt-demo" and stats["train"]["n_out"] == len(records) > 0
            english = read_records(task, study / f"results/data/{task}/en/train.jsonl", "en")
            assert stats["train"]["n_in"] == len(english)
            if task == "qa":  # a kept example's answer is in its translated context
                assert all(r["answers"][0] in r["context"] for r in records)
                assert stats["train"]["answer_found"] == len(records) + stats["train"]["dropped_empty"]
            # no English left: the source side is not copied through
            english_sources = {r["source"] for r in english}
            assert not english_sources & {r["source"] for r in records}


def test_translate_train_runs_train_per_language_and_generate_only_it(study):
    for lang in TARGETS:
        run = json.loads((study / f"results/models/qa/mbart-tiny/full+tt-{lang}/lr~0.003/seed~1/run.json").read_text())
        assert run["status"] == "ok"
        files = sorted(p.name for p in (study / f"results/generations/qa/mbart-tiny/full+tt-{lang}/lr~0.003/seed~1")
                       .iterdir())
        assert files == [f"{lang}.dev.jsonl", f"{lang}.test.jsonl"]
    tokenized = study / "results/tokenized/qa/mbart-tiny/tt-ru/train.npz"
    assert tokenized.exists()


def test_translate_test_outputs_are_translated_back_and_scored_against_target_references(study):
    folder = study / "results/generations/qa/mbart-tiny/full+ttest/lr~0.003/seed~1"
    own = study / "results/generations/qa/mbart-tiny/full/lr~0.003/seed~1"
    assert (folder / "en.test.jsonl").read_text() == (own / "en.test.jsonl").read_text()
    lines = [json.loads(line) for line in (folder / "zh.test.jsonl").read_text(encoding="utf-8").splitlines()]
    gold = read_records("qa", study / "results/data/qa/zh/test.jsonl", "zh")
    assert [r["id"] for r in lines] == [r["id"] for r in gold]
    assert [r["reference"] for r in lines] == [r["answers"] for r in gold]
    assert all("prediction_source_lang" in r for r in lines)
    inputs = read_records("qa", study / "results/data/translate_test/qa/zh/test.jsonl", "zh")
    assert [r["answers"] for r in inputs] == [r["answers"] for r in gold]  # references stay
    assert all(a["source"] != b["source"] and a["source"].startswith("question: ")
               for a, b in zip(inputs, gold))  # the model input was translated, the record kept


def test_lr_of_translate_train_is_selected_on_its_own_language(study):
    selection = pd.read_csv(study / "results/tables/lr_selection_qa.csv")
    rows = selection[(selection["method"] == "full+tt-zh") & (selection["protocol"] == "source_dev")]
    assert set(rows["lang"]) == {"zh", "targets_mean"}
    assert set(rows["selected_on"]) == {"zh dev"}
    ttest = selection[(selection["method"] == "full+ttest") & (selection["protocol"] == "source_dev")]
    zero_shot = selection[(selection["method"] == "full") & (selection["protocol"] == "source_dev")]
    assert set(ttest["lr"]) == set(zero_shot["lr"])  # both chosen on the same English dev outputs


def test_main_tables_hold_translate_train_and_test_rows_beside_zero_shot_with_mt_quality(study):
    long = pd.read_csv(study / "results/tables/results_long.csv", keep_default_na=False, na_values=[""])
    ttest = long[long["method"] == "full+ttest"]
    assert len(ttest) and ttest["trainable_share"].notna().all()  # the English run's facts
    quality = pd.read_csv(study / "results/tables/mt_quality.csv")
    # both directions: en->xx for translate-train, xx->en for translate-test's inputs
    assert list(zip(quality["src"], quality["tgt"])) == [("en", "ru"), ("ru", "en"), ("en", "zh"), ("zh", "en")]
    assert quality["chrf"].between(0, 100).all() and (quality["n"] > 0).all()
    forward = quality[quality["src"] == "en"]
    assert forward["qa_answer_found_rate"].between(0, 1).all()
    for task, metric in (("qa", "f1_unicode"),):
        main = pd.read_csv(study / f"results/tables/main_{task}.csv").set_index("method")
        assert sorted(main.index) == ["full", "full+tt", "full+ttest"]
        tt = main.loc["full+tt"]
        assert pd.isna(tt[f"{metric}_en"]) and pd.isna(tt["lr"])  # one LR per language
        for lang in TARGETS:
            assert pd.notna(tt[f"{metric}_{lang}"]) and pd.notna(main.loc["full", f"{metric}_{lang}"])
        assert tt["trainable_share"] == 1.0
        markdown = (study / f"results/tables/main_{task}.md").read_text(encoding="utf-8")
        assert "| mbart-tiny | full+tt | 100% | per language |" in markdown
        assert "## Translation baselines" in markdown and "nllb-mt-demo" in markdown
