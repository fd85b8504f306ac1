"""A run's identity as data, and the one table of results paths.

The study plan builds one record per run, once (xlgen.plan, from the config), the workflow
passes it to the scripts, and they write it into `run.json` and every score file; the
tables read these columns instead of parsing paths. The paths themselves keep the layout
users know (PATHS): a variant is a suffix of the path's method or backbone there
('full+tt-ru', 'full+ttest', 'full+mask', 'full+steer', 'mt5-base+it'), made here from the record's fields.
"""

from __future__ import annotations

import string

from xlgen.intermediate import VARIANT_SUFFIX
from xlgen.methods import TRANSLATE_TEST, TRANSLATE_TRAIN
from xlgen.remedies import DECODE_REMEDIES

# `{task}`: a task_catalog name; `{method}` and `{backbone}`: the path forms below
PATHS = {
    "data": "results/data/{task}/{lang}/{split}.jsonl",
    "tokenized": "results/tokenized/{task}/{backbone}/{sub}{split}.npz",
    "model": "results/models/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/model",
    "run": "results/models/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/run.json",
    "checkpoint": "results/checkpoints/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/checkpoint.pt",
    "generation": "results/generations/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/{lang}.{split}.jsonl",
    "scores": "results/eval/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/scores.csv",
    "per_example": "results/eval/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/per_example.csv",
    "log": "results/logs/{stage}/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}.log",
    # a steering vector of a trained run (xlgen.remedies.steering): under results/, not the model's directory
    "steering_vector": "results/steering/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/{lang}.layer~{layer}.npy",
}
# the identity columns every score row starts with (results_long.csv's first columns)
RUN_KEYS = ["task", "backbone", "method", "lr", "seed"]
# the decode-time remedies of issue 23 (xlgen.remedies.DECODE_REMEDIES: 'script_mask', 'steering')
# are variants named as their remedies
REMEDY_VARIANTS = tuple(DECODE_REMEDIES)
VARIANTS = ("zero_shot", "translate_train", "translate_test", *REMEDY_VARIANTS)
# variants that train nothing: they apply the zero-shot run of their base method (its model,
# its run.json) at decoding time; translate-test, and the decode-time remedies
DECODING_VARIANTS = ("translate_test", *REMEDY_VARIANTS)


def format_lr(lr) -> str:
    """The path form of a learning rate: 0.001 -> '0.001', 1e-05 -> '1e-05'."""
    return f"{float(lr):g}"


def same_lr(a, b) -> bool:
    """Whether two LRs are one run's: equal path forms. A method's configured LRs differ in
    this form (xlgen.plan refuses the others), and it survives the tables' 6-digit floats."""
    return format_lr(a) == format_lr(b)


def method_path(method: str, variant: str = "zero_shot", variant_lang: str = "") -> str:
    """The path form of a (method, variant): 'full', 'full+tt-ru', 'full+ttest', 'full+mask',
    'full+steer' (a decode-time remedy's suffix, xlgen.remedies.DECODE_REMEDIES)."""
    if variant == "translate_train":
        return f"{method}{TRANSLATE_TRAIN}{variant_lang}"
    if variant == "translate_test":
        return f"{method}{TRANSLATE_TEST}"
    if variant in DECODE_REMEDIES:
        return f"{method}{DECODE_REMEDIES[variant].suffix}"
    return method


def trained_record(record: dict) -> dict:
    """The record of the run whose model `record` decodes with: itself, or for a decoding
    variant ('full+ttest', 'full+mask', 'full+steer') the zero-shot run of its base method."""
    if record["variant"] not in DECODING_VARIANTS:
        return record
    return {**record, "method": record["base_method"], "variant": "zero_shot", "variant_lang": ""}


def run_record(spec, backbone: str, method: str, lr, seed: int, *, intermediate: bool = False,
               variant: str = "zero_shot", variant_lang: str = "") -> dict:
    """One run's identity: task (its catalogue name) and backbone, method, lr, seed in their
    path forms' meaning, then the task's kind, dataset and main metric, and the variant
    fields. `spec`: the task's xlgen.catalog.TaskSpec; `backbone`: a catalogue name."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown run variant {variant!r}; known: {', '.join(VARIANTS)}")
    return {
        "task": spec.name,
        "backbone": backbone + (VARIANT_SUFFIX if intermediate else ""),
        "method": method_path(method, variant, variant_lang),
        "lr": float(lr),
        "seed": int(seed),
        "kind": spec.kind.name,
        "dataset": spec.adapter.name,
        "main_metric": spec.main_metric,
        "base_backbone": backbone,
        "intermediate": bool(intermediate),
        "base_method": method,
        "variant": variant,
        "variant_lang": variant_lang,
    }


def path_keys(record: dict) -> dict:
    """The wildcards of a run's paths (PATHS) from its record."""
    return {"task": record["task"], "backbone": record["backbone"], "method": record["method"],
            "lr": format_lr(record["lr"]), "seed": str(record["seed"])}


def path_pattern(kind: str, **fixed: str) -> str:
    """PATHS[kind] as a Snakemake pattern: the `fixed` fields filled in, every other one left
    a `{wildcard}` ('results/models/{task}/.../seed~{seed}/run.json')."""
    names = [name for _, name, _, _ in string.Formatter().parse(PATHS[kind]) if name]
    return PATHS[kind].format(**{**{name: "{" + name + "}" for name in names}, **fixed})


def run_path(kind: str, record: dict, **extra) -> str:
    """PATHS[kind] filled in for the run `record` (and `extra` wildcards: lang, split)."""
    return PATHS[kind].format(**path_keys(record), **extra)
