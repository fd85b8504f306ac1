"""The human evaluation's part of the DAG: which files it reads and writes, from the config.

Built once when the DAG is built (workflow/rules/common.smk); a bad `human_eval` section is
a ValueError with one line naming the key, as every config error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xlgen.human.sample import annotators_by_language, candidate_generation_files, parse_systems
from xlgen.human.simulate import simulated_annotators
from xlgen.io import InputError
from xlgen.methods import TRANSLATE_TEST

STUDY_DIR = "results/human/{task}"
DEFAULTS = {"split": "test", "n_items": 12, "seed": 1}
SIMULATE_DEFAULTS = {"enabled": False, "annotators": 2, "label_flip": 0.1, "noise": 0.6}


@dataclass
class HumanPlan:
    """The `human_eval` section resolved against the study."""

    tasks: list[str]
    langs: dict[str, list[str]]  # task -> target languages rated
    split: str
    n_items: int
    seed: int
    systems: list  # xlgen.human.sample.System
    annotators: dict[str, dict[str, list[str]]]  # task -> lang -> ids
    simulate: dict
    ratings: list[str] = field(default_factory=list)
    method_lrs: dict[str, list[float]] = field(default_factory=dict)
    run_seed: int = 1

    @property
    def simulated(self) -> list[str]:
        return simulated_annotators(self.simulate["annotators"]) if self.simulate["enabled"] else []

    def study_dir(self, task: str) -> str:
        return STUDY_DIR.format(task=task)

    def generation_files(self, task: str) -> list[str]:
        return candidate_generation_files(task, self.systems, self.langs[task], self.method_lrs, self.run_seed,
                                          self.split)

    def record_files(self, task: str, langs: list[str] | None = None, splits: tuple[str, ...] | None = None
                     ) -> list[str]:
        langs = self.langs[task] if langs is None else langs
        splits = (self.split,) if splits is None else splits
        return [f"results/data/{task}/{lang}/{split}.jsonl" for lang in langs for split in splits]

    def pages(self, task: str) -> list[str]:
        """The page files inside the pages directory (`<lang>/<annotator>.html`)."""
        return [f"{lang}/{annotator}.html" for lang in self.langs[task] for annotator in self.annotators[task][lang]]

    def rating_files(self, task: str) -> list[str]:
        """The returned rating files the config lists under `ratings` that belong to `task`
        (by a `/<task>/` directory or a `_<task>_` file name; with one task, all of them)."""
        return [p for p in self.ratings
                if len(self.tasks) == 1 or f"/{task}/" in f"/{p}" or f"_{task}_" in p.rsplit("/", 1)[-1]]

    def imports(self, task: str) -> bool:
        """Whether the workflow imports ratings of `task` (simulated, or listed in the config)."""
        return bool(self.simulated or self.rating_files(task))

    def final_outputs(self) -> list[str]:
        outputs = []
        for task in self.tasks:
            outputs += [f"{self.study_dir(task)}/{name}" for name in ("key.csv", "items.jsonl", "study.json",
                                                                      "pages", "sheets")]
            if self.imports(task):
                outputs += [f"results/tables/human_{task}.csv", f"results/tables/human_validity_{task}.csv"]
        return outputs


def human_plan(config: dict, task_targets: dict[str, list[str]]) -> HumanPlan:
    """The plan of an enabled `human_eval` section; `task_targets`: each task's target
    languages. ValueError (one line, naming the key) where it does not fit the study."""
    section = config["human_eval"]
    settings = {**DEFAULTS, **{k: v for k, v in section.items() if v is not None}}
    simulate = {**SIMULATE_DEFAULTS, **(section.get("simulate") or {})}
    tasks = list(section.get("tasks") or task_targets)
    for i, task in enumerate(tasks):
        if task not in task_targets:
            raise InputError(f"'human_eval.tasks[{i}]' is {task!r}: not a task of this study "
                             f"({', '.join(task_targets)})")
    langs = {}
    for task in tasks:
        chosen = list(section.get("languages") or task_targets[task])
        for lang in chosen:
            if lang not in task_targets[task]:
                raise InputError(f"'human_eval.languages': {lang!r} is not a target language of {task} "
                                 f"({', '.join(task_targets[task])})")
        langs[task] = [lang for lang in task_targets[task] if lang in chosen]
    if settings["split"] not in config["generate"]["splits"]:
        raise InputError(f"'human_eval.split' is {settings['split']!r}, but generate.splits has only "
                         f"{config['generate']['splits']}")
    try:
        systems = parse_systems(section.get("systems") or [])
    except InputError as err:
        raise InputError(f"'human_eval.systems': {err}") from None
    tt = config.get("translate_train") or {}
    tt_on = bool(tt.get("enabled"))
    backbones = list(config["backbones"])
    for i, system in enumerate(systems):
        where = f"'human_eval.systems[{i}]' is {system.name!r}"
        translated = system.method.endswith(("+tt", TRANSLATE_TEST))
        if translated and not tt_on:
            raise InputError(f"{where}: a translation baseline needs translate_train.enabled")
        allowed_backbones = list(tt.get("backbones") or backbones) if translated else backbones
        if system.backbone not in allowed_backbones:
            raise InputError(f"{where}: backbone {system.backbone!r} is not run (runs: {', '.join(allowed_backbones)})")
        methods = list(tt.get("methods") or ["full"]) if translated else list(config["methods"])
        if system.base_method not in methods:
            raise InputError(f"{where}: method {system.base_method!r} is not run (runs: {', '.join(methods)})")
        if system.method.endswith("+tt"):
            tt_langs = list(tt.get("languages") or config["target_languages"])
            missing = [lang for task in tasks for lang in langs[task] if lang not in tt_langs]
            if missing:
                raise InputError(f"{where}: no translate-train run in {', '.join(sorted(set(missing)))}")
        grid = [float(lr) for lr in config["method_settings"][system.base_method]["lrs"]]
        if system.lr is not None and not any(abs(system.lr - lr) <= 1e-12 * lr for lr in grid):
            raise InputError(f"{where}: {system.lr:g} is not in method_settings.{system.base_method}.lrs "
                             f"({', '.join(f'{lr:g}' for lr in grid)})")
    annotators = {}
    for task in tasks:
        try:
            annotators[task] = annotators_by_language(section.get("annotators"), langs[task])
        except InputError as err:
            raise InputError(f"'human_eval.annotators': {err}") from None
    method_lrs = {name: [float(lr) for lr in spec["lrs"]] for name, spec in config["method_settings"].items()
                  if isinstance(spec, dict) and "lrs" in spec}
    return HumanPlan(tasks=tasks, langs=langs, split=settings["split"], n_items=int(settings["n_items"]),
                     seed=int(settings["seed"]), systems=systems, annotators=annotators, simulate=simulate,
                     ratings=[str(p) for p in section.get("ratings") or []], method_lrs=method_lrs,
                     run_seed=int(config["finetune"]["seeds"][0]))
