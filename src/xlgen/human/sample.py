"""What the annotators see: the sampled inputs, the compared systems' outputs, and the key.

A *system* is a run family named in the config as `<backbone>/<method>` (at the learning rate
the zero-shot protocol `source_dev` selected: xlgen.selection), `<backbone>/<method>@<lr>`
(a fixed LR, e.g. to show what a high LR does) or `<backbone>/<method>+tt` (translate-train:
in language L the run `<method>+tt-L`, each at its own selected LR); `+ttest` works as well.

Sampling, per target language: the inputs every system has an output for are ordered by
input length and cut into N strata of equal size; one input is drawn from each stratum
(short and long inputs both represented, the same inputs for every system). Per input the
systems are shuffled and their outputs get ids `<lang>-<item><letter>` (`ru-07b`): the letter
is the position after shuffling, so an id says nothing of the system. Every draw uses
`random.Random("<seed>:<lang>[:...]")`: the same seed gives the same study on any machine.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import string
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from xlgen.human import is_simulated
from xlgen.io import InputError, read_jsonl
from xlgen.languages import describe_language
from xlgen.methods import TRANSLATE_TRAIN, method_variant
from xlgen.metrics import langid
from xlgen.runs import PATHS, format_lr
from xlgen.scoring import per_example_scores

TRANSLATE_TRAIN_SYSTEM = "+tt"  # '<method>+tt': a translate-train run per language
SOURCE_DEV = "source_dev"
TARGETS_MEAN = "targets_mean"
GENERATIONS = PATHS["generation"]  # the workflow's own path table (xlgen.runs)
KEY_COLUMNS = ["output_id", "task", "lang", "item", "example_id", "system", "backbone", "method", "lr", "seed",
               "metric", "metric_value", "auto_wrong", "auto_status", "auto_label", "auto_judge"]


@dataclass(frozen=True)
class System:
    """A compared system: `name` as the config writes it, its backbone, its method (a
    translate-train system keeps the `+tt` form) and a fixed LR or None (selected)."""

    name: str
    backbone: str
    method: str
    lr: float | None = None

    def run_method(self, lang: str) -> str:
        """The method of this system's run in `lang`: 'full+tt' -> 'full+tt-ru'."""
        if self.method.endswith(TRANSLATE_TRAIN_SYSTEM):
            return f"{self.method[:-len(TRANSLATE_TRAIN_SYSTEM)]}{TRANSLATE_TRAIN}{lang}"
        return self.method

    @property
    def base_method(self) -> str:
        return method_variant(self.run_method("xx"))[0]


def parse_system(spec: str) -> System:
    """'mbart-demo/full', 'mbart-demo/full@0.0001' or 'mbart-demo/full+tt' -> System;
    ValueError (one line) for anything else."""
    name = str(spec).strip()
    body, at, lr_text = name.partition("@")
    backbone, slash, method = body.partition("/")
    if not slash or not backbone or not method or "/" in method:
        raise InputError(f"human_eval system {spec!r}: expected '<backbone>/<method>', "
                         "'<backbone>/<method>@<lr>' or '<backbone>/<method>+tt'")
    if TRANSLATE_TRAIN in method:
        raise InputError(f"human_eval system {spec!r}: write '{method.split(TRANSLATE_TRAIN)[0]}+tt' "
                         "(the run of each language is picked per language)")
    lr = None
    if at:
        try:
            lr = float(lr_text)
        except ValueError:
            raise InputError(f"human_eval system {spec!r}: {lr_text!r} is not a learning rate") from None
        if not math.isfinite(lr) or lr <= 0:
            raise InputError(f"human_eval system {spec!r}: the learning rate must be > 0")
    return System(name, backbone, method, lr)


def parse_systems(specs: list[str]) -> list[System]:
    systems = [parse_system(s) for s in specs]
    names = [s.name for s in systems]
    if len(set(names)) != len(names) or len(systems) < 1:
        raise InputError(f"human_eval.systems must name one or more distinct systems, got {names}")
    return systems


def generation_path(task: str, backbone: str, method: str, lr: float, seed: int, lang: str, split: str) -> str:
    return GENERATIONS.format(task=task, backbone=backbone, method=method, lr=format_lr(lr), seed=seed,
                              lang=lang, split=split)


def candidate_generation_files(task: str, systems: list[System], langs: list[str], method_lrs: dict,
                               seed: int, split: str) -> list[str]:
    """Every generation file the sample may read: each system's run in each language at
    every LR of its method's grid (the selected one is known only once the LR-selection
    table exists), or at its fixed LR."""
    files = []
    for system in systems:
        for lang in langs:
            method = system.run_method(lang)
            lrs = [system.lr] if system.lr is not None else method_lrs[system.base_method]
            files += [generation_path(task, system.backbone, method, lr, seed, lang, split) for lr in lrs]
    return list(dict.fromkeys(files))


def selected_lr(selection: pd.DataFrame, system: System, lang: str) -> float:
    """The LR of `system` in `lang`: its fixed LR, else the `source_dev` choice of its run."""
    if system.lr is not None:
        return system.lr
    method = system.run_method(lang)
    rows = selection[(selection["protocol"] == SOURCE_DEV) & (selection["backbone"] == system.backbone)
                     & (selection["method"] == method)]
    for pick in (lang, TARGETS_MEAN):
        lrs = pd.to_numeric(rows.loc[rows["lang"] == pick, "lr"], errors="coerce").dropna()
        if len(lrs):
            return float(lrs.iloc[0])
    raise InputError(f"human_eval system {system.name!r}: no source_dev learning rate for {system.backbone}/{method} "
                     f"in {lang} in the LR-selection table (did every LR of it diverge?)")


def main_metric(selection: pd.DataFrame) -> str:
    """The task's main metric, as the LR-selection table names it."""
    metrics = sorted(set(selection["metric"].dropna().astype(str)))
    if len(metrics) != 1:
        raise InputError(f"the LR-selection table names {len(metrics)} main metrics ({metrics}); expected one")
    return metrics[0]


def prompt_of(record: dict, generation: dict) -> list[dict]:
    """What the annotator reads before the output: the question and its context where the
    record has a question, else the input text the output was made from."""
    if record.get("question"):
        return [{"label": "Question", "text": record["question"]},
                {"label": "Context", "text": record.get("context") or generation.get("input") or ""}]
    return [{"label": "Input", "text": generation.get("input") or record.get("source") or ""}]


def references_of(generation: dict) -> list[str]:
    ref = generation.get("reference")
    refs = [ref] if isinstance(ref, str) else list(ref or [])
    return list(dict.fromkeys(r for r in refs if isinstance(r, str)))


def stratified_sample(lengths: dict[str, int], n: int, rng: random.Random) -> list[str]:
    """`n` ids, one from each of `n` equal strata of ids ordered by (length, id); all of
    them when there are no more than `n`. Returned in stratum order (short to long)."""
    ordered = sorted(lengths, key=lambda i: (lengths[i], i))
    if len(ordered) <= n:
        return ordered
    bounds = [len(ordered) * k // n for k in range(n + 1)]
    return [ordered[rng.randrange(a, b)] for a, b in zip(bounds, bounds[1:])]


def _letters(k: int) -> list[str]:
    if k > len(string.ascii_lowercase):
        raise InputError(f"{k} systems: at most {len(string.ascii_lowercase)} can be compared on one page")
    return list(string.ascii_lowercase[:k])


def _by_id(path: str | Path, what: str) -> dict[str, dict]:
    records = {}
    for record in read_jsonl(path):
        records[str(record.get("id"))] = record
    if not records:
        raise InputError(f"{path}: no {what}")
    return records


def sample_study(task: str, split: str, langs: list[str], systems: list[System], selection: pd.DataFrame,
                 records: dict[str, str | Path], n_items: int, seed: int, run_seed: int,
                 generations_root: str | Path = ".") -> tuple[list[dict], pd.DataFrame]:
    """(items, key) of a study. `records`: the task's record file of `split` per language
    (for questions); generation files are read under `generations_root`.

    items: one dict per sampled input {task, lang, item, example_id, prompt, reference,
    outputs: [{output_id, text}]}; key: one row per output (KEY_COLUMNS without the
    automatic scores, which score_outputs adds) naming the system behind it.
    """
    if n_items < 1:
        raise InputError(f"human_eval.n_items must be >= 1, got {n_items}")
    items, key_rows = [], []
    letters = _letters(len(systems))
    for lang in langs:
        data = _by_id(records[lang], f"{task} records")
        outputs, runs = {}, {}
        for system in systems:
            lr = selected_lr(selection, system, lang)
            method = system.run_method(lang)
            path = Path(generations_root) / generation_path(task, system.backbone, method, lr, run_seed, lang, split)
            outputs[system.name] = _by_id(path, "generations")
            runs[system.name] = (method, lr)
        shared = set.intersection(*(set(o) for o in outputs.values())) & set(data)
        if not shared:
            raise InputError(f"human_eval {task} {lang}: no input has an output from every system")
        first = outputs[systems[0].name]
        lengths = {i: len(prompt_of(data[i], first[i])[-1]["text"]) for i in shared}
        rng = random.Random(f"{seed}:{task}:{lang}")
        for number, example_id in enumerate(stratified_sample(lengths, n_items, rng), 1):
            item = f"{lang}-{number:02d}"
            order = list(systems)
            rng.shuffle(order)
            generation = first[example_id]
            entry = {"task": task, "lang": lang, "item": item, "example_id": example_id,
                     "prompt": prompt_of(data[example_id], generation), "reference": references_of(generation),
                     "input": generation.get("input"), "outputs": []}
            for letter, system in zip(letters, order):
                output_id = f"{item}{letter}"
                prediction = outputs[system.name][example_id].get("prediction")
                entry["outputs"].append({"output_id": output_id,
                                         "text": prediction if isinstance(prediction, str) else ""})
                method, lr = runs[system.name]
                key_rows.append({"output_id": output_id, "task": task, "lang": lang, "item": item,
                                 "example_id": example_id, "system": system.name, "backbone": system.backbone,
                                 "method": method, "lr": lr, "seed": run_seed})
            items.append(entry)
    return items, pd.DataFrame(key_rows)


def per_output_metric(kind: str, metric: str, lang: str, predictions: list[str], references: list[list[str]],
                      inputs: list[str | None], flavour: str | None = None) -> list[float]:
    """The task's main metric of each output alone, by the scorer the evaluate rule uses
    (xlgen.scoring.per_example_scores with the task's kind and metric flavour); a
    corpus-level metric (chrf, bleu) as sacrebleu's sentence score with the same settings."""
    extra = {"flavour": flavour} if flavour else {}
    values = per_example_scores(kind, lang, predictions, references, inputs=inputs, **extra)
    if metric in values:
        return [float(v) for v in values[metric]]
    if metric in ("chrf", "bleu"):
        # sacrebleu, rouge-score and nltk take seconds to import: only for a corpus-level metric
        from xlgen.metrics.summarization import _bleu_chrf_metrics

        _, bleu, chrf = _bleu_chrf_metrics(lang)
        scorer = chrf if metric == "chrf" else bleu
        return [float(scorer.sentence_score(p, r).score) for p, r in zip(predictions, references)]
    raise InputError(f"metric {metric!r} has no per-output value (per-example metrics: {', '.join(sorted(values))})")


def score_outputs(items: list[dict], key: pd.DataFrame, metric: str, kind: str,
                  flavour: str | None = None) -> pd.DataFrame:
    """The key with each output's automatic scores: `metric_value` (the task's main metric
    of that output alone), and the wrong-language verdict of xlgen.metrics.langid.judge
    with its input (`auto_wrong` 1/0, empty when undetermined; `auto_status`,
    `auto_label`, `auto_judge`), as the evaluate rule judges it."""
    by_output = {o["output_id"]: (item, o) for item in items for o in item["outputs"]}
    inputs = {item["item"]: item.get("input") for item in items}
    key = key.copy()
    key["metric"] = metric
    for column in ("metric_value", "auto_wrong", "auto_status", "auto_label", "auto_judge"):
        key[column] = None
    for lang, rows in key.groupby("lang", sort=False):
        pairs = [by_output[o] for o in rows["output_id"]]
        predictions = [o["text"] for _, o in pairs]
        references = [item["reference"] or [""] for item, _ in pairs]
        sources = [inputs[item["item"]] for item, _ in pairs]
        key.loc[rows.index, "metric_value"] = per_output_metric(kind, metric, lang, predictions, references,
                                                             sources, flavour)
        verdicts = langid.language_verdicts(predictions, lang, inputs=sources)
        if verdicts is None:
            continue
        key.loc[rows.index, "auto_status"] = [v.status for v in verdicts]
        key.loc[rows.index, "auto_label"] = [v.label for v in verdicts]
        key.loc[rows.index, "auto_judge"] = [v.judge for v in verdicts]
        key.loc[rows.index, "auto_wrong"] = [
            {langid.WRONG: 1.0, langid.CORRECT: 0.0}.get(v.status, math.nan) for v in verdicts]
    return key[KEY_COLUMNS]


def study_id(task: str, items: list[dict]) -> str:
    """'<task>-<8 hex>': a digest of the items, so a rating file is tied to its study."""
    digest = hashlib.sha256(json.dumps(items, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()
    return f"{task}-{digest[:8]}"


def annotators_by_language(spec, langs: list[str]) -> dict[str, list[str]]:
    """{lang: annotator ids} from the config's `annotators`: one list for every language,
    or a mapping from language to list. ValueError for a simulated (sim-*) id or a language
    without annotators."""
    mapping = {lang: list(spec) for lang in langs} if isinstance(spec, list) else dict(spec or {})
    result = {}
    for lang in langs:
        ids = [str(a) for a in mapping.get(lang) or []]
        if not ids:
            raise InputError(f"no annotator for {lang}")
        if len(set(ids)) != len(ids):
            raise InputError(f"an annotator twice for {lang}: {ids}")
        for annotator in ids:
            if is_simulated(annotator):
                raise InputError(f"{annotator!r}: ids starting with 'sim-' are reserved "
                                 "for simulated annotators")
        result[lang] = ids
    return result


def make_study(task: str, split: str, langs: list[str], systems: list[System], items: list[dict], metric: str,
               annotators: dict[str, list[str]], simulated: list[str], n_items: int, seed: int,
               bootstrap_samples: int, bootstrap_seed: int) -> dict:
    """study.json: what the pages, the simulation and the import need to know of a study."""
    return {"study_id": study_id(task, items), "task": task, "split": split, "languages": list(langs),
            "language_names": {lang: describe_language(lang).name for lang in langs},
            "annotators": annotators, "simulated_annotators": list(simulated),
            "systems": [s.name for s in systems], "metric": metric, "n_items": n_items, "seed": seed,
            "bootstrap_samples": bootstrap_samples, "bootstrap_seed": bootstrap_seed}
