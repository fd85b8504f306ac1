rule demo_backbone:
    input:
        unlabeled=expand("results/data/unlabeled/{lang}.txt", lang=ALL_LANGS),
        parallel=expand("results/data/parallel/en-{lang}.jsonl", lang=TARGET_LANGS),
    output:
        directory("results/backbones/{backbone}"),
    params:
        spec=get_backbone_spec,
        prebuilt=get_prebuilt_backbone,
        languages=ALL_LANGS,
        seed=config["seed"],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=60,
    log:
        "results/logs/demo_backbone/{backbone}.log",
    conda:
        "../../envs/xlgen.yaml"
    script:
        "../scripts/demo_backbone.py"
