rule generate:
    input:
        data=get_eval_data,
        model=rules.finetune.output.model,
        run=rules.finetune.output.run,
        backbone=get_backbone_dir,
    output:
        get_generation_files_pattern(),
    log:
        "results/logs/generate/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}.log",
    wildcard_constraints:
        method="[a-z_]+",  # variants: generate_translate_train and translate_test (translate.smk)
    threads: 1
    resources:
        gpu=1,
        mem_mb=4000,
        runtime=120,
    params:
        settings=config["generate"],
        task_settings=lambda wc: config["task_settings"][wc.task],
    script:
        "../scripts/generate.py"
