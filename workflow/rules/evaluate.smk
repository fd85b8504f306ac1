rule evaluate:
    input:
        generations=get_generation_files,
        run=get_trained_run,
    output:
        scores="results/eval/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/scores.csv",
        per_example="results/eval/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/per_example.csv",
    params:
        settings=config["evaluate"],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    log:
        "results/logs/evaluate/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}.log",
    conda:
        "../../envs/xlgen.yaml"
    script:
        "../scripts/evaluate.py"


rule baselines:
    input:
        data=get_eval_data,
        train=get_baseline_train,
    output:
        "results/eval/baselines/{task}.csv",
    params:
        settings=config["evaluate"],
    threads: 1
    log:
        "results/logs/baselines/{task}.log",
    conda:
        "../../envs/xlgen.yaml"
    script:
        "../scripts/baselines.py"
