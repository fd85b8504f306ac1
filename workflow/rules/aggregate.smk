# tables and plots are seconds of CPU: run them where Snakemake runs, not through the queue
localrules:
    aggregate,
    lr_selection,
    plot_lr_sweep,
    plot_wrong_language,
    main_table,


report: "../report/workflow.rst"


rule aggregate:
    input:
        scores=get_eval_files(),
        runs=get_run_files(),
        baselines=expand("results/eval/baselines/{task}.csv", task=TASKS),
    output:
        long=report(
            "results/tables/results_long.csv",
            caption="../report/results_long.rst",
            category="4. All scores and baselines",
        ),
        baselines=report(
            "results/tables/baselines.csv",
            caption="../report/baselines.rst",
            category="4. All scores and baselines",
        ),
        sweeps=report(
            expand("results/tables/lr_sweep_{task}.csv", task=TASKS),
            caption="../report/lr_sweep_table.rst",
            category="3. Learning-rate sweep",
            subcategory="tables",
        ),
    log:
        "results/logs/aggregate.log",
    params:
        tasks=TASKS,
        source_lang=SOURCE_LANG,
    script:
        "../scripts/aggregate.py"


rule plot_lr_sweep:
    input:
        rules.aggregate.output.long,
    output:
        report(
            "results/plots/lr_sweep_{task}.png",
            caption="../report/lr_sweep_plot.rst",
            category="3. Learning-rate sweep",
            subcategory="plots",
            labels={"task": "{task}"},
        ),
    log:
        "results/logs/plot_lr_sweep/{task}.log",
    params:
        source_lang=SOURCE_LANG,
    script:
        "../scripts/plot_lr_sweep.py"


rule lr_selection:
    input:
        rules.aggregate.output.long,
    output:
        report(
            "results/tables/lr_selection_{task}.csv",
            caption="../report/lr_selection.rst",
            category="2. Learning-rate selection",
            labels={"task": "{task}"},
        ),
    log:
        "results/logs/lr_selection/{task}.log",
    params:
        source_lang=SOURCE_LANG,
        target_langs=lambda wc: TASK_SPECS[wc.task].target_languages,
    script:
        "../scripts/lr_selection.py"


rule main_table:
    input:
        **(
            {"mt_quality": "results/tables/mt_quality.csv"}
            if TT_ON and get_parallel_task()
            else {}
        ),
        selection=rules.lr_selection.output[0],
        per_example=get_per_example_files,
        long=rules.aggregate.output.long,
    output:
        csv=report(
            "results/tables/main_{task}.csv",
            caption="../report/main.rst",
            category="1. Main results",
            labels={"task": "{task}", "table": "main (CSV)"},
        ),
        md=report(
            "results/tables/main_{task}.md",
            caption="../report/main_md.rst",
            category="1. Main results",
            labels={"task": "{task}", "table": "main (Markdown)"},
        ),
        paired=report(
            "results/tables/paired_{task}.csv",
            caption="../report/paired.rst",
            category="1. Main results",
            labels={"task": "{task}", "table": "paired tests against full finetuning"},
        ),
    log:
        "results/logs/main_table/{task}.log",
    params:
        source_lang=SOURCE_LANG,
        target_langs=lambda wc: TASK_SPECS[wc.task].target_languages,
        bootstrap_samples=config["evaluate"]["bootstrap_samples"],
        seed=config["seed"],
    script:
        "../scripts/main_table.py"


rule plot_wrong_language:
    input:
        rules.aggregate.output.long,
    output:
        report(
            "results/plots/wrong_language_{task}.png",
            caption="../report/wrong_language_plot.rst",
            category="0. Learning rate and wrong-language answers",
            labels={"task": "{task}"},
        ),
    log:
        "results/logs/plot_wrong_language/{task}.log",
    params:
        source_lang=SOURCE_LANG,
    script:
        "../scripts/plot_wrong_language.py"
