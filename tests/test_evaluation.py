"""Run scoring, trivial baselines and the wide LR-sweep table, on real strings."""

import json
import math
from pathlib import Path

import pandas as pd
import yaml

from xlgen.catalog import task_spec
from xlgen.evaluation import baseline_scores, score_run
from xlgen.runs import path_keys, run_record
from xlgen.tables import lr_sweep_table
from xlgen.tasks.summarization import lead_sentence


def test_lead_sentence_per_script():
    assert lead_sentence("Storm hits Oslo. Trees fell! Roads closed?", "en") == "Storm hits Oslo."
    assert lead_sentence("北京举行马拉松。张伟获得冠军。", "zh") == "北京举行马拉松。"
    assert lead_sentence("هبت عاصفة على القاهرة. أغلقت الطرق.", "ar") == "هبت عاصفة على القاهرة."
    assert lead_sentence("Один абзац без точки", "ru") == "Один абзац без точки"


def test_majority_answer_baseline_scores_the_most_frequent_train_answer():
    train = [{"target": t} for t in ["Москва", "Казань", "Москва"]]
    records = [{"answers": ["Москва"], "target": "Москва", "context": "Столица России — Москва."},
               {"answers": ["Казань"], "target": "Казань", "context": "Столица Татарстана — Казань."}]
    row = baseline_scores("qa", "ru", records, train, "fasttext", 20)
    assert row["baseline"] == "majority_answer"
    assert row["em_unicode"] == 50.0 and row["n"] == 2


def summarization_run(lr=0.001):
    """The identity record of a demo summarization run (xlgen.runs.run_record)."""
    config = yaml.safe_load((Path(__file__).parents[1] / "config" / "config.yaml").read_text())
    return run_record(task_spec(config, "summarization"), "mbart-demo", "full", lr, 1)


def test_a_run_record_names_the_run_and_its_variant():
    config = yaml.safe_load((Path(__file__).parents[1] / "config" / "config.yaml").read_text())
    record = run_record(task_spec(config, "qa"), "mbart-demo", "full", 1e-05, 2, variant="translate_train",
                        variant_lang="ru")
    assert path_keys(record) == {"task": "qa", "backbone": "mbart-demo", "method": "full+tt-ru", "lr": "1e-05",
                                 "seed": "2"}
    assert (record["kind"], record["dataset"], record["main_metric"]) == ("extractive_qa", "demo", "f1_unicode")


def test_score_run_rows_and_diverged_runs(tmp_path):
    run = tmp_path / "results/generations/summarization/mbart-demo/full/lr~0.001/seed~1"
    run.mkdir(parents=True)
    lines = [{"id": "a", "lang": "zh", "prediction": "张伟赢得北京马拉松", "reference": "张伟赢得北京马拉松"},
             {"id": "b", "lang": "zh", "prediction": "Zhang Wei wins the Beijing marathon",
              "reference": "张伟赢得北京马拉松"}]
    (run / "zh.test.jsonl").write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    table, examples = score_run(summarization_run(), [run / "zh.test.jsonl"], "ok", "fasttext", 20,
                                bootstrap_samples=200, seed=1)
    row = table.iloc[0]
    assert (row["lang"], row["split"], row["lr"], row["status"]) == ("zh", "test", 0.001, "ok")
    assert row["rougeL"] == 50.0  # one identical pair, one with no shared character
    assert (row["rougeL_ci_low"], row["rougeL_ci_high"]) == (0.0, 100.0)
    assert row["wrong_lang_rate"] == 0.5 and json.loads(row["detected_langs"])["en"] == 0.5
    # corpus-level: sacrebleu's own bootstrap interval, which it cannot form when some
    # resamples have no matching n-gram (here one of the two examples): NaN, not a crash
    assert {"bleu_ci_low", "bleu_ci_high", "chrf_ci_low", "chrf_ci_high"} <= set(table)
    assert list(examples.columns) == ["task", "backbone", "method", "lr", "seed", "lang", "split", "id", "rouge1",
                                      "rouge2", "rougeL", "wrong_lang", "line_pass", "word_pass"]
    assert (row["kind"], row["dataset"], row["variant"]) == ("summarization", "demo", "zero_shot")
    assert list(examples["rougeL"]) == [100.0, 0.0] and list(examples["wrong_lang"]) == [0.0, 1.0]
    diverged, none = score_run(summarization_run(), [run / "zh.test.jsonl"], "diverged", "fasttext", 20)
    assert diverged.iloc[0]["status"] == "diverged" and "rougeL" not in diverged
    assert none.empty and list(none.columns)[:8] == ["task", "backbone", "method", "lr", "seed", "lang", "split", "id"]
    (run / "el.test.jsonl").write_text("")  # mBART-50 has no Greek code: generation skipped it
    table, examples = score_run(summarization_run(), [run / "zh.test.jsonl", run / "el.test.jsonl"], "ok",
                                "fasttext", 20, bootstrap_samples=0, family="mbart")
    assert table["status"].tolist() == ["ok", "no_code"] and math.isnan(table.iloc[1]["rougeL"])
    assert set(examples["lang"]) == {"zh"}


def test_lr_sweep_table_pivots_languages_and_averages_targets():
    rows = []
    for lr, (en, ru, zh, wrong) in {1e-4: (30, 20, 10, 0.0), 1e-3: (60, 10, 0, 0.5)}.items():
        for lang, value in {"en": en, "ru": ru, "zh": zh}.items():
            rows.append({"task": "qa", "backbone": "b", "method": "full", "lr": lr, "seed": 1, "lang": lang,
                         "split": "test", "f1_unicode": value, "status": "ok", "dev_loss_final": 1.0,
                         "wrong_lang_rate": 0.0 if lang == "en" else wrong, "main_metric": "f1_unicode"})
    sweep = lr_sweep_table(pd.DataFrame(rows), "qa", "en")
    assert list(sweep["lr"]) == [1e-4, 1e-3]
    assert list(sweep["f1_unicode_targets_mean"]) == [15.0, 5.0]
    assert list(sweep["wrong_lang_targets_mean"]) == [0.0, 0.5]
    assert list(sweep["f1_unicode_en"]) == [30, 60]
