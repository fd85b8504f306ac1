import functools
import sys
from types import SimpleNamespace
from pathlib import Path

from xlgen.config import ConfigError, validate_config
from xlgen.datasets import DEFAULT_UNLABELED, get_adapter
from xlgen.families import family_settings
from xlgen.hub import model_cache_path, required_datasets
from xlgen.intermediate import VARIANT_SUFFIX, base_backbone
from xlgen.methods import get_method
from xlgen.plan import PlanError, StudyPlan
from xlgen.resources import (
    backbone_shape,
    evaluate_mem_mb,
    finetune_disk_mb,
    finetune_mem_mb,
    generate_mem_mb,
    generate_minutes,
    held_train_tokens,
    tokenize_mem_mb,
    train_minutes,
)
from xlgen.remedies import DECODE_REMEDIES
from xlgen.runs import PATHS, method_path, path_pattern, run_path

# A bad config stops here, before any job, with one line naming the key.
try:
    validate_config(config, workflow.source_path("../../config/schema.yaml"))
except ConfigError as err:
    sys.stderr.write(f"xlgen: invalid config: {err}\n")
    sys.exit(1)

# every run of the study, planned once (xlgen.plan); the input functions below look runs up here
try:
    PLAN = StudyPlan.from_config(config)
except PlanError as err:
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
SOURCE_LANG = PLAN.source_lang
TARGET_LANGS = PLAN.target_langs
ALL_LANGS = PLAN.all_langs
TASKS = PLAN.tasks
# each task resolved once: its kind, dataset adapter, languages (xlgen.catalog)
TASK_SPECS = PLAN.specs
BACKBONES = PLAN.backbones
METHODS = PLAN.methods
SPLITS = PLAN.splits
# data-translation baselines (config `translate_train`, off unless enabled)
TT = PLAN.tt
TT_ON = PLAN.tt_on
TT_LANGS = PLAN.tt_langs
TT_TEST = PLAN.tt_test
# the path form of a baseline run's method in the rules' patterns ('{method}+tt-{lang}')
TT_RUN_METHOD = method_path("{method}", "translate_train", "{lang}")
TTEST_RUN_METHOD = method_path("{method}", "translate_test")
# a method's path form: the method, or a variant of it (a decode-time remedy's suffix: xlgen.remedies)
METHOD_PATTERN = "[a-z_]+([+](tt-[a-z]{2,3}|ttest|src(-[a-z]{2,3})+|%s))?" % "|".join(
    r.suffix[1:] for r in DECODE_REMEDIES.values()
)
# the methods of the rules that train ('full', 'full+tt-ru', 'full+src-en-es') and of the
# generate rule of the runs that trained on the source language(s) ('full', 'full+src-en-es')
TRAINED_METHOD = "[a-z_]+([+](tt-[a-z]{2,3}|src(-[a-z]{2,3})+))?"
SOURCES_METHOD = "[a-z_]+([+]src(-[a-z]{2,3})+)?"


wildcard_constraints:
    task="|".join(TASKS) or "-",
    backbone="[A-Za-z0-9][A-Za-z0-9._-]*([+]it)?",
    method=METHOD_PATTERN,  # variants: full+tt-ru, full+ttest, full+mask, full+steer, full+src-en-es
    lr="[0-9][0-9.e+-]*",
    seed="[0-9]+",
    lang="[a-z]{2,3}",
    split="train|dev|test",
    dataset="[A-Za-z0-9_.-]+--[A-Za-z0-9_.-]+",
    hub_split="train|validation|test",


def get_run_identity(wildcards):
    """The identity record of the wildcards' run (passed to the scripts, written into
    run.json and the score files)."""
    return PLAN.run(
        *(wildcards[k] for k in ("task", "backbone", "method", "lr", "seed"))
    )


def get_variant_identity(variant):
    """The record of a translation-baseline run from its rule's wildcards, whose `method` is
    the base method ('full'; the translate-train language in `lang`)."""

    def identity(wildcards):
        method = method_path(wildcards.method, variant, wildcards.get("lang", ""))
        keys = {k: wildcards[k] for k in ("task", "backbone", "lr", "seed")}
        return PLAN.run(method=method, **keys)

    return identity


def run_log(stage, **fixed):
    """The log pattern of a run's job in `stage`."""
    return path_pattern("log", stage=stage, **fixed)


def get_task_param(name):
    """A parameter of the wildcards' task for a job: its kind's name, its dataset's
    metric flavour, its main metric, its dataset adapter's name."""
    attribute = {
        "kind": lambda spec: spec.kind.name,
        "flavour": lambda spec: spec.metric_flavour,
        "main_metric": lambda spec: spec.main_metric,
        "dataset": lambda spec: spec.adapter.name,
    }[name]
    return lambda wildcards: attribute(TASK_SPECS[wildcards.task])


def get_demo_world_files():
    """Every file the demo world rule writes (both of its tasks, whichever run)."""
    from xlgen_demo.dataset import TASK_DIRS

    files = expand(
        "results/data/{task}/{lang}/{split}.jsonl",
        task=list(TASK_DIRS.values()),
        lang=ALL_LANGS,
        split=["train", "dev", "test"],
    )
    files += expand("results/data/unlabeled/{lang}.txt", lang=ALL_LANGS)
    files += expand("results/data/parallel/en-{lang}.jsonl", lang=TARGET_LANGS)
    files += expand("results/data/parallel/en-{lang}.phrases.jsonl", lang=TARGET_LANGS)
    return files


def get_generation_files(wildcards):
    run = get_run_identity(wildcards)
    return [
        run_path("generation", run, lang=lang, split=split)
        for lang in PLAN.run_langs(run)
        for split in SPLITS
    ]


def get_trained_run(wildcards):
    """run.json of the training run behind a run: a translate-test or script-mask variant
    has no training of its own, it applies the English run of its base method."""
    return run_path("run", PLAN.trained_run(get_run_identity(wildcards)))


def get_eval_files(wildcards=None):
    return [run_path("scores", run) for run in PLAN.all_runs()]


def get_per_example_files(wildcards):
    """Per-example scores of every run of the task (the main table reads the selected ones)."""
    return [run_path("per_example", run) for run in PLAN.runs[wildcards.task]]


def get_run_files(wildcards=None):
    """run.json of every training run (translate-test variants train nothing)."""
    return [run_path("run", run) for run in PLAN.trained_runs()]


def get_tokenized(wildcards):
    """Tokenized train/dev of a run: English, the translated set of a translate-train run, or
    the sources' union of a several-sources run (and its example counts, for run.json).
    """
    run = get_run_identity(wildcards)
    sub = {
        "translate_train": f"tt-{run['variant_lang']}/",
        "several_sources": SOURCES_SUB,
    }
    files = {
        split: PATHS["tokenized"].format(
            task=run["task"],
            backbone=run["backbone"],
            sub=sub.get(run["variant"], ""),
            split=split,
        )
        for split in ("train", "dev")
    }
    if run["variant"] == "several_sources":
        files["sources"] = str(Path(files["train"]).parent / "sources.json")
    return files


# --- several source languages (config `remedies.several_sources`, off unless enabled) ---
SOURCES = PLAN.sources
# the folder of the sources' tokenized union beside the source language's ('src-en-es/')
SOURCES_SUB = f"src-{PLAN.sources_key}/"


def get_sources_data(wildcards):
    """Train and dev files of every source language of a task, in the sources' order."""
    return {
        split: [
            PATHS["data"].format(task=wildcards.task, lang=lang, split=split)
            for lang in SOURCES
        ]
        for split in ("train", "dev")
    }


def get_mt_dir(wildcards=None):
    """The MT model directory of the translation baselines ([] for the apertium backend)."""
    if TT.get("backend", "model") != "model":
        return []
    return get_backbone_dir(SimpleNamespace(backbone=TT["mt_backbone"]))


def get_parallel_task():
    """Held-out parallel text for the MT-quality figure: the test sets of the first task
    whose dataset's test sets translate each other (XQuAD, the demo world; not XL-Sum).
    """
    return next((t for t in TASKS if TASK_SPECS[t].adapter.parallel), None)


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
        lang=PLAN.task_langs(wildcards.task),
        split=SPLITS,
    )


def get_baseline_train(wildcards):
    """Train files a baseline that learns from them reads (the QA majority answer): every
    language's with train data (the demo world: all; XQuAD is evaluation-only, there the
    baseline takes its answer from the language's dev split)."""
    spec = TASK_SPECS[wildcards.task]
    if not spec.kind.baseline_uses_train:
        return []
    langs = [
        lang
        for lang in spec.languages
        if spec.adapter.generated or "train" in spec.adapter.sources(lang)
    ]
    return expand(
        "results/data/{task}/{lang}/train.jsonl", task=wildcards.task, lang=langs
    )


def get_backbone_spec(wildcards):
    return config["backbone_catalog"][base_backbone(wildcards.backbone)]


def get_family_settings(wildcards):
    """The backbone's family settings (a decoder-only backbone's prompt: language_control,
    chat_template; xlgen.families.family_settings), for the jobs that build model inputs.
    """
    return family_settings(get_backbone_spec(wildcards))


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
    if not get_method(wildcards.method).uses_unlabeled:
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
    if PLAN.remedies_on:  # the remedies as study arms (workflow/rules/remedies.smk)
        outputs += expand("results/tables/arms_{task}.csv", task=TASKS)
        outputs += expand("results/plots/arms_wrong_language_{task}.png", task=TASKS)
    if HUMAN_ON:
        outputs += HUMAN.final_outputs()
    return outputs


def get_generation_files_pattern(langs, **fixed):
    """Output patterns of one generate job: every language and split of the run."""
    return [
        path_pattern("generation", lang=lang, split=split, **fixed)
        for lang in langs
        for split in SPLITS
    ]


def unlabeled_adapter():
    """The dataset whose target-language running text the unlabeled-text methods read
    (`data.hub.unlabeled_dataset`, default XL-Sum's articles)."""
    return get_adapter(HUB.get("unlabeled_dataset", DEFAULT_UNLABELED))


def get_hub_dataset_dirs():
    """Every hub dataset split the study reads (the `download_data` target)."""
    refs = required_datasets(TASK_SPECS.values(), SPLITS)
    # several source languages: every source's train split (the config check saw each exists)
    refs += [
        spec.adapter.sources(lang)["train"]
        for spec in TASK_SPECS.values()
        if not spec.adapter.generated
        for lang in SOURCES
    ]
    if needs_unlabeled_text():
        langs = ALL_LANGS if PLAN.remedy_on("steering") else TARGET_LANGS
        refs += [unlabeled_adapter().unlabeled(lang)[0] for lang in langs]
    return sorted({str(ref.path(HUB["cache_dir"])) for ref in refs})


def get_dataset_adapter(wildcards):
    """The adapter that reads a hub dataset (its columns and layout), by the dataset's id."""
    hub_id = wildcards.dataset.replace("--", "/", 1)
    adapters = [spec.adapter for spec in TASK_SPECS.values()]
    adapters += [unlabeled_adapter()] if needs_unlabeled_text() else []
    for adapter in adapters:
        if hub_id in adapter.columns:
            return adapter.name
    return None


def needs_unlabeled_text():
    """Whether some method or intermediate tuning trains on target-language text, or the
    steering vectors are taken from it (and the source language's)."""
    methods = METHODS + PLAN.tt_methods
    uses = any(get_method(m).uses_unlabeled for m in methods) or PLAN.remedy_on(
        "steering"
    )
    return uses or any(b.endswith(VARIANT_SUFFIX) for b in BACKBONES)


def get_dataset_cache_dir(wildcards, output):
    """The cache_dir a download_dataset output lies in, read off the output path rather than
    the config: it stays right where Snakemake maps outputs to other storage (--lint).
    """
    split_dir = Path(wildcards.dataset, wildcards.dataset_config, wildcards.hub_split)
    return str(Path(output[0]).parents[len(split_dir.parts) - 1])


def get_hub_sources(wildcards):
    """The cached hub split a (task, lang, split) record file is made from."""
    adapter = TASK_SPECS[wildcards.task].adapter
    return str(adapter.sources(wildcards.lang)[wildcards.split].path(HUB["cache_dir"]))


def get_unlabeled_source(wildcards):
    """Target-language unlabeled text: by default the XL-Sum train articles of the language."""
    return str(unlabeled_adapter().unlabeled(wildcards.lang)[0].path(HUB["cache_dir"]))


def get_local_copy(wildcards):
    """A local directory laid out as the hub repository of the dataset
    (`data.hub.local_copies`, by hub id), or None to download from the hub."""
    hub_id = wildcards.dataset.replace("--", "/", 1)
    return (HUB.get("local_copies") or {}).get(hub_id)


def get_hub_caps(wildcards):
    return {"train": HUB.get("train_examples"), **HUB.get("max_examples", {})}


# --- human evaluation (config `human_eval`, off unless enabled; workflow/rules/human.smk) ---
HUMAN_ON = bool((config.get("human_eval") or {}).get("enabled"))
HUMAN = None
if HUMAN_ON:
    from xlgen.human.plan import human_plan
    from xlgen.io import InputError

    try:
        HUMAN = human_plan(
            config,
            {
                t: [lang for lang in PLAN.task_langs(t) if lang != SOURCE_LANG]
                for t in TASKS
            },
        )
    except InputError as err:
        sys.stderr.write(f"xlgen: invalid config: {err}\n")
        sys.exit(1)


def get_human_generation_files(wildcards):
    """Generation files of the compared systems at every LR they may be selected at."""
    return HUMAN.generation_files(wildcards.task)


def get_human_records(wildcards):
    """The rated split's task records of each rated language (questions, contexts)."""
    return HUMAN.record_files(wildcards.task)


def get_human_vocabulary_records(wildcards):
    """Every language's dev and test records: what the simulated annotators know."""
    return HUMAN.record_files(wildcards.task, PLAN.task_langs(wildcards.task), SPLITS)


def get_human_simulated(wildcards):
    """The simulated annotators' rating files, where simulation is on."""
    return [f"results/human/{wildcards.task}/simulated"] if HUMAN.simulated else []


def get_human_returned(wildcards):
    """Returned rating files the config lists under `human_eval.ratings`."""
    return HUMAN.rating_files(wildcards.task)


# --- resources of the jobs that hold a backbone (xlgen.resources; docs/cluster.md) ----------
# Each request follows from the backbone's parameter count (its config.json, else the catalog
# entry's `params`), the method, the processes and the data, times Snakemake's `attempt`; a
# profile's `set-resources` still overrides any of them for a site.
CLUSTER_GPU = config.get("cluster", {}).get("gpu", {})


def set_gpus(rule):
    """The GPUs (processes) a profile or `--set-resources <rule>:gpu=N` gives a rule; 1."""
    resources = workflow.resource_settings.overwrite_resources.get(rule)
    gpu = resources["gpu"] if resources is not None and "gpu" in resources else 1
    return max(1, int(getattr(gpu, "value", gpu) or 1))


def get_backbone_shape(wildcards):
    return backbone_shape(
        get_backbone_spec(wildcards),
        get_backbone_dir(wildcards),
        base_backbone(wildcards.backbone),
    )


def _train_tokens(wildcards):
    """Token ids the finetune job holds: those of the file the tokenize rule wrote, else the
    training set's text at ~4 characters a token (xlgen.resources.held_train_tokens)."""
    tokenized = Path(get_tokenized(wildcards)["train"])
    texts = [Path(get_task_data(wildcards)["train"])]
    if get_run_identity(wildcards)["variant"] == "several_sources":  # every source's
        texts = [Path(path) for path in get_sources_data(wildcards)["train"]]
    return held_train_tokens(
        tokenized.stat().st_size if tokenized.exists() else None,
        sum(text.stat().st_size for text in texts if text.exists()),
    )


@functools.lru_cache(maxsize=None)
def count_records(path, unknown=2000):
    """Records of a JSONL file, counted once a Snakemake run; `unknown` before it exists."""
    path = Path(path)
    if not path.exists():
        return unknown
    with open(path, "rb") as lines:
        return sum(1 for _ in lines)


def finetune_resources(wildcards, attempt):
    """mem_mb, disk_mb and runtime (minutes) of a finetune job."""
    shape = get_backbone_shape(wildcards)
    method_name = get_run_identity(wildcards)["base_method"]
    method = get_method(method_name)
    share = method.trainable_share(
        shape,
        config["method_settings"][method_name],
        get_backbone_spec(wildcards)["family"],
    )
    task = config["task_settings"][wildcards.task]
    settings = {**config["finetune"], **{k: v for k, v in task.items() if k == "steps"}}
    processes = set_gpus("finetune")
    tokens = settings["batch_size"] * (
        task["max_source_length"] + task["max_target_length"]
    )
    return {
        "mem_mb": finetune_mem_mb(
            shape,
            share,
            method.gradient_copies,
            processes,
            _train_tokens(wildcards),
            attempt,
            (task["max_source_length"], task["max_target_length"]),
        ),
        "disk_mb": finetune_disk_mb(shape, share, attempt, method.saves_backbone),
        "runtime": train_minutes(
            shape,
            settings["steps"],
            tokens,
            share,
            processes,
            CLUSTER_GPU,
            attempt,
        ),
    }


def generate_resources(wildcards, attempt):
    """mem_mb and runtime (minutes) of a generate job: every dev/test example of its
    languages, source and new tokens."""
    shape = get_backbone_shape(wildcards)
    task = config["task_settings"][wildcards.task]
    new = config["generate"]["max_new_tokens"][wildcards.task]
    examples = sum(count_records(f) for f in get_eval_data(wildcards))
    return {
        "mem_mb": generate_mem_mb(shape, attempt),
        "runtime": generate_minutes(
            shape, examples, task["max_source_length"] + new, CLUSTER_GPU, attempt
        ),
    }


def tokenize_resources(wildcards, attempt):
    """mem_mb of a tokenize job: the source language's train and dev examples."""
    task = config["task_settings"][wildcards.task]
    data = get_task_data(wildcards)
    examples = count_records(data["train"]) + count_records(data["dev"])
    tokens = task["max_source_length"] + task["max_target_length"]
    return {"mem_mb": tokenize_mem_mb(examples, tokens, attempt)}


def mt_mem_mb(attempt):
    """mem_mb of a job of the translation baselines' MT model (translate_train.mt_backbone);
    the apertium backend's CLI holds no model."""
    if TT.get("backend", "model") != "model":
        return 2000 * attempt
    name = TT["mt_backbone"]
    return generate_mem_mb(
        backbone_shape(config["backbone_catalog"][name], get_mt_dir(), name), attempt
    )


# --- decode-time remedies (config `remedies`, off unless enabled; workflow/rules/remedies.smk) ---
# the enabled ones (xlgen.remedies.DECODE_REMEDIES): a generate_<name> rule each
DECODE_REMEDIES_ON = PLAN.decode_remedies
MASK_ON = PLAN.mask_on
STEERING_ON = PLAN.remedy_on("steering")
# the path form of a remedy run's method in the rules' patterns ('{method}+mask')
REMEDY_RUN_METHOD = {
    r.name: method_path("{method}", r.name) for r in DECODE_REMEDIES_ON
}
# where a remedy caches what it computes once per backbone's tokenizer (under results/, not
# inside the backbone directory another rule, or a hub snapshot, owns)
REMEDY_CACHE = {"script_mask": "results/script_masks/{backbone}"}


def get_remedy_inputs(name):
    """The files a remedy's generate job reads besides the run's: a vector per target
    language of the trained run (its `vector_rule`), the target languages' dev splits
    (exemplars), or none."""

    def inputs(wildcards):
        settings = get_remedy_settings(name)(wildcards)
        return [
            *settings.get("vectors", {}).values(),
            *settings.get("dev", {}).values(),
        ]

    return inputs


def get_remedy_settings(name):
    """What a remedy's generate job decodes with (`params.remedy`, read by its module's
    decode_setup): its decoding settings (registry defaults under the config's), its cache
    directory, its vector files by language. Only these: editing `methods` reruns no job.
    """
    remedy = DECODE_REMEDIES[name]

    def settings(wildcards):
        values = {key: PLAN.remedy_setting(name, key) for key in remedy.decode_settings}
        if name in REMEDY_CACHE:
            values["cache_dir"] = REMEDY_CACHE[name].format(backbone=wildcards.backbone)
        run = get_variant_identity(name)(wildcards)
        if remedy.vector_rule:
            trained = PLAN.trained_run(run)
            values["vectors"] = {
                lang: run_path(remedy.vector_rule, trained, lang=lang, **values)
                for lang in PLAN.remedy_langs(run)
            }
        if remedy.dev_data:  # exemplars: the dev split, never test
            values["dev"] = {
                lang: PATHS["data"].format(task=wildcards.task, lang=lang, split="dev")
                for lang in PLAN.remedy_langs(run)
            }
        return values

    return settings


def steering_target_langs(langs):
    """The languages of a language group that get a steering vector: all but the source."""
    return [lang for lang in langs if lang != SOURCE_LANG]


def get_steering_vector_files_pattern(langs):
    """Output patterns of one steering_vector job: a vector file per target language."""
    return [path_pattern("steering_vector", lang=lang) for lang in langs]


def get_steering_settings():
    """What the steering_vector rule reads of `remedies.steering` (docs/remedies.md)."""
    section = PLAN.remedy("steering")
    return {
        "texts": section.get("texts", 200),
        "max_length": section.get("max_length", 64),
    }
