"""xlgen.plan on the real configs: the runs the workflow plans, their lookup by path, their
languages, and the refusal of learning rates that would share paths."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from xlgen.config import ConfigError, validate_config
from xlgen.plan import PlanError, StudyPlan
from xlgen.runs import PATHS, path_keys, path_pattern, run_path, same_lr

ROOT = Path(__file__).resolve().parents[1]


def merged(*overlays: str) -> dict:
    """config/config.yaml with `overlays` merged over it as Snakemake merges --configfile
    (mappings extended, the rest replaced), validated as the workflow validates it."""
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())

    def merge(base: dict, over: dict) -> None:
        for key, value in over.items():
            if isinstance(value, dict) and isinstance(base.get(key), dict):
                merge(base[key], value)
            else:
                base[key] = value

    for name in overlays:
        merge(config, yaml.safe_load((ROOT / "config" / name).read_text()))
    validate_config(config, ROOT / "config" / "schema.yaml")
    return config


def decode_remedies() -> dict:
    """config/demo-remedies.yaml over the demo with its training-time arm (several source
    languages, tests/test_several_sources.py) off: the decode-time remedies alone."""
    config = merged("demo-remedies.yaml")
    config["remedies"]["several_sources"]["enabled"] = False
    return config


def paper_config() -> dict:
    return merged("paper.yaml")


def test_default_plan_has_every_run_of_the_grid_in_config_order():
    config = merged()
    plan = StudyPlan.from_config(config)
    assert plan.tasks == ["summarization", "qa"]
    runs = plan.runs["qa"]
    # 3 backbones x (full: 2 LRs, freeze: 1, lora: 1) x 1 seed
    assert len(runs) == 3 * 4
    assert [(r["backbone"], r["method"], r["lr"]) for r in runs[:4]] == [
        ("mt5-demo", "full", 1e-4), ("mt5-demo", "full", 3e-3), ("mt5-demo", "freeze", 1e-3),
        ("mt5-demo", "lora", 1e-2)]
    first = runs[0]
    assert first["kind"] == "extractive_qa" and first["variant"] == "zero_shot" and first["seed"] == 1
    assert run_path("run", first) == "results/models/qa/mt5-demo/full/lr~0.0001/seed~1/run.json"
    assert plan.run_langs(first) == ["en", "de", "es", "ru", "zh", "ar", "th"] == plan.task_langs("qa")
    assert plan.language_groups() == [(plan.all_langs, ["summarization", "qa"])]


def test_a_run_is_found_by_its_path_wildcards_and_an_unplanned_one_is_named():
    plan = StudyPlan.from_config(merged())
    for run in plan.all_runs():
        assert plan.run(**path_keys(run)) is run
    with pytest.raises(ValueError, match=r"run qa/mt5-demo/full/lr~0.5/seed~1 is not one the config plans"):
        plan.run("qa", "mt5-demo", "full", "0.5", "1")
    with pytest.raises(ValueError, match="is not one the config plans"):
        plan.run("qa", "mt5-demo", "full", "0.0001", "2")  # a seed the config does not run


def test_paper_plan_counts_the_runs_of_the_grid_and_the_translation_baselines():
    config = paper_config()
    plan = StudyPlan.from_config(config)
    grid = sum(len(config["method_settings"][m]["lrs"]) for m in config["methods"])  # 40 LRs
    zero_shot = 3 * grid
    translate_train = 3 * 5 * 8  # backbones x full's LRs x target languages
    for task in plan.tasks:
        variants = [r["variant"] for r in plan.runs[task]]
        assert variants.count("zero_shot") == zero_shot == 120
        assert variants.count("translate_train") == translate_train
        assert "translate_test" not in variants  # off in paper.yaml
    counts = plan.job_counts()
    assert counts["finetune"] == counts["evaluate"] == 2 * (zero_shot + translate_train) == 480
    assert counts["generate"] == 2 * zero_shot and counts["generate_translate_train"] == 2 * translate_train
    assert counts["tokenize"] == 6 and counts["tokenize_translated"] == 2 * 3 * 8
    tt_run = next(r for r in plan.runs["qa"] if r["variant"] == "translate_train")
    assert tt_run["method"] == "full+tt-ar" and plan.run_langs(tt_run) == ["ar"]
    assert run_path("model", tt_run) == "results/models/qa/mt5-base/full+tt-ar/lr~1e-05/seed~1/model"


def test_translate_test_runs_are_scored_in_english_and_the_translated_languages():
    plan = StudyPlan.from_config(merged("demo-translate.yaml"))
    ttest = [r for r in plan.runs["qa"] if r["variant"] == "translate_test"]
    assert ttest and all(r["method"].endswith("+ttest") and r["base_method"] == "full" for r in ttest)
    assert plan.run_langs(ttest[0]) == [plan.source_lang, *plan.tt_langs]
    counts = plan.job_counts()
    assert counts["translate_test"] == len(plan.tasks) * len(ttest)
    assert "translate_test" not in {plan.run(**path_keys(r))["variant"] for r in plan.trained_runs()}


def test_tasks_with_their_own_languages_get_their_own_generate_rule():
    plan = StudyPlan.from_config(merged("paper.yaml", "paper-extended.yaml"))
    groups = plan.language_groups()
    assert groups[0] == (plan.all_langs, ["summarization", "qa", "wikilingua"])
    assert [tasks for _, tasks in groups[1:]] == [["mlqa"], ["tydiqa"]]
    assert plan.generate_rule("qa") == "generate" and plan.generate_rule("tydiqa") == "generate_tydiqa"
    counts = plan.job_counts()
    assert counts["generate"] == 3 * 120 and counts["generate_mlqa"] == counts["generate_tydiqa"] == 120


def test_lrs_equal_in_six_digits_are_refused_naming_the_key_and_closer_ones_are_kept_apart():
    config = merged()
    config["method_settings"]["lora"]["lrs"] = [1e-4, 1.0000001e-4]
    with pytest.raises(PlanError) as refused:
        StudyPlan.from_config(config)
    message = str(refused.value)
    assert "'method_settings.lora.lrs'" in message and "lr~0.0001" in message and "\n" not in message
    # 1e-4 and 1.00001e-4 differ in paths: two runs, each found at its own path with its exact LR
    config["method_settings"]["lora"]["lrs"] = [1e-4, 1.00001e-4]
    plan = StudyPlan.from_config(config)
    assert plan.run("qa", "mbart-demo", "lora", "0.0001", "1")["lr"] == 1e-4
    assert plan.run("qa", "mbart-demo", "lora", "0.000100001", "1")["lr"] == 1.00001e-4


def test_the_workflow_refuses_colliding_lrs_in_one_line_before_any_job(tmp_path):
    config = merged()
    config["method_settings"]["full"]["lrs"] = [1e-4, 1.0000001e-4]
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(config))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--snakefile", str(ROOT / "Snakefile"),
                           "--directory", str(tmp_path), "--configfile", str(tmp_path / "study.yaml")],
                          capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.startswith("xlgen:")]
    assert lines == ["xlgen: invalid config: 'method_settings.full.lrs': 0.0001 and 0.00010000001 are one "
                     "learning rate in paths (lr~0.0001); make them differ in 6 significant digits"]
    assert "Traceback" not in proc.stderr


def test_path_patterns_keep_the_layout_and_leave_unfilled_fields_as_wildcards():
    assert path_pattern("run") == "results/models/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/run.json"
    assert path_pattern("log", stage="evaluate") == \
        "results/logs/evaluate/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}.log"
    assert path_pattern("generation", method="{method}+tt-{lang}", split="dev") == \
        "results/generations/{task}/{backbone}/{method}+tt-{lang}/lr~{lr}/seed~{seed}/{lang}.dev.jsonl"
    assert path_pattern("tokenized", sub="", split="train") == "results/tokenized/{task}/{backbone}/train.npz"
    assert set(PATHS) >= {"model", "run", "checkpoint", "generation", "scores", "per_example", "log"}


def test_an_lr_read_back_from_a_six_digit_table_is_still_its_run():
    lr = 1.2345678e-4  # the selection table prints %.6g: 0.000123457
    printed = float(f"{lr:.6g}")
    assert same_lr(lr, printed) and same_lr(1e-05, "1e-05")
    assert not same_lr(lr, 1.23456e-4)  # a neighbouring grid point stays another run


def test_script_mask_runs_decode_the_zero_shot_runs_and_train_nothing():
    plan = StudyPlan.from_config(decode_remedies())
    masked = [r for r in plan.runs["qa"] if r["variant"] == "script_mask"]
    assert [(r["backbone"], r["method"], r["lr"]) for r in masked[:2]] == [
        ("mt5-demo", "full+mask", 1e-4), ("mt5-demo", "full+mask", 3e-3)]
    assert len(masked) == 3 * 2 and all(r["base_method"] == "full" for r in masked)
    run = masked[0]
    assert run_path("generation", run, lang="ru", split="test") == \
        "results/generations/qa/mt5-demo/full+mask/lr~0.0001/seed~1/ru.test.jsonl"
    assert plan.run_langs(run) == plan.task_langs("qa")  # every language, the source's included
    assert plan.run(**path_keys(run)) is run
    trained = plan.trained_run(run)
    assert trained["method"] == "full" and trained["variant"] == "zero_shot" and trained["lr"] == run["lr"]
    assert "script_mask" not in {r["variant"] for r in plan.trained_runs()}
    assert plan.generate_rule("qa", "generate_script_mask") == "generate_script_mask"
    default = StudyPlan.from_config(merged())
    counts, before = plan.job_counts(), default.job_counts()
    assert counts["finetune"] == before["finetune"] and counts["generate"] == before["generate"]
    # both remedies of the overlay (script mask, steering): 2 tasks x 3 backbones x 2 LRs of full each
    assert counts["generate_script_mask"] == counts["generate_steering"] == 2 * 6
    assert counts["evaluate"] == before["evaluate"] + 2 * 2 * 6
    assert "generate_script_mask" not in before and default.all_runs() == StudyPlan.from_config(
        merged("demo-remedies.yaml") | {"remedies": {"script_mask": {"enabled": False}}}).all_runs()


def test_the_script_mask_of_a_method_that_does_not_run_is_refused_naming_the_key():
    config = merged("demo-remedies.yaml")
    config["remedies"]["script_mask"]["methods"] = ["prompt"]
    with pytest.raises(ConfigError, match=r"^'remedies.script_mask.methods\[0\]' is 'prompt': not in 'methods'"):
        validate_config(config, ROOT / "config" / "schema.yaml")


def test_steering_runs_decode_the_zero_shot_runs_with_a_vector_per_target_language_and_train_nothing():
    plan = StudyPlan.from_config(decode_remedies())
    steered = [r for r in plan.runs["qa"] if r["variant"] == "steering"]
    assert len(steered) == 3 * 2 and {r["method"] for r in steered} == {"full+steer"}
    run = steered[0]
    assert run_path("generation", run, lang="ru", split="test") == \
        "results/generations/qa/mt5-demo/full+steer/lr~0.0001/seed~1/ru.test.jsonl"
    assert plan.run(**path_keys(run)) is run and plan.trained_run(run)["method"] == "full"
    assert "steering" not in {r["variant"] for r in plan.trained_runs()}
    # a vector per (trained run, target language), one job per trained run writing all of
    # them; the source language decodes unsteered
    assert plan.remedy_langs(run) == plan.task_langs("qa")[1:] and "en" not in plan.remedy_langs(run)
    counts = plan.job_counts()
    assert counts["steering_vector"] == 2 * 6  # 2 tasks x 3 backbones x full's 2 LRs
    assert counts["finetune"] == StudyPlan.from_config(merged()).job_counts()["finetune"]
    assert run_path("steering_vector", plan.trained_run(run), lang="ru", layer=-1) == \
        "results/steering/qa/mt5-demo/full/lr~0.0001/seed~1/ru.layer~-1.npy"


def test_tasks_with_their_own_languages_get_their_own_steering_vector_rule():
    config = merged("paper.yaml", "paper-extended.yaml")
    config["remedies"] = yaml.safe_load((ROOT / "config" / "demo-remedies.yaml").read_text())["remedies"]
    # the decode-time arms alone: XQuAD has no Spanish train split for the several-sources arm
    config["remedies"]["several_sources"]["enabled"] = False
    # the languages XL-Sum, the vectors' unlabeled text, has (MLQA's de and TyDi QA's fi it lacks: refused)
    config["task_catalog"]["mlqa"]["target_languages"] = ["ar", "es", "hi", "vi", "zh"]
    config["task_catalog"]["tydiqa"]["target_languages"] = ["ar", "bn", "id", "ko", "ru", "sw", "te"]
    validate_config(config, ROOT / "config" / "schema.yaml")
    plan = StudyPlan.from_config(config)
    jobs = plan.vector_jobs()
    runs = 3 * 5  # backbones x full's LRs, one job per trained run of each task
    assert {rule: len(keys) for rule, keys in jobs.items()} == {
        "steering_vector": 3 * runs, "steering_vector_mlqa": runs, "steering_vector_tydiqa": runs}
    assert jobs["steering_vector_mlqa"][0] == ("mlqa", "mt5-base", "full", "1e-05", 1)
    counts = plan.job_counts()
    assert counts["steering_vector_tydiqa"] == counts["generate_steering_tydiqa"] == runs


def test_a_remedy_for_the_wrong_architecture_or_an_absent_method_is_refused_naming_the_key(monkeypatch):
    from xlgen import config as config_module
    from xlgen.remedies import DECODE_REMEDIES, DecodeRemedy

    config = merged("demo-remedies.yaml")
    config["remedies"]["steering"]["methods"] = ["prompt"]
    with pytest.raises(ConfigError, match=r"^'remedies.steering.methods\[0\]' is 'prompt': not in 'methods'"):
        validate_config(config, ROOT / "config" / "schema.yaml")
    # a remedy for decoder-only backbones (as exemplars are) on the demo's seq2seq backbones
    only_causal = {**DECODE_REMEDIES, "steering": DecodeRemedy("steering", "+steer", "steering",
                                                               architectures="decoder_only")}
    monkeypatch.setattr(config_module, "DECODE_REMEDIES", only_causal)
    with pytest.raises(ConfigError, match=r"^'remedies.steering.enabled': backbone 'mt5-demo' is encoder-decoder "
                                          r"\(family mt5\); steering applies to decoder-only backbones only$"):
        validate_config(merged("demo-remedies.yaml"), ROOT / "config" / "schema.yaml")


def test_exemplar_runs_are_planned_for_the_decoder_only_backbones_listed_and_train_nothing():
    config = merged("demo-llm.yaml")
    config["remedies"] = {"exemplars": {"enabled": True, "k": 2, "backbones": ["llama-demo"]}}
    validate_config(config, ROOT / "config" / "schema.yaml")
    plan, before = StudyPlan.from_config(config), StudyPlan.from_config(merged("demo-llm.yaml"))
    shots = [r for r in plan.all_runs() if r["variant"] == "exemplars"]
    assert {(r["backbone"], r["method"]) for r in shots} == {("llama-demo", "full+fewshot")}
    assert len(shots) == 2 * 2  # tasks x full's LRs
    counts = plan.job_counts()
    assert counts["generate_exemplars"] == 4 and counts["evaluate"] == before.job_counts()["evaluate"] + 4
    assert counts["finetune"] == before.job_counts()["finetune"]
    config["remedies"]["exemplars"]["backbones"] = ["llama-demo", "gpt-demo"]
    with pytest.raises(ConfigError, match=r"^'remedies.exemplars.backbones\[1\]' is 'gpt-demo': not in 'backbones'$"):
        validate_config(config, ROOT / "config" / "schema.yaml")
