rule demo_backbone:
    input:
        unlabeled=expand("results/data/unlabeled/{lang}.txt", lang=ALL_LANGS),
        parallel=expand("results/data/parallel/en-{lang}.jsonl", lang=TARGET_LANGS),
        phrases=expand(
            "results/data/parallel/en-{lang}.phrases.jsonl", lang=TARGET_LANGS
        ),
    output:
        directory("results/backbones/{backbone}"),
    log:
        "results/logs/demo_backbone/{backbone}.log",
    wildcard_constraints:
        backbone="[A-Za-z0-9][A-Za-z0-9._-]*",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=60,
    params:
        spec=get_backbone_spec,
        prebuilt=get_prebuilt_backbone,
        languages=ALL_LANGS,
        seed=config["seed"],
    script:
        "../scripts/demo_backbone.py"


rule intermediate_tuning:
    input:
        unpack(get_intermediate_inputs),
    output:
        directory("results/backbones/{backbone}+it"),
    log:
        "results/logs/intermediate_tuning/{backbone}.log",
    wildcard_constraints:
        backbone="[A-Za-z0-9][A-Za-z0-9._-]*",
    threads: 1
    resources:
        gpu=1,
        mem_mb=4000,
        # a retry (after SLURM's time-limit warning: the job saved and exits 143) resumes, with longer
        runtime=lambda wc, attempt: 240 * attempt,
    params:
        settings=config.get("intermediate_tuning"),
        seed=config["seed"],
        # outside the outputs: Snakemake deletes the outputs of a failed job, not this
        checkpoint="results/checkpoints/intermediate_tuning/{backbone}/checkpoint.pt",
    script:
        "../scripts/intermediate_tuning.py"


localrules:
    download_backbone,
    download_backbones,


rule download_backbone:
    output:
        directory(HUB_MODEL_DIR),
    log:
        "results/logs/download_backbone/{hub_model}.log",
    params:
        hub_id=get_hub_id,
    script:
        "../scripts/download_backbone.py"


rule download_backbones:
    input:
        get_hub_backbone_dirs(),
