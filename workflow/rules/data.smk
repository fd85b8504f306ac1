rule demo_world:
    output:
        get_demo_world_files(),
    params:
        languages=ALL_LANGS,
        settings=config["data"].get("demo", {}),
    log:
        "results/logs/demo_world.log",
    conda:
        "../../envs/xlgen.yaml"
    script:
        "../scripts/demo_world.py"
