"""Every adaptation method runs through the whole DAG, from the backbone and from its
intermediate-tuned variant, and the tables carry a row per method with its trainable share."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "tests" / "configs" / "tiny-methods.yaml"
METHODS = {"full", "freeze", "prompt", "lora", "adapter", "adapterdrop", "mix_unsup", "graddrop"}
PEFT = {"prompt", "lora", "adapter", "adapterdrop"}


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("methods")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir),
         "--configfile", str(CONFIG), "--cores", "2"],
        capture_output=True, text=True, env=env, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return workdir


def test_main_table_has_a_row_per_backbone_and_method_with_the_trainable_share(study):
    main = pd.read_csv(study / "results/tables/main_qa.csv")
    assert len(main) == 2 * len(METHODS)
    assert set(zip(main["backbone"], main["method"])) == {(b, m) for b in ("mbart-tiny", "mbart-tiny+it")
                                                           for m in METHODS}
    share = main.set_index(["backbone", "method"])["trainable_share"]
    for backbone in ("mbart-tiny", "mbart-tiny+it"):
        assert share[(backbone, "full")] == 1.0 and share[(backbone, "mix_unsup")] == 1.0
        assert share[(backbone, "prompt")] < 0.01 * share[(backbone, "full")]
        assert 0 < share[(backbone, "freeze")] < 1
        for method in PEFT:
            assert 0 < share[(backbone, method)] < share[(backbone, "freeze")], method
    markdown = (study / "results/tables/main_qa.md").read_text(encoding="utf-8")
    assert "| mbart-tiny+it | prompt |" in markdown


def test_peft_runs_save_only_what_they_trained_and_generate_from_the_backbone(study):
    runs = study / "results/models/qa/mbart-tiny"
    full_bytes = sum(p.stat().st_size for p in (runs / "full/lr~0.001/seed~1/model").iterdir())
    for method in PEFT:
        model_dir = next((runs / method).glob("lr~*/seed~1/model"))
        assert not (model_dir / "model.safetensors").exists(), method
        assert sum(p.stat().st_size for p in model_dir.iterdir() if p.suffix == ".safetensors") < full_bytes / 5
        generations = next((study / "results/generations/qa/mbart-tiny" / method).glob("lr~*/seed~1/ru.test.jsonl"))
        assert len(generations.read_text(encoding="utf-8").splitlines()) == 8
    long = pd.read_csv(study / "results/tables/results_long.csv", keep_default_na=False, na_values=[""])
    assert (long["status"] == "ok").all() and set(long["method"]) == METHODS


def test_intermediate_tuning_made_a_variant_every_method_started_from(study):
    variant = study / "results/backbones/mbart-tiny+it"
    summary = json.loads((variant / "xlgen_intermediate.json").read_text())
    assert summary["objective"] == "translation" and summary["languages"] == ["ru", "zh"]
    run = json.loads((study / "results/models/qa/mbart-tiny+it/graddrop/lr~0.001/seed~1/run.json").read_text())
    assert run["status"] == "ok" and any("loss_unlabeled" in row for row in run["history"])
    assert not list((study / "results").glob("checkpoints/**/checkpoint.pt"))  # finished runs clean up
