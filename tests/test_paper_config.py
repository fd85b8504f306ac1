"""config/paper.yaml: the real study's DAG builds offline, with the job counts the README's
formula gives."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_plan import merged  # tests/test_plan.py: config.yaml with overlays, as Snakemake merges

from xlgen.datasets import get_adapter
from xlgen.hub import required_datasets
from xlgen.plan import StudyPlan

ROOT = Path(__file__).resolve().parents[1]


def expected_jobs(config: dict) -> dict[str, int]:
    """Jobs per rule: the run stages as xlgen.plan plans them, the data and table stages by
    the README's formula, from the (merged) config."""
    plan = StudyPlan.from_config(config)
    tasks, targets = plan.tasks, plan.target_langs
    unlabeled = any(m in ("mix_unsup", "graddrop") for m in plan.methods) or any(
        b.endswith("+it") for b in plan.backbones)
    refs = {r for r in required_datasets(plan.specs.values(), plan.splits)}
    if unlabeled:
        refs |= {get_adapter("xlsum").unlabeled(lang)[0] for lang in targets}
    hub_models = {config["backbone_catalog"][b.removesuffix("+it")]["hub_id"] for b in plan.backbones}
    if plan.tt_on:
        hub_models.add(config["backbone_catalog"][plan.tt["mt_backbone"]]["hub_id"])
    return {
        **plan.job_counts(),
        "mt_quality": 1 if plan.tt_on else 0,
        "download_dataset": len(refs),
        "prepare_data": len(tasks) * (3 + 2 * len(targets)),   # en: train/dev/test; targets: dev/test
        "unlabeled_text": len(targets) if unlabeled else 0,
        "download_backbone": len(hub_models),
        "baselines": len(tasks),
        "aggregate": 1,
        **{rule: len(tasks) for rule in ("lr_selection", "plot_lr_sweep", "plot_wrong_language", "main_table")},
        "all": 1,
    }


@pytest.mark.slow  # a Snakemake dry run of a real-size study (~10 CPU-s)
def test_paper_dag_builds_offline_with_the_predicted_job_counts(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--snakefile", str(ROOT / "Snakefile"), "--directory",
         str(tmp_path), "--configfile", str(ROOT / "config" / "paper.yaml")],
        capture_output=True, text=True, env=env, timeout=300, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = proc.stdout.split("Job stats:")[1].split("Reasons:")[0]
    counts = {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", stats, re.M)}
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    paper = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())
    for key, value in paper.items():  # Snakemake's merge: mappings extended, the rest replaced
        config[key] = {**config[key], **value} if isinstance(value, dict) and key in config else value
    assert StudyPlan.from_config(config).job_counts()["finetune"] == 2 * (120 + 120)  # zero-shot + tt runs
    expected = {rule: n for rule, n in expected_jobs(config).items() if n}
    total = counts.pop("total")
    assert counts == expected
    assert total == sum(expected.values()) == 1610
    assert "demo_world" not in counts and "demo_backbone" not in counts
    # every GPU job's resources follow from its backbone (the catalog's `params`: nothing is
    # downloaded here) and its method (xlgen.resources), not one size for all
    gpu_jobs = job_resources(proc.stdout)
    assert {rule for rule, _, _ in gpu_jobs} >= {"finetune", "generate", "translate_train_data"}
    finetune = {wildcards["backbone"]: res for rule, wildcards, res in gpu_jobs
                if rule == "finetune" and wildcards["method"] == "full"}
    # mT5-base, full finetuning: 582M parameters x 16 bytes (fp32 weights, gradients, AdamW) + the runtime
    assert 582401280 * 16 / 2**20 < finetune["mt5-base"]["mem_mb"] < 582401280 * 16 / 2**20 * 1.6
    assert finetune["mt5-base"]["mem_mb"] < finetune["nllb-600m"]["mem_mb"]  # 582M < 615M parameters
    assert all(res["runtime"] > 60 and res["disk_mb"] > 0 for res in finetune.values())


@pytest.mark.slow  # a Snakemake dry run of a real-size study (~10 CPU-s)
def test_extended_study_plans_offline_with_each_tasks_own_languages(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--snakefile", str(ROOT / "Snakefile"), "--directory",
         str(tmp_path), "--configfile", str(ROOT / "config" / "paper.yaml"),
         str(ROOT / "config" / "paper-extended.yaml")],
        capture_output=True, text=True, env=env, timeout=300, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = proc.stdout.split("Job stats:")[1].split("Reasons:")[0]
    counts = {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", stats, re.M)}
    runs_per_task = 3 * 40  # backbones x (the eight methods' LR grids)
    # summarization, qa and wikilingua share the paper's languages; mlqa and tydiqa have their own rule
    assert counts["generate"] == 3 * runs_per_task
    assert counts["generate_mlqa"] == counts["generate_tydiqa"] == runs_per_task
    assert counts["finetune"] == counts["evaluate"] == 5 * runs_per_task
    # English train/dev/test + dev/test of each target language, per task
    assert counts["prepare_data"] == sum(3 + 2 * n for n in (8, 8, 8, 6, 8))
    assert "generate_translate_train" not in counts  # off in the extended study
    plan = proc.stdout
    assert "results/data/tydiqa/fi/test.jsonl" in plan and "results/data/mlqa/zh/dev.jsonl" in plan
    assert "resources/datasets/google--xtreme/MLQA.zh.zh/test" in plan


REMEDY_RULES = ("generate_script_mask", "generate_steering", "generate_exemplars", "steering_vector")


def test_the_remedies_overlay_of_the_paper_study_adds_no_finetuning_job():
    plain = StudyPlan.from_config(merged("paper.yaml")).job_counts()
    arms = StudyPlan.from_config(merged("paper.yaml", "paper-remedies.yaml")).job_counts()
    runs = 3 * 5 * 2  # backbones x full's LRs x tasks: each decoded under the mask and with a vector
    assert arms["finetune"] == plain["finetune"] == 480 and arms["tokenize"] == plain["tokenize"]
    assert arms["generate_script_mask"] == arms["generate_steering"] == runs
    assert arms["evaluate"] == plain["evaluate"] + 2 * runs and "generate_exemplars" not in arms


@pytest.mark.slow  # a Snakemake dry run of a real-size study (~10 CPU-s)
def test_llm_study_with_every_decode_time_remedy_plans_offline(tmp_path):
    files = ("paper.yaml", "llm.yaml", "paper-remedies.yaml", "llm-remedies.yaml")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--snakefile", str(ROOT / "Snakefile"), "--directory",
         str(tmp_path), "--configfile", *(str(ROOT / "config" / name) for name in files)],
        capture_output=True, text=True, env=env, timeout=300, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = proc.stdout.split("Job stats:")[1].split("Reasons:")[0]
    counts = {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", stats, re.M)}
    runs = 2 * 7 * (4 + 5)  # tasks x backbones x (full + LoRA LRs)
    assert counts["finetune"] == counts["generate"] == runs  # the remedies train nothing
    full_runs = 2 * 7 * 4  # the zero-shot `full` runs each remedy decodes with
    assert counts["generate_script_mask"] == counts["generate_steering"] == counts["generate_exemplars"] == full_runs
    assert counts["evaluate"] == runs + 3 * full_runs
    planned = StudyPlan.from_config(merged(*files)).job_counts()
    assert {rule: counts[rule] for rule in REMEDY_RULES} == {rule: planned[rule] for rule in REMEDY_RULES}
    assert counts["download_backbone"] == 7
    assert "resources/models/Qwen--Qwen2.5-7B-Instruct" in proc.stdout
    finetune = [(wildcards, res) for rule, wildcards, res in job_resources(proc.stdout) if rule == "finetune"]
    assert len(finetune) == runs
    by_method = {(w["backbone"], w["method"]): res["mem_mb"] for w, res in finetune}
    # LoRA holds the 8B weights; full finetuning also their gradients and AdamW's moments
    assert by_method[("llama-3.1-8b", "full")] > 3 * by_method[("llama-3.1-8b", "lora")]
    assert by_method[("llama-3.1-8b", "lora")] > 8030261248 * 4 / 2**20


def job_resources(plan: str) -> list[tuple[str, dict, dict]]:
    """(rule, wildcards, resources) of every GPU job a `snakemake -n` plan prints."""
    jobs = []
    for block in re.split(r"^(?=(?:local)?rule \w+:)", plan, flags=re.M):
        rule = re.match(r"(?:local)?rule (\w+):", block)
        res = re.search(r"^\s+resources: (.+)$", block, re.M)
        if not (rule and res and "gpu=" in res[1]):
            continue
        wildcards = re.search(r"^\s+wildcards: (.+)$", block, re.M)
        jobs.append((rule[1], dict(kv.split("=", 1) for kv in wildcards[1].split(", ")) if wildcards else {},
                     {k: float(v) if re.fullmatch(r"[\d.]+", v) else v
                      for k, v in (kv.split("=", 1) for kv in res[1].split(", "))}))
    return jobs


def test_the_real_studies_train_their_own_steps_when_merged_over_the_demo_config():
    """Run in the repository, Snakemake reads config/config.yaml first and merges the study's
    files over it recursively: the demo's per-task `steps` (which override finetune.steps)
    must not survive into the real studies (they did: the paper study planned 60 steps)."""
    from snakemake.utils import update_config

    for files, steps in ((["paper.yaml"], 10000), (["paper.yaml", "llm.yaml"], 2000)):
        config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
        for name in files:
            update_config(config, yaml.safe_load((ROOT / "config" / name).read_text()))
        assert config["finetune"]["steps"] == steps
        for task in config["tasks"]:
            assert config["task_settings"][task].get("steps", steps) == steps, (files, task)
