if DATA_SOURCE == "demo":

    rule demo_world:
        output:
            get_demo_world_files(),
        log:
            "results/logs/demo_world.log",
        params:
            languages=ALL_LANGS,
            settings=config["data"].get("demo", {}),
        script:
            "../scripts/demo_world.py"

else:

    # downloads run where Snakemake runs (a login node can reach the hub, compute nodes may not)
    localrules:
        download_dataset,
        download_data,

    rule download_dataset:
        output:
            directory(HUB_DATASET_DIR),
        log:
            "results/logs/download_dataset/{dataset}/{dataset_config}/{hub_split}.log",
        params:
            cache_dir=get_dataset_cache_dir,
            adapter=get_dataset_adapter,
            source=get_local_copy,
        script:
            "../scripts/download_dataset.py"

    rule download_data:
        input:
            get_hub_dataset_dirs(),

    rule prepare_data:
        input:
            get_hub_sources,
        output:
            "results/data/{task}/{lang}/{split}.jsonl",
        log:
            "results/logs/prepare_data/{task}/{lang}/{split}.log",
        params:
            cache_dir=HUB["cache_dir"],
            caps=get_hub_caps,
            seed=HUB.get("seed", 0),
            dev_fraction=HUB.get("dev_fraction", 0.2),
            dataset=get_task_param("dataset"),
        script:
            "../scripts/prepare_data.py"

    rule unlabeled_text:
        input:
            get_unlabeled_source,
        output:
            "results/data/unlabeled/{lang}.txt",
        log:
            "results/logs/unlabeled_text/{lang}.log",
        params:
            cache_dir=HUB["cache_dir"],
            max_lines=HUB.get("unlabeled_lines", 20000),
            column=lambda wc: unlabeled_adapter().unlabeled(wc.lang)[1],
            seed=HUB.get("seed", 0),
        script:
            "../scripts/unlabeled_text.py"
