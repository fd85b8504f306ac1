"""The whole DAG with a decoder-only backbone (tests/configs/tiny-llm.yaml): a tiny Qwen2 causal
LM built by the demo_backbone rule, in every table and plot."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "tests" / "configs" / "tiny-llm.yaml"
BACKBONES = {"qwen-tiny"}


@pytest.fixture(scope="module")
def llm_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("tiny-llm-study")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir),
         "--configfile", str(CONFIG), "--cores", "2"],
        capture_output=True, text=True, timeout=900, env=env,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return workdir


def test_the_decoder_only_backbone_is_in_every_table(llm_run):
    tables = llm_run / "results" / "tables"
    long = pd.read_csv(tables / "results_long.csv", keep_default_na=False, na_values=[""])
    # 2 tasks x 1 backbone x 2 lrs x 3 languages x 2 splits
    assert len(long) == 2 * 2 * 3 * 2 and set(long["backbone"]) == BACKBONES
    assert (long["status"] == "ok").all() and long["dev_loss_final"].gt(0).all()
    qwen = long[long["backbone"] == "qwen-tiny"]
    assert qwen["wrong_lang_rate"].dropna().between(0, 1).all() and qwen["rougeL"].dropna().between(0, 100).all()
    for task in ("summarization", "qa"):
        assert set(pd.read_csv(tables / f"lr_sweep_{task}.csv")["backbone"]) == BACKBONES
        assert set(pd.read_csv(tables / f"lr_selection_{task}.csv")["backbone"]) == BACKBONES
        assert set(pd.read_csv(tables / f"main_{task}.csv")["backbone"]) == BACKBONES
        assert "| qwen-tiny | full |" in (tables / f"main_{task}.md").read_text(encoding="utf-8")
        for plot in ("lr_sweep", "wrong_language"):  # plotted from the sweep table above
            assert (llm_run / "results" / "plots" / f"{plot}_{task}.png").read_bytes()[:4] == b"\x89PNG"


def test_the_run_trains_on_the_completion_and_generates_after_the_prompt(llm_run):
    import torch

    run = json.loads((llm_run / "results/models/qa/qwen-tiny/full/lr~0.003/seed~1/run.json").read_text())
    assert run["family"] == "causal" and run["status"] == "ok"
    config = json.loads((llm_run / "results/backbones/qwen-tiny/config.json").read_text())
    assert config["model_type"] == "qwen2"
    examples = torch.load(llm_run / "results/tokenized/summarization/qwen-tiny/train.pt", weights_only=True)
    for example in examples["examples"][:20]:
        prompt = example["labels"].count(-100)
        assert prompt > 0 and example["labels"][:prompt] == [-100] * prompt
        assert example["labels"][prompt:] == example["input_ids"][prompt:]
        assert len(example["input_ids"]) <= 96 + 24  # max_source_length + max_target_length
    lines = (llm_run / "results/generations/summarization/qwen-tiny/full/lr~0.003/seed~1/ru.test.jsonl").read_text(
        encoding="utf-8").splitlines()
    outputs = [json.loads(line)["prediction"] for line in lines]
    assert len(outputs) == 12 and not any("Summary:" in text or "\n" in text for text in outputs)
