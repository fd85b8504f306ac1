rule aggregate:
    input:
        scores=get_eval_files(),
        runs=get_run_files(),
        baselines=expand("results/eval/baselines/{task}.csv", task=TASKS),
    output:
        long="results/tables/results_long.csv",
        baselines="results/tables/baselines.csv",
        sweeps=expand("results/tables/lr_sweep_{task}.csv", task=TASKS),
    params:
        tasks=TASKS,
        source_lang=SOURCE_LANG,
    log:
        "results/logs/aggregate.log",
    conda:
        "../../envs/xlgen.yaml"
    script:
        "../scripts/aggregate.py"


rule plot_lr_sweep:
    input:
        rules.aggregate.output.long,
    output:
        "results/plots/lr_sweep_{task}.png",
    params:
        source_lang=SOURCE_LANG,
    log:
        "results/logs/plot_lr_sweep/{task}.log",
    conda:
        "../../envs/xlgen.yaml"
    script:
        "../scripts/plot_lr_sweep.py"
