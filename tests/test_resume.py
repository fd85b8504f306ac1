"""A killed training job resumes to the same weights; a diverged run is a row, not a failure;
the finetune rule asked for 2 GPUs trains the same run in 2 processes."""

import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import CONFIGS, SNAKEMAKE_ENV, run_snakemake  # tests/conftest.py
from conftest import snakemake_cmd as snakemake_line

CONFIG = CONFIGS / "resume.yaml"
pytestmark = pytest.mark.slow
RUN = "results/models/summarization/mbart-tiny/full/lr~0.001/seed~1"
CHECKPOINT = "results/checkpoints/summarization/mbart-tiny/full/lr~0.001/seed~1/checkpoint.pt"
LOG = "results/logs/finetune/summarization/mbart-tiny/full/lr~0.001/seed~1.log"
STEPS = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["finetune"]["steps"]  # 100


def snakemake_cmd(workdir: Path, *args: str) -> list[str]:
    return snakemake_line(workdir, *args, configfile=CONFIG, cores=1)


ENV = SNAKEMAKE_ENV


def run(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return run_snakemake(workdir, *args, configfile=CONFIG, cores=1, timeout=600)


def weights_digest(workdir: Path) -> str:
    return hashlib.sha256((workdir / RUN / "model" / "model.safetensors").read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("resume")
    run(workdir, "--until", "tokenize")  # data and backbone first: the kill hits training only
    return workdir


def test_sigkilled_training_resumes_to_the_weights_of_an_uninterrupted_run(study):
    target = f"{RUN}/run.json"
    job = subprocess.Popen(snakemake_cmd(study, target), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=ENV, start_new_session=True)
    checkpoint = study / CHECKPOINT
    deadline = time.time() + 300
    while not checkpoint.exists() and job.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert checkpoint.exists(), "no checkpoint appeared before the job ended"
    os.killpg(job.pid, signal.SIGKILL)  # snakemake and the training job, as a preemption would
    job.wait()
    assert not (study / RUN / "run.json").exists() and not (study / RUN / "model").exists()

    run(study, "--unlock")
    run(study, target, "--rerun-incomplete")
    log = (study / LOG).read_text()
    resumed_at = int(log.split("resumed from ")[1].split(" at step ")[1].split()[0])
    assert 20 <= resumed_at < STEPS and resumed_at % 20 == 0
    assert not checkpoint.exists(), "the checkpoint of a finished run is removed"
    assert json.loads((study / RUN / "run.json").read_text())["steps"] == STEPS
    resumed = weights_digest(study)

    run(study, target, "--forcerun", "finetune", "--until", "finetune")  # uninterrupted, from scratch
    assert "resumed from" not in (study / LOG).read_text()
    assert weights_digest(study) == resumed


def test_a_diverged_run_is_marked_in_the_tables_and_the_sweep_completes(study):
    run(study)
    long = pd.read_csv(study / "results/tables/results_long.csv", keep_default_na=False, na_values=[""])
    status = long.groupby("lr")["status"].agg(set).to_dict()
    assert status == {1e-3: {"ok"}, 1e9: {"diverged"}}
    assert long.loc[long["lr"] == 1e-3, "rougeL"].notna().all()
    assert long.loc[long["lr"] == 1e9, "rougeL"].isna().all()
    summary = json.loads((study / "results/models/summarization/mbart-tiny/full/lr~1e+09/seed~1/run.json").read_text())
    assert summary["status"] == "diverged" and summary["steps"] < STEPS
    sweep = pd.read_csv(study / "results/tables/lr_sweep_summarization.csv")
    assert set(sweep["status"]) == {"ok", "diverged"}


def test_finetune_with_two_gpus_asked_runs_two_processes_through_the_rule(study):
    # `--set-resources finetune:gpu=2` (a profile's `gpu: 2`): the finetune job starts
    # `accelerate launch` with 2 processes (gloo here), writes the same files, and trains the
    # same run: the loss curve of the 1-process run within float noise (measured 2026-11-29:
    # training losses 3.9e-8 apart at most over 400 steps, dev losses equal to the last digit; the
    # test runs 100 of them)
    target = f"{RUN}/run.json"
    if not (study / target).exists():
        run(study, target)
    one = json.loads((study / target).read_text())
    assert "processes" not in one
    run(study, target, "--forcerun", "finetune", "--until", "finetune", "--cores", "2",
        "--set-resources", "finetune:gpu=2")
    two = json.loads((study / target).read_text())
    assert two["processes"] == 2 and two["steps"] == one["steps"] == STEPS
    assert (study / RUN / "model" / "model.safetensors").exists()
    log = (study / LOG).read_text()
    assert log.count("dev loss before finetuning") == 1  # one process logs
    for a, b in zip(one["history"], two["history"], strict=True):
        assert a["step"] == b["step"] and a["lr"] == b["lr"]
        assert abs(a["loss"] - b["loss"]) <= 1e-5, (a, b)
        assert abs(a.get("dev_loss", 0.0) - b.get("dev_loss", 0.0)) <= 1e-5, (a, b)
