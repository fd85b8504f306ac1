rule tokenize:
    input:
        unpack(get_task_data),
        backbone=get_backbone_dir,
    output:
        train=path_pattern("tokenized", sub="", split="train"),
        dev=path_pattern("tokenized", sub="", split="dev"),
    log:
        "results/logs/tokenize/{task}/{backbone}.log",
    threads: 1
    resources:
        mem_mb=lambda wc, attempt: tokenize_resources(wc, attempt)["mem_mb"],
        runtime=lambda wc, attempt: 60 * attempt,
    params:
        lang=SOURCE_LANG,
        task_settings=lambda wc: config["task_settings"][wc.task],
        kind=get_task_param("kind"),
        family_settings=get_family_settings,
    script:
        "../scripts/tokenize.py"


if SOURCES:

    rule tokenize_sources:
        """The sources' train sets mixed and their dev sets interleaved (several source
        languages, docs/remedies.md), tokenized once for every run of a backbone."""
        input:
            unpack(get_sources_data),
            backbone=get_backbone_dir,
        output:
            train=path_pattern("tokenized", sub=SOURCES_SUB, split="train"),
            dev=path_pattern("tokenized", sub=SOURCES_SUB, split="dev"),
            stats=str(
                Path(path_pattern("tokenized", sub=SOURCES_SUB, split="train")).parent
                / "sources.json"
            ),
        log:
            f"results/logs/tokenize/{{task}}/{{backbone}}/{SOURCES_SUB[:-1]}.log",
        threads: 1
        resources:
            mem_mb=lambda wc, attempt: len(SOURCES)
            * tokenize_resources(wc, attempt)["mem_mb"],
            runtime=lambda wc, attempt: 60 * attempt,
        params:
            sources=SOURCES,
            mixing=PLAN.sources_mixing,
            task_settings=lambda wc: config["task_settings"][wc.task],
            kind=get_task_param("kind"),
            family_settings=get_family_settings,
        script:
            "../scripts/tokenize_sources.py"


rule finetune:
    input:
        unpack(get_unlabeled_for_method),
        unpack(get_tokenized),
        backbone=get_backbone_dir,
    output:
        model=directory(path_pattern("model")),
        run=path_pattern("run"),
    log:
        run_log("finetune"),
    wildcard_constraints:
        method=TRAINED_METHOD,  # a translate-test or decode-time remedy variant trains nothing
    threads: 1
    resources:
        # gpu=N (profile or --set-resources finetune:gpu=N): N processes, one batch
        gpu=1,
        # from the backbone's parameters, the method, the processes and the data (xlgen.resources)
        mem_mb=lambda wc, attempt: finetune_resources(wc, attempt)["mem_mb"],
        disk_mb=lambda wc, attempt: finetune_resources(wc, attempt)["disk_mb"],
        runtime=lambda wc, attempt: finetune_resources(wc, attempt)["runtime"],
    params:
        method_settings=lambda wc: config["method_settings"][
            get_run_identity(wc)["base_method"]
        ],
        # a task may train longer or shorter than finetune.steps (task_settings.<task>.steps)
        finetune=lambda wc: {
            **config["finetune"],
            **{
                k: v
                for k, v in config["task_settings"][wc.task].items()
                if k == "steps"
            },
        },
        # outside the outputs: Snakemake deletes the outputs of a failed job, not this
        checkpoint=path_pattern("checkpoint"),
        run=get_run_identity,
    script:
        "../scripts/finetune.py"
