"""The whole DAG, end to end, on a tiny config: every stage, backbone family and task."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "configs" / "tiny.yaml"


def snakemake(workdir: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
         "--directory", str(workdir), "--configfile", str(TINY), "--cores", "2", *args],
        capture_output=True, text=True, timeout=timeout, env=env,
    )


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("tiny-study")
    started = time.time()
    proc = snakemake(workdir)
    elapsed = time.time() - started
    assert proc.returncode == 0, proc.stderr[-4000:]
    return workdir, elapsed


def test_tiny_study_runs_within_three_minutes(tiny_run):
    _, elapsed = tiny_run
    assert elapsed < 180, f"end-to-end run took {elapsed:.0f} s"


def test_long_table_has_a_row_per_run_language_and_split(tiny_run):
    workdir, _ = tiny_run
    long = pd.read_csv(workdir / "results/tables/results_long.csv", keep_default_na=False, na_values=[""])
    # 2 tasks x 3 backbones x 1 method x 2 lrs x 1 seed x 3 languages x 2 splits
    assert len(long) == 2 * 3 * 2 * 3 * 2
    assert set(long["backbone"]) == {"mt5-tiny", "mbart-tiny", "nllb-tiny"}
    assert set(long["lang"]) == {"en", "ru", "zh"}
    assert set(long["split"]) == {"dev", "test"}
    assert sorted(set(long["lr"])) == [1e-4, 3e-3]
    assert (long.groupby(["task", "backbone", "lr", "lang", "split"]).size() == 1).all()
    assert (long["status"] == "ok").all()
    assert (long["n"] == 12).all()
    summ = long[long["task"] == "summarization"]
    qa = long[long["task"] == "qa"]
    for column in ["rougeL", "chrf", "wrong_lang_rate", "undetermined_rate"]:
        assert summ[column].notna().any(), column
    assert summ["rougeL"].between(0, 100).all()
    assert qa["f1_unicode"].between(0, 100).all() and qa["em"].between(0, 100).all()
    assert set(summ["rouge_tokenization"][summ["lang"] == "zh"]) != set(summ["rouge_tokenization"][summ["lang"] == "en"])
    rates = long["wrong_lang_rate"].dropna()
    assert rates.between(0, 1).all()
    assert long["trainable_share"].eq(1.0).all()  # method `full`
    assert long["dev_loss_final"].gt(0).all()


def test_sweep_tables_plots_and_baselines(tiny_run):
    workdir, _ = tiny_run
    for task in ["summarization", "qa"]:
        sweep = pd.read_csv(workdir / f"results/tables/lr_sweep_{task}.csv")
        assert len(sweep) == 3 * 2
        metric = "rougeL" if task == "summarization" else "f1_unicode"
        for lang in ["en", "ru", "zh"]:
            assert f"{metric}_{lang}" in sweep and f"wrong_lang_{lang}" in sweep
        assert f"{metric}_targets_mean" in sweep
        png = workdir / f"results/plots/lr_sweep_{task}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    baselines = pd.read_csv(workdir / "results/tables/baselines.csv")
    assert set(baselines["baseline"]) == {"lead", "majority_answer"}
    assert len(baselines) == 2 * 3 * 2


def test_models_are_saved_with_save_pretrained(tiny_run):
    workdir, _ = tiny_run
    run = workdir / "results/models/qa/mbart-tiny/full/lr~0.003/seed~1"
    assert (run / "model" / "config.json").exists()
    summary = json.loads((run / "run.json").read_text())
    assert summary["status"] == "ok" and summary["lr"] == 0.003
    assert [r["step"] for r in summary["history"] if "dev_loss" in r] == [6, 12]


def test_second_run_does_nothing_and_forcerun_generate_skips_training(tiny_run):
    workdir, _ = tiny_run
    again = snakemake(workdir, "-n")
    assert again.returncode == 0
    assert "Nothing to be done" in again.stdout + again.stderr
    forced = snakemake(workdir, "-n", "--forcerun", "generate", "--quiet", "rules")
    assert forced.returncode == 0, forced.stderr
    text = forced.stdout + forced.stderr
    assert "generate" in text and "evaluate" in text and "aggregate" in text
    assert "finetune" not in text and "demo_backbone" not in text
