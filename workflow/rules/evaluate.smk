rule evaluate:
    input:
        generations=get_generation_files,
        run=get_trained_run,
    output:
        scores=path_pattern("scores"),
        per_example=path_pattern("per_example"),
    log:
        run_log("evaluate"),
    threads: 1
    resources:
        mem_mb=lambda wc, attempt: evaluate_mem_mb(attempt),
        runtime=30,
    params:
        settings=config["evaluate"],
        run=get_run_identity,
        flavour=get_task_param("flavour"),
    script:
        "../scripts/evaluate.py"


rule baselines:
    input:
        data=get_eval_data,
        train=get_baseline_train,
    output:
        "results/eval/baselines/{task}.csv",
    log:
        "results/logs/baselines/{task}.log",
    threads: 1
    params:
        settings=config["evaluate"],
        kind=get_task_param("kind"),
        flavour=get_task_param("flavour"),
    script:
        "../scripts/baselines.py"
