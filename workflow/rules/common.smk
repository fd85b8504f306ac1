import sys
from pathlib import Path

from xlgen.config import ConfigError, validate_config


# A bad config stops here, before any job, with one line naming the key.
try:
    validate_config(config, workflow.source_path("../../config/schema.yaml"))
except ConfigError as err:
    sys.stderr.write(f"xlgen: invalid config: {err}\n")
    sys.exit(1)


SOURCE_LANG = config["source_language"]
TARGET_LANGS = list(config["target_languages"])
ALL_LANGS = [SOURCE_LANG] + TARGET_LANGS
TASKS = list(config["tasks"])
BACKBONES = list(config["backbones"])
METHODS = list(config["methods"])
SEEDS = list(config["finetune"]["seeds"])
SPLITS = list(config["generate"]["splits"])


wildcard_constraints:
    task="|".join(TASKS),
    backbone="[A-Za-z0-9][A-Za-z0-9._-]*",
    method="[a-z_]+",
    lr="[0-9][0-9.e+-]*",
    seed="[0-9]+",
    lang="[a-z]{2,3}",
    split="train|dev|test",


def format_lr(lr):
    """The path form of a learning rate: 0.001 -> '0.001', 1e-05 -> '1e-05'."""
    return f"{float(lr):g}"


def get_runs(task):
    """Every (backbone, method, lr, seed) run of a task as wildcard dicts."""
    return [
        dict(task=task, backbone=b, method=m, lr=format_lr(lr), seed=s)
        for b in BACKBONES
        for m in METHODS
        for lr in config["method_settings"][m]["lrs"]
        for s in SEEDS
    ]


def get_demo_world_files():
    """Every file the demo world rule writes."""
    files = expand(
        "results/data/{task}/{lang}/{split}.jsonl",
        task=["summarization", "qa"],
        lang=ALL_LANGS,
        split=["train", "dev", "test"],
    )
    files += expand("results/data/unlabeled/{lang}.txt", lang=ALL_LANGS)
    files += expand("results/data/parallel/en-{lang}.jsonl", lang=TARGET_LANGS)
    return files


def get_generation_files(wildcards):
    return expand(
        "results/generations/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/{lang}.{split}.jsonl",
        **wildcards,
        lang=ALL_LANGS,
        split=SPLITS,
    )


def get_eval_files(wildcards=None):
    return [
        "results/eval/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/scores.csv".format(**run)
        for task in TASKS
        for run in get_runs(task)
    ]


def get_per_example_files(wildcards):
    """Per-example scores of every run of the task (the main table reads the selected ones)."""
    return [
        "results/eval/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/per_example.csv".format(**run)
        for run in get_runs(wildcards.task)
    ]


def get_run_files(wildcards=None):
    return [
        "results/models/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/run.json".format(**run)
        for task in TASKS
        for run in get_runs(task)
    ]


def get_task_data(wildcards):
    """Train and dev files of the source language for a task."""
    return {
        "train": f"results/data/{wildcards.task}/{SOURCE_LANG}/train.jsonl",
        "dev": f"results/data/{wildcards.task}/{SOURCE_LANG}/dev.jsonl",
    }


def get_eval_data(wildcards):
    """Every dev/test file of a task that generation reads."""
    return expand(
        "results/data/{task}/{lang}/{split}.jsonl",
        task=wildcards.task,
        lang=ALL_LANGS,
        split=SPLITS,
    )


def get_backbone_spec(wildcards):
    return config["backbone_catalog"][wildcards.backbone]


def get_prebuilt_backbone(wildcards):
    """Absolute path of the backbone's prebuilt copy in the repository, or '' if none."""
    prebuilt = config["backbone_catalog"][wildcards.backbone]["demo"].get("prebuilt")
    return str(Path(workflow.basedir) / prebuilt) if prebuilt else ""


def get_final_output():
    outputs = ["results/tables/results_long.csv", "results/tables/baselines.csv"]
    outputs += expand("results/tables/lr_sweep_{task}.csv", task=TASKS)
    outputs += expand("results/plots/lr_sweep_{task}.png", task=TASKS)
    outputs += expand("results/plots/wrong_language_{task}.png", task=TASKS)
    outputs += expand(
        "results/tables/{name}_{task}.csv", name=["lr_selection", "main", "paired"], task=TASKS
    )
    outputs += expand("results/tables/main_{task}.md", task=TASKS)
    return outputs


def get_generation_files_pattern():
    """Output patterns of one generate job: every language and split of the run."""
    return expand(
        "results/generations/{{task}}/{{backbone}}/{{method}}/lr~{{lr}}/seed~{{seed}}/{lang}.{split}.jsonl",
        lang=ALL_LANGS,
        split=SPLITS,
    )
