"""The study's runs, planned once from the config: every run record of every task, each run's
languages, the language groups of the generate rules, and the run-stage job counts.

The workflow builds one StudyPlan when the DAG is built (workflow/rules/common.smk) and its
input functions only look things up here; the tests build the same plan from the same
config. A config whose runs cannot be told apart in paths (two learning rates of a method
with one path form) is a PlanError, one line naming the key, before any job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from xlgen.catalog import TaskSpec, task_specs
from xlgen.intermediate import VARIANT_SUFFIX, base_backbone
from xlgen.io import InputError
from xlgen.remedies import DECODE_REMEDIES, DecodeRemedy, several_sources
from xlgen.runs import DECODING_VARIANTS, format_lr, run_record, trained_record


class PlanError(InputError):
    """A config whose runs cannot be planned (one line, naming the config key)."""


def check_lr_paths(method_settings: Mapping, methods: list[str]) -> None:
    """PlanError where two distinct LRs of a method share one path form ('lr~1e-04'):
    their runs would write the same files."""
    for method in methods:
        seen: dict[str, float] = {}
        for lr in method_settings[method]["lrs"]:
            form = format_lr(lr)
            if form in seen and seen[form] != float(lr):
                raise PlanError(f"'method_settings.{method}.lrs': {seen[form]!r} and {float(lr)!r} are one "
                                f"learning rate in paths (lr~{form}); make them differ in 6 significant digits")
            seen[form] = float(lr)


@dataclass
class StudyPlan:
    """Every run of the study, per task in the order the config lists them (see `build_runs`)."""

    config: Mapping
    specs: dict[str, TaskSpec]
    runs: dict[str, list[dict]] = field(default_factory=dict)
    # (task, backbone, method path form, lr, seed) -> record; lr the configured float
    _index: dict[tuple, dict] = field(default_factory=dict, repr=False)
    # (method path form, lr path form) -> the configured float: the only way back from a path
    _lrs: dict[tuple[str, str], float] = field(default_factory=dict, repr=False)

    @classmethod
    def from_config(cls, config: Mapping) -> StudyPlan:
        """The plan of a (validated) config; PlanError where two runs would share paths."""
        plan = cls(config=config, specs=task_specs(config))
        check_lr_paths(config["method_settings"],
                       list(dict.fromkeys(plan.methods + plan.tt_methods + plan.sources_methods)))
        for task in plan.tasks:
            plan.runs[task] = plan.build_runs(task)
            for run in plan.runs[task]:
                plan._index[(run["task"], run["backbone"], run["method"], run["lr"], run["seed"])] = run
                plan._lrs[(run["method"], format_lr(run["lr"]))] = run["lr"]
        return plan

    # --- the config's lists ---
    @property
    def source_lang(self) -> str:
        return self.config["source_language"]

    @property
    def target_langs(self) -> list[str]:
        return list(self.config["target_languages"])

    @property
    def all_langs(self) -> list[str]:
        return [self.source_lang, *self.target_langs]

    @property
    def tasks(self) -> list[str]:
        return list(self.config["tasks"])

    @property
    def backbones(self) -> list[str]:
        return list(self.config["backbones"])

    @property
    def methods(self) -> list[str]:
        return list(self.config["methods"])

    @property
    def seeds(self) -> list[int]:
        return list(self.config["finetune"]["seeds"])

    @property
    def splits(self) -> list[str]:
        return list(self.config["generate"]["splits"])

    # --- the data-translation baselines (config `translate_train`, off unless enabled) ---
    @property
    def tt(self) -> Mapping:
        return self.config.get("translate_train") or {}

    @property
    def tt_on(self) -> bool:
        return bool(self.tt.get("enabled"))

    @property
    def tt_methods(self) -> list[str]:
        return list(self.tt.get("methods") or ["full"]) if self.tt_on else []

    @property
    def tt_backbones(self) -> list[str]:
        return list(self.tt.get("backbones") or self.backbones)

    @property
    def tt_langs(self) -> list[str]:
        return list(self.tt.get("languages") or self.target_langs)

    @property
    def tt_test(self) -> bool:
        return self.tt_on and bool(self.tt.get("translate_test", True))

    # --- the decode-time remedies (config `remedies`, each off unless enabled; issue 23) ---
    def remedy(self, name: str) -> Mapping:
        """The config section `remedies.<name>` of a decode-time remedy ({} where absent)."""
        return (self.config.get("remedies") or {}).get(name) or {}

    def remedy_on(self, name: str) -> bool:
        return bool(self.remedy(name).get("enabled"))

    def remedy_methods(self, name: str) -> list[str]:
        """The methods whose zero-shot runs also decode with the remedy ('full+mask')."""
        return list(self.remedy(name).get("methods") or ["full"]) if self.remedy_on(name) else []

    def remedy_backbones(self, name: str) -> list[str]:
        """The backbones whose runs decode with the remedy (`remedies.<name>.backbones`, where
        the remedy has that key: exemplars; default every backbone)."""
        return list(self.remedy(name).get("backbones") or self.backbones)

    def remedy_setting(self, name: str, key: str):
        """A decoding setting of a remedy: its config value, else the registry's default."""
        return self.remedy(name).get(key, DECODE_REMEDIES[name].decode_settings[key])

    @property
    def decode_remedies(self) -> list[DecodeRemedy]:
        """The enabled decode-time remedies, in the registry's order."""
        return [remedy for name, remedy in DECODE_REMEDIES.items() if self.remedy_on(name)]

    @property
    def remedies_on(self) -> bool:
        """Whether any remedy arm is on (a decode-time one, or several source languages): the
        arms tables are made."""
        return bool(self.decode_remedies) or bool(self.sources_methods)

    # the script mask's section, as the rules and tests read it before the registry
    @property
    def mask(self) -> Mapping:
        return self.remedy("script_mask")

    @property
    def mask_on(self) -> bool:
        return self.remedy_on("script_mask")

    @property
    def mask_methods(self) -> list[str]:
        return self.remedy_methods("script_mask")

    # --- several source languages (config `remedies.several_sources`, off unless enabled; issue 23) ---
    @property
    def sources_on(self) -> bool:
        return self.remedy_on(several_sources.NAME)

    @property
    def sources(self) -> list[str]:
        """The source languages the several-sources runs train on ([] where the arm is off)."""
        return list(self.remedy(several_sources.NAME).get("sources") or []) if self.sources_on else []

    @property
    def sources_key(self) -> str:
        """The sources' path form ('en-es'): the runs' `variant_lang`, their tokenized data's folder."""
        return several_sources.sources_key(self.sources)

    @property
    def sources_methods(self) -> list[str]:
        """The methods trained on the sources' union ('full+src-en-es')."""
        return self.remedy_methods(several_sources.NAME)

    @property
    def sources_mixing(self) -> Mapping:
        """How the tokenize_sources job mixes the sources: {mixing, seed}."""
        section = self.remedy(several_sources.NAME)
        return {"mixing": section.get("mixing", "proportional"), "seed": int(section.get("seed", 0))}

    def build_runs(self, task: str) -> list[dict]:
        """Every run of a task as its identity record (xlgen.runs.run_record): each (backbone,
        method, lr, seed), then the translate-train ('full+tt-ru' in paths) and
        translate-test ('full+ttest') variants where enabled, then each enabled decode-time
        remedy's variant ('full+mask', 'full+steer') of the zero-shot runs of
        `remedies.<name>.methods`, in the registry's order, then the several-sources runs
        ('full+src-en-es': each backbone, LR and seed of `remedies.several_sources.methods`)."""
        spec = self.specs[task]
        lrs = {m: self.config["method_settings"][m]["lrs"] for m in self.methods + self.tt_methods}
        runs = [run_record(spec, base_backbone(b), m, lr, s, intermediate=b.endswith(VARIANT_SUFFIX))
                for b in self.backbones for m in self.methods for lr in lrs[m] for s in self.seeds]
        if self.tt_on:
            variants = [("translate_train", lang) for lang in self.tt_langs]
            variants += [("translate_test", "")] if self.tt_test else []
            runs += [run_record(spec, base_backbone(b), m, lr, s, intermediate=b.endswith(VARIANT_SUFFIX),
                                variant=variant, variant_lang=lang)
                     for b in self.tt_backbones for m in self.tt_methods for variant, lang in variants
                     for lr in lrs[m] for s in self.seeds]
        runs += [run_record(spec, base_backbone(b), m, lr, s, intermediate=b.endswith(VARIANT_SUFFIX),
                            variant=remedy.name)
                 for remedy in self.decode_remedies for b in self.remedy_backbones(remedy.name)
                 for m in self.remedy_methods(remedy.name) for lr in lrs[m] for s in self.seeds]
        runs += [run_record(spec, base_backbone(b), m, lr, s, intermediate=b.endswith(VARIANT_SUFFIX),
                            variant=several_sources.NAME, variant_lang=self.sources_key)
                 for b in self.backbones for m in self.sources_methods for lr in lrs[m] for s in self.seeds]
        return runs

    # --- lookups ---
    def run(self, task: str, backbone: str, method: str, lr: str, seed: str) -> dict:
        """The record of the run at these path wildcards (method and lr in their path forms);
        ValueError where the config plans no such run."""
        value = self._lrs.get((method, lr))
        record = self._index.get((task, backbone, method, value, int(seed))) if value is not None else None
        if record is None:
            raise ValueError(f"run {task}/{backbone}/{method}/lr~{lr}/seed~{seed} is not one the config plans: "
                             "add its backbone, method, LR (method_settings.<method>.lrs) or seed to the config "
                             "to run it")
        return record

    def all_runs(self) -> list[dict]:
        return [run for task in self.tasks for run in self.runs[task]]

    def trained_runs(self) -> list[dict]:
        """The runs that train (a translate-test or remedy variant applies its English run)."""
        return [run for run in self.all_runs() if run["variant"] not in DECODING_VARIANTS]

    def trained_run(self, run: dict) -> dict:
        """The planned run whose model and run.json `run` uses: itself, or the zero-shot run of
        a decoding variant's base method (xlgen.runs.trained_record)."""
        base = trained_record(run)
        return self._index.get((base["task"], base["backbone"], base["method"], base["lr"], base["seed"]), base)

    def task_langs(self, task: str) -> list[str]:
        """The source language, then the task's target languages."""
        return self.specs[task].languages

    def run_langs(self, run: dict) -> list[str]:
        """The languages a run is generated and scored in: a translate-train run only in the
        language it was trained in, a translate-test run in the translated ones and English."""
        if run["variant"] == "translate_train":
            return [run["variant_lang"]]
        if run["variant"] == "translate_test":
            return [self.source_lang, *self.tt_langs]
        return self.task_langs(run["task"])

    def remedy_langs(self, run: dict) -> list[str]:
        """The languages a remedy run decodes with the remedy's files (a vector of its
        `vector_rule`, the dev split's exemplars): its target languages; the source language
        decodes as its trained run does (its vector would be 0), so its LR selection is the run's."""
        return [lang for lang in self.run_langs(run) if lang != self.source_lang]

    def vector_jobs(self) -> dict[str, list[tuple]]:
        """rule -> the distinct trained runs' path keys whose remedy vectors it makes: one job
        per trained run (at the config's one layer) writes the file of each of the run's
        target languages (`remedy_langs`), shared by every run that decodes with them. The
        rule is the remedy's `vector_rule` per language group, as `generate_rule` names it."""
        jobs: dict[str, dict[tuple, None]] = {}
        for run in self.all_runs():
            remedy = DECODE_REMEDIES.get(run["variant"])
            if remedy is None or remedy.vector_rule is None or not self.remedy_langs(run):
                continue
            base = self.trained_run(run)
            key = (base["task"], base["backbone"], base["method"], format_lr(base["lr"]), base["seed"])
            jobs.setdefault(self.generate_rule(run["task"], remedy.vector_rule), {})[key] = None
        return {rule: list(keys) for rule, keys in jobs.items()}

    def language_groups(self) -> list[tuple[list[str], list[str]]]:
        """Tasks grouped by their languages, the group of the config's own languages first
        (each group is one generate rule: a rule's outputs list the languages of its runs)."""
        groups: dict[tuple[str, ...], list[str]] = {tuple(self.all_langs): []}
        for task in self.tasks:
            groups.setdefault(tuple(self.task_langs(task)), []).append(task)
        return [(list(langs), tasks) for langs, tasks in groups.items() if tasks]

    def generate_rule(self, task: str, stage: str = "generate") -> str:
        """The name of the generate rule of a task's zero-shot runs (`stage` 'generate'), of a
        decode-time remedy's variants ('generate_script_mask', 'generate_steering') or of its
        vector rule ('steering_vector'): the stage, or `<stage>_<task>` for its own languages."""
        for langs, tasks in self.language_groups():
            if task in tasks:
                return stage if langs == self.all_langs else f"{stage}_{tasks[0]}"
        raise KeyError(task)

    def job_counts(self) -> dict[str, int]:
        """Jobs per rule of the run stages (finetune, generate*, translation baselines,
        evaluate) and the per-backbone tokenization, as the DAG plans them; rules with none
        left out."""
        counts: dict[str, int] = {}

        def add(rule: str, n: int = 1) -> None:
            counts[rule] = counts.get(rule, 0) + n

        for run in self.all_runs():
            add("evaluate")
            if run["variant"] in ("zero_shot", several_sources.NAME):
                add("finetune")
                add(self.generate_rule(run["task"]))
            elif run["variant"] == "translate_train":
                add("finetune")
                add("generate_translate_train")
            elif run["variant"] in DECODE_REMEDIES:
                add(self.generate_rule(run["task"], DECODE_REMEDIES[run["variant"]].rule))
            else:
                add("translate_test")
        for rule, vectors in self.vector_jobs().items():
            add(rule, len(vectors))
        add("tokenize", len(self.tasks) * len(self.backbones))
        if self.sources_methods:  # the sources' union, tokenized once a (task, backbone)
            add("tokenize_sources", len(self.tasks) * len(self.backbones))
        if self.tt_on:
            add("translate_train_data", len(self.tasks) * len(self.tt_langs))
            add("tokenize_translated", len(self.tasks) * len(self.tt_backbones) * len(self.tt_langs))
            if self.tt_test:
                add("translate_test_inputs", len(self.tasks) * len(self.tt_langs) * len(self.splits))
        add("intermediate_tuning", len({b for b in self.backbones if b.endswith(VARIANT_SUFFIX)}))
        return {rule: n for rule, n in counts.items() if n}
