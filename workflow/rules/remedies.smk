# Decode-time remedies (config `remedies`; docs/remedies.md): decoding variants of the
# zero-shot runs. They read the run's trained model and add generation (and, through the
# evaluate rule, evaluation) jobs, never a finetuning job. One rule per enabled remedy
# (xlgen.remedies.DECODE_REMEDIES) and set of languages, as `generate`: 'full+mask' runs in
# generate_script_mask, 'full+steer' in generate_steering.
for _remedy in DECODE_REMEDIES_ON:
    for _langs, _tasks in PLAN.language_groups():

        rule:
            name:
                _remedy.rule if _langs == ALL_LANGS else f"{_remedy.rule}_{_tasks[0]}"
            input:
                data=get_eval_data,
                model=rules.finetune.output.model,
                run=rules.finetune.output.run,
                backbone=get_backbone_dir,
                remedy=get_remedy_inputs(_remedy.name),
            output:
                get_generation_files_pattern(
                    _langs, method=REMEDY_RUN_METHOD[_remedy.name]
                ),
            log:
                run_log("generate", method=REMEDY_RUN_METHOD[_remedy.name]),
            wildcard_constraints:
                task="|".join(_tasks),
                method="[a-z_]+",
            threads: 1
            resources:
                gpu=1,
                mem_mb=lambda wc, attempt: generate_resources(wc, attempt)["mem_mb"],
                runtime=lambda wc, attempt: generate_resources(wc, attempt)["runtime"],
            params:
                settings=config["generate"],
                task_settings=lambda wc: config["task_settings"][wc.task],
                kind=get_task_param("kind"),
                family_settings=get_family_settings,
                run=get_variant_identity(_remedy.name),
                # only what decoding reads: editing the remedy's `methods` reruns no job
                remedy=get_remedy_settings(_remedy.name),
            script:
                "../scripts/generate.py"


# The steering vectors of a trained run at a decoder layer: one job writes every target
# language's file (the source-language mean taken once), in one rule per set of languages as
# `generate`: `steering_vector`, or `steering_vector_<task>` for a task with its own.
if STEERING_ON:
    for _langs, _tasks in PLAN.language_groups():

        rule:
            name:
                "steering_vector"
                if _langs == ALL_LANGS
                else f"steering_vector_{_tasks[0]}"
            input:
                targets=expand(
                    "results/data/unlabeled/{lang}.txt",
                    lang=steering_target_langs(_langs),
                ),
                source=f"results/data/unlabeled/{SOURCE_LANG}.txt",
                model=rules.finetune.output.model,
                run=rules.finetune.output.run,
                backbone=get_backbone_dir,
            output:
                get_steering_vector_files_pattern(steering_target_langs(_langs)),
            log:
                "results/logs/steering_vector/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/layer~{layer}.log",
            wildcard_constraints:
                task="|".join(_tasks),
                method="[a-z_]+",
                layer="-?[0-9]+",
            threads: 1
            resources:
                gpu=1,
                mem_mb=lambda wc, attempt: generate_resources(wc, attempt)["mem_mb"],
                runtime=lambda wc, attempt: 30 * attempt,
            params:
                run=get_run_identity,
                settings=get_steering_settings(),
                family_settings=get_family_settings,
                source_lang=SOURCE_LANG,
                langs=steering_target_langs(_langs),
            script:
                "../scripts/steering_vector.py"


if PLAN.remedies_on:  # a decode-time remedy, or several source languages

    localrules:
        arms_table,

    rule arms_table:
        """Each remedy beside the run without it, per backbone, method, LR and language, and
        the paired tests of each remedy against that run."""
        input:
            long=rules.aggregate.output.long,
            per_example=get_per_example_files,
        output:
            csv=report(
                "results/tables/arms_{task}.csv",
                caption="../report/arms.rst",
                category="5. Remedies",
                labels={"task": "{task}", "table": "arms"},
            ),
            paired=report(
                "results/tables/arms_paired_{task}.csv",
                caption="../report/arms_paired.rst",
                category="5. Remedies",
                labels={"task": "{task}", "table": "paired tests against no remedy"},
            ),
        log:
            "results/logs/arms_table/{task}.log",
        params:
            source_lang=SOURCE_LANG,
            target_langs=lambda wc: TASK_SPECS[wc.task].target_languages,
            bootstrap_samples=config["evaluate"]["bootstrap_samples"],
            seed=config["seed"],
        script:
            "../scripts/arms_table.py"


if MASK_ON:

    localrules:
        plot_arms,

    rule plot_arms:
        """The wrong-language rate against the LR, a line per remedy, a panel per backbone."""
        input:
            rules.arms_table.output.csv,
        output:
            report(
                "results/plots/arms_wrong_language_{task}.png",
                caption="../report/arms_plot.rst",
                category="5. Remedies",
                labels={"task": "{task}", "table": "plot"},
            ),
        log:
            "results/logs/plot_arms/{task}.log",
        params:
            source_lang=SOURCE_LANG,
        script:
            "../scripts/plot_arms.py"
