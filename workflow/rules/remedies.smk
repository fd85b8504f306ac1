# Decode-time remedies (config `remedies`; docs/remedies.md): decoding variants of the
# zero-shot runs. They read the run's trained model and add generation (and, through the
# evaluate rule, evaluation) jobs, never a finetuning job.
if MASK_ON:
    # the script mask ('full+mask'): one rule per set of languages, as `generate`
    for _langs, _tasks in PLAN.language_groups():

        rule:
            name:
                "generate_script_mask"
                if _langs == ALL_LANGS
                else f"generate_script_mask_{_tasks[0]}"
            input:
                data=get_eval_data,
                model=rules.finetune.output.model,
                run=rules.finetune.output.run,
                backbone=get_backbone_dir,
            output:
                get_generation_files_pattern(_langs, method=MASK_RUN_METHOD),
            log:
                run_log("generate", method=MASK_RUN_METHOD),
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
                run=get_variant_identity("script_mask"),
                # only what decoding reads: editing `methods` reruns no job
                keep_latin=bool(PLAN.mask.get("keep_latin", False)),
                mask_cache_dir=get_script_mask_dir,
            script:
                "../scripts/generate.py"


if MASK_ON:

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
