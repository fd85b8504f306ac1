# One generate rule per set of languages: a rule's outputs list every language of its runs,
# so tasks with their own target languages (task_catalog.<task>.target_languages) get their
# own rule, `generate_<task>`; the tasks in the config's languages share `generate`.
for _langs, _tasks in PLAN.language_groups():

    rule:
        name:
            "generate" if _langs == ALL_LANGS else f"generate_{_tasks[0]}"
        input:
            data=get_eval_data,
            model=rules.finetune.output.model,
            run=rules.finetune.output.run,
            backbone=get_backbone_dir,
        output:
            get_generation_files_pattern(_langs),
        log:
            run_log("generate"),
        wildcard_constraints:
            task="|".join(_tasks),
            # 'full+src-en-es' too; variants: generate_translate_train and translate_test (translate.smk)
            method=SOURCES_METHOD,
        threads: 1
        resources:
            gpu=1,
            # from the backbone's parameters and the examples (xlgen.resources)
            mem_mb=lambda wc, attempt: generate_resources(wc, attempt)["mem_mb"],
            runtime=lambda wc, attempt: generate_resources(wc, attempt)["runtime"],
        params:
            settings=config["generate"],
            task_settings=lambda wc: config["task_settings"][wc.task],
            kind=get_task_param("kind"),
            family_settings=get_family_settings,
            run=get_run_identity,
        script:
            "../scripts/generate.py"
