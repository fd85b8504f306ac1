rule finetune:
    input:
        unpack(get_task_data),
        backbone=rules.demo_backbone.output[0],
    output:
        model=directory("results/models/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/model"),
        run="results/models/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}/run.json",
    params:
        lang=SOURCE_LANG,
        method_settings=lambda wc: config["method_settings"][wc.method],
        finetune=config["finetune"],
        task_settings=lambda wc: config["task_settings"][wc.task],
    threads: 1
    resources:
        gpu=1,
        mem_mb=4000,
        runtime=240,
    log:
        "results/logs/finetune/{task}/{backbone}/{method}/lr~{lr}/seed~{seed}.log",
    conda:
        "../../envs/xlgen.yaml"
    script:
        "../scripts/finetune.py"
