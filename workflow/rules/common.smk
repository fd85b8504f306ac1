import sys
from types import SimpleNamespace
from pathlib import Path

from xlgen.config import ConfigError, validate_config
from xlgen.hub import model_cache_path, required_datasets, task_sources
from xlgen.intermediate import VARIANT_SUFFIX, base_backbone
from xlgen.methods import TRANSLATE_TEST, TRANSLATE_TRAIN, get_method, method_variant

# A bad config stops here, before any job, with one line naming the key.
try:
    validate_config(config, workflow.source_path("../../config/schema.yaml"))
except ConfigError as err:
    sys.stderr.write(f"xlgen: invalid config: {err}\n")
    sys.exit(1)


DATA_SOURCE = config["data"]["source"]
HUB = config["data"].get("hub", {})
# where download_backbone snapshots a hub checkpoint ('google--mt5-base')
HUB_MODEL_DIR = str(Path(HUB.get("models_dir", "resources/models")) / "{hub_model}")
# where download_dataset saves a hub split ('google--xlsum/russian/test' under cache_dir)
HUB_DATASET_DIR = str(
    Path(HUB.get("cache_dir", "resources/datasets"))
    / "{dataset}"
    / "{dataset_config}"
    / "{hub_split}"
)
SOURCE_LANG = config["source_language"]
TARGET_LANGS = list(config["target_languages"])
ALL_LANGS = [SOURCE_LANG] + TARGET_LANGS
TASKS = list(config["tasks"])
BACKBONES = list(config["backbones"])
METHODS = list(config["methods"])
SEEDS = list(config["finetune"]["seeds"])
SPLITS = list(config["generate"]["splits"])
# data-translation baselines (config `translate_train`, off unless enabled)
TT = config.get("translate_train") or {}
TT_ON = bool(TT.get("enabled"))
TT_METHODS = list(TT.get("methods") or ["full"])
TT_BACKBONES = list(TT.get("backbones") or BACKBONES)
TT_LANGS = list(TT.get("languages") or TARGET_LANGS)
TT_TEST = TT_ON and TT.get("translate_test", True)


wildcard_constraints:
    task="|".join(TASKS),
    backbone="[A-Za-z0-9][A-Za-z0-9._-]*([+]it)?",
    method="[a-z_]+([+](tt-[a-z]{2,3}|ttest))?",  # translate-train/test variants: full+tt-ru, full+ttest
    lr="[0-9][0-9.e+-]*",
    seed="[0-9]+",
    lang="[a-z]{2,3}",
    split="train|dev|test",
    dataset="[A-Za-z0-9_.-]+--[A-Za-z0-9_.-]+",
    hub_split="train|validation|test",


def format_lr(lr):
    """The path form of a learning rate: 0.001 -> '0.001', 1e-05 -> '1e-05'."""
    return f"{float(lr):g}"


def get_runs(task):
    """Every (backbone, method, lr, seed) run of a task as wildcard dicts, the
    translate-train ('full+tt-ru') and translate-test ('full+ttest') variants included.
    """
    runs = [
        dict(task=task, backbone=b, method=m, lr=format_lr(lr), seed=s)
        for b in BACKBONES
        for m in METHODS
        for lr in config["method_settings"][m]["lrs"]
        for s in SEEDS
    ]
    if TT_ON:
        variants = [
            f"{m}{TRANSLATE_TRAIN}{lang}" for m in TT_METHODS for lang in TT_LANGS
        ]
        variants += [f"{m}{TRANSLATE_TEST}" for m in TT_METHODS] if TT_TEST else []
        runs += [
            dict(task=task, backbone=b, method=v, lr=format_lr(lr), seed=s)
            for b in TT_BACKBONES
            for v in variants
            for lr in config["method_settings"][method_variant(v)[0]]["lrs"]
            for s in SEEDS
        ]
    return runs


def get_run_langs(method):
    """The languages a run is generated and scored in: a translate-train run only in the
    language it was trained in, a translate-test run in the translated ones and English.
    """
    _, variant, lang = method_variant(method)
    if variant == "translate_train":
        return [lang]
    if variant == "translate_test":
        return [SOURCE_LANG] + TT_LANGS
    return ALL_LANGS


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
    files += expand("results/data/parallel/en-{lang}.phrases.jsonl", lang=TARGET_LANGS)
    return files


def get_generation_files(wildcards):
    return expand(
        "results/generations/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/{lang}.{split}.jsonl",
        **wildcards,
        lang=get_run_langs(wildcards.method),
        split=SPLITS,
    )


def get_trained_run(wildcards):
    """run.json of the training run behind a run: a translate-test variant has no training
    of its own, it applies the English run of its base method."""
    base, variant, _ = method_variant(wildcards.method)
    method = base if variant == "translate_test" else wildcards.method
    return (
        "results/models/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/run.json".format(
            **{**dict(wildcards.items()), "method": method}
        )
    )


def get_eval_files(wildcards=None):
    return [
        "results/eval/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/scores.csv".format(
            **run
        )
        for task in TASKS
        for run in get_runs(task)
    ]


def get_per_example_files(wildcards):
    """Per-example scores of every run of the task (the main table reads the selected ones)."""
    return [
        "results/eval/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/per_example.csv".format(
            **run
        )
        for run in get_runs(wildcards.task)
    ]


def get_run_files(wildcards=None):
    """run.json of every training run (translate-test variants train nothing)."""
    return [
        "results/models/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/run.json".format(
            **run
        )
        for task in TASKS
        for run in get_runs(task)
        if method_variant(run["method"])[1] != "translate_test"
    ]


def get_tokenized(wildcards):
    """Tokenized train/dev of a run: English, or the translated set of a translate-train run."""
    _, variant, lang = method_variant(wildcards.method)
    sub = f"tt-{lang}/" if variant == "translate_train" else ""
    return {
        split: f"results/tokenized/{wildcards.task}/{wildcards.backbone}/{sub}{split}.pt"
        for split in ("train", "dev")
    }


def get_mt_dir(wildcards=None):
    """The MT model directory of the translation baselines ([] for the apertium backend)."""
    if TT.get("backend", "model") != "model":
        return []
    return get_backbone_dir(SimpleNamespace(backbone=TT["mt_backbone"]))


def get_parallel_task():
    """Held-out parallel text for the MT-quality figure: the QA test contexts (XQuAD and the
    demo world's test sets are translations across languages; XL-Sum is not)."""
    if "qa" in TASKS:
        return "qa"
    if DATA_SOURCE == "demo":
        return "summarization"
    return None


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


def get_baseline_train(wildcards):
    """Train files the QA majority-answer baseline reads: every language's in the demo; on
    hub data only English has QA train data (XQuAD is evaluation-only: dev is used there).
    """
    if wildcards.task != "qa":
        return []
    langs = ALL_LANGS if DATA_SOURCE == "demo" else [SOURCE_LANG]
    return expand(
        "results/data/{task}/{lang}/train.jsonl", task=wildcards.task, lang=langs
    )


def get_backbone_spec(wildcards):
    return config["backbone_catalog"][base_backbone(wildcards.backbone)]


def get_backbone_dir(wildcards):
    """The directory a backbone (variant) is loaded from: a hub snapshot under
    `data.hub.models_dir`, a demo backbone or an intermediate-tuned variant under results/.
    """
    spec = get_backbone_spec(wildcards)
    if "path" in spec and not wildcards.backbone.endswith(VARIANT_SUFFIX):
        return spec["path"]
    if "hub_id" in spec and not wildcards.backbone.endswith(VARIANT_SUFFIX):
        return str(model_cache_path(HUB["models_dir"], spec["hub_id"]))
    return f"results/backbones/{wildcards.backbone}"


def get_hub_backbone_dirs():
    """Every hub checkpoint the study loads (the `download_backbones` target)."""
    catalog = config["backbone_catalog"]
    names = [base_backbone(b) for b in BACKBONES]
    if TT_ON and TT.get("backend", "model") == "model":
        names.append(TT["mt_backbone"])  # the MT model of the translation baselines
    ids = {catalog[n]["hub_id"] for n in names if "hub_id" in catalog[n]}
    return sorted(str(model_cache_path(HUB["models_dir"], i)) for i in ids)


def get_hub_id(wildcards):
    """'google--mt5-base' -> 'google/mt5-base' (the revision, if any, from the catalog)."""
    return wildcards.hub_model.replace("--", "/", 1)


def get_unlabeled_for_method(wildcards):
    """Target-language unlabeled text for methods that train on it (mix_unsup, graddrop)."""
    if not getattr(get_method(wildcards.method), "uses_unlabeled", False):
        return {}
    return {"unlabeled": expand("results/data/unlabeled/{lang}.txt", lang=TARGET_LANGS)}


def get_intermediate_inputs(wildcards):
    """The base backbone and the target-language text the intermediate stage trains on."""
    inputs = {"backbone": get_backbone_dir(wildcards)}
    if config["intermediate_tuning"]["objective"] == "translation":
        inputs["parallel"] = expand(
            "results/data/parallel/en-{lang}.jsonl", lang=TARGET_LANGS
        )
    else:
        inputs["unlabeled"] = expand(
            "results/data/unlabeled/{lang}.txt", lang=TARGET_LANGS
        )
    return inputs


def get_prebuilt_backbone(wildcards):
    """Absolute path of the backbone's prebuilt copy in the repository, or '' if none."""
    prebuilt = get_backbone_spec(wildcards)["demo"].get("prebuilt")
    return str(Path(workflow.basedir) / prebuilt) if prebuilt else ""


def get_final_output():
    outputs = ["results/tables/results_long.csv", "results/tables/baselines.csv"]
    outputs += expand("results/tables/lr_sweep_{task}.csv", task=TASKS)
    outputs += expand("results/plots/lr_sweep_{task}.png", task=TASKS)
    outputs += expand("results/plots/wrong_language_{task}.png", task=TASKS)
    outputs += expand(
        "results/tables/{name}_{task}.csv",
        name=["lr_selection", "main", "paired"],
        task=TASKS,
    )
    outputs += expand("results/tables/main_{task}.md", task=TASKS)
    if TT_ON and get_parallel_task():
        outputs.append("results/tables/mt_quality.csv")
    return outputs


def get_generation_files_pattern():
    """Output patterns of one generate job: every language and split of the run."""
    return expand(
        "results/generations/{{task}}/{{backbone}}/{{method}}/lr~{{lr}}/seed~{{seed}}/{lang}.{split}.jsonl",
        lang=ALL_LANGS,
        split=SPLITS,
    )


def get_hub_dataset_dirs():
    """Every hub dataset split the study reads (the `download_data` target)."""
    refs = required_datasets(TASKS, SOURCE_LANG, TARGET_LANGS, SPLITS)
    if needs_unlabeled_text():
        refs += [task_sources("summarization", lang)["train"] for lang in TARGET_LANGS]
    return sorted({str(ref.path(HUB["cache_dir"])) for ref in refs})


def needs_unlabeled_text():
    """Whether some method or intermediate tuning trains on target-language text."""
    methods = METHODS + (TT_METHODS if TT_ON else [])
    uses = any(getattr(get_method(m), "uses_unlabeled", False) for m in methods)
    return uses or any(b.endswith(VARIANT_SUFFIX) for b in BACKBONES)


def get_dataset_cache_dir(wildcards, output):
    """The cache_dir a download_dataset output lies in, read off the output path rather than
    the config: it stays right where Snakemake maps outputs to other storage (--lint).
    """
    split_dir = Path(wildcards.dataset, wildcards.dataset_config, wildcards.hub_split)
    return str(Path(output[0]).parents[len(split_dir.parts) - 1])


def get_hub_sources(wildcards):
    """The cached hub split a (task, lang, split) record file is made from."""
    return str(
        task_sources(wildcards.task, wildcards.lang)[wildcards.split].path(
            HUB["cache_dir"]
        )
    )


def get_unlabeled_source(wildcards):
    """Target-language unlabeled text comes from the XL-Sum train articles of the language."""
    return str(
        task_sources("summarization", wildcards.lang)["train"].path(HUB["cache_dir"])
    )


def get_hub_caps(wildcards):
    return {"train": HUB.get("train_examples"), **HUB.get("max_examples", {})}
