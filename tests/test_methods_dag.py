"""The adaptation methods run through the whole DAG from an intermediate-tuned backbone (one of
each kind the rules treat apart: tests/configs/tiny-methods.yaml), and the tables carry a row
per method with its trainable share."""

import json
import shutil

import pandas as pd
import pytest
from conftest import CONFIGS, copy_world, run_snakemake  # tests/conftest.py

CONFIG = CONFIGS / "tiny-methods.yaml"
pytestmark = pytest.mark.slow
METHODS = {"full", "freeze", "prompt", "lora", "graddrop"}
PEFT = {"prompt", "lora"}


@pytest.fixture(scope="module")
def study(tmp_path_factory, tiny_world):
    workdir = copy_world(tiny_world, tmp_path_factory.mktemp("methods"))
    run_snakemake(workdir, configfile=CONFIG)
    return workdir


def test_main_table_has_a_row_per_backbone_and_method_with_the_trainable_share(study):
    main = pd.read_csv(study / "results/tables/main_qa.csv")
    assert len(main) == len(METHODS)
    assert set(zip(main["backbone"], main["method"])) == {("mbart-tiny+it", m) for m in METHODS}
    share = main.set_index("method")["trainable_share"]
    assert share["full"] == 1.0 and share["graddrop"] == 1.0
    assert share["prompt"] < 0.01 * share["full"]
    assert 0 < share["freeze"] < 1
    for method in PEFT:
        assert 0 < share[method] < share["freeze"], method
    markdown = (study / "results/tables/main_qa.md").read_text(encoding="utf-8")
    assert "| mbart-tiny+it | prompt |" in markdown


def test_peft_runs_save_only_what_they_trained_and_generate_from_the_backbone(study):
    runs = study / "results/models/qa/mbart-tiny+it"
    full_bytes = sum(p.stat().st_size for p in (runs / "full/lr~0.001/seed~1/model").iterdir())
    for method in PEFT:
        model_dir = next((runs / method).glob("lr~*/seed~1/model"))
        assert not (model_dir / "model.safetensors").exists(), method
        assert sum(p.stat().st_size for p in model_dir.iterdir() if p.suffix == ".safetensors") < full_bytes / 5
        generations = next((study / "results/generations/qa/mbart-tiny+it" / method).glob("lr~*/seed~1/ru.test.jsonl"))
        assert len(generations.read_text(encoding="utf-8").splitlines()) == 12  # data.demo.n_test
    long = pd.read_csv(study / "results/tables/results_long.csv", keep_default_na=False, na_values=[""])
    assert (long["status"] == "ok").all() and set(long["method"]) == METHODS


def test_intermediate_tuning_made_a_variant_every_method_started_from(study):
    variant = study / "results/backbones/mbart-tiny+it"
    summary = json.loads((variant / "xlgen_intermediate.json").read_text())
    assert summary["objective"] == "translation" and summary["languages"] == ["ru", "zh"]
    run = json.loads((study / "results/models/qa/mbart-tiny+it/graddrop/lr~0.001/seed~1/run.json").read_text())
    assert run["status"] == "ok" and any("loss_unlabeled" in row for row in run["history"])
    assert not list((study / "results").glob("checkpoints/**/checkpoint.pt"))  # finished runs clean up


def test_a_study_of_one_method_runs_to_tables_and_plots_of_that_method(study, tmp_path):
    """A study of any subset of methods (issue 22: `methods: [lora]` alone) ends in its tables
    and plots: the finished study's runs reused, only the tables and plots made again."""
    workdir = tmp_path / "lora-only"
    shutil.copytree(study, workdir, symlinks=True,
                    ignore=lambda folder, names: {"tables", "plots"} if folder.endswith("results") else set())
    proc = run_snakemake(workdir, configfile=CONFIG, config={"methods": "[lora]", "backbones": "[mbart-tiny+it]"},
                         check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "rule finetune:" not in proc.stdout + proc.stderr  # every lora run was already trained
    for name in ("results_long", "lr_sweep_qa", "lr_selection_qa", "main_qa"):
        table = pd.read_csv(workdir / f"results/tables/{name}.csv")
        assert set(table["method"]) == {"lora"} and set(table["backbone"]) == {"mbart-tiny+it"}, name
    for plot in ("lr_sweep_qa", "wrong_language_qa"):
        assert (workdir / f"results/plots/{plot}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", plot
