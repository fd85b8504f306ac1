# The data-translation baselines (config `translate_train`): translate-train and
# translate-test, beside the zero-shot runs in every table, and the MT quality behind them.
if TT_ON:

    rule translate_train_data:
        """The English train and dev sets machine-translated into one target language."""
        input:
            train=f"results/data/{{task}}/{SOURCE_LANG}/train.jsonl",
            dev=f"results/data/{{task}}/{SOURCE_LANG}/dev.jsonl",
            mt=get_mt_dir,
        output:
            train="results/data/translated/{task}/{lang}/train.jsonl",
            dev="results/data/translated/{task}/{lang}/dev.jsonl",
            stats="results/data/translated/{task}/{lang}/stats.json",
        log:
            "results/logs/translate_train_data/{task}/{lang}.log",
        threads: 1
        resources:
            gpu=1,
            mem_mb=lambda wc, attempt: mt_mem_mb(attempt),
            runtime=lambda wc, attempt: 240 * attempt,
        params:
            translate=TT,
            source_lang=SOURCE_LANG,
            kind=get_task_param("kind"),
        script:
            "../scripts/translate_data.py"

    rule tokenize_translated:
        """Tokenize a translated train/dev set once for every run of a backbone (as `tokenize`)."""
        input:
            train=rules.translate_train_data.output.train,
            dev=rules.translate_train_data.output.dev,
            backbone=get_backbone_dir,
        output:
            train=path_pattern("tokenized", sub="tt-{lang}/", split="train"),
            dev=path_pattern("tokenized", sub="tt-{lang}/", split="dev"),
        log:
            "results/logs/tokenize/{task}/{backbone}/tt-{lang}.log",
        threads: 1
        resources:
            mem_mb=lambda wc, attempt: tokenize_resources(wc, attempt)["mem_mb"],
            runtime=lambda wc, attempt: 60 * attempt,
        params:
            lang=lambda wc: wc.lang,
            task_settings=lambda wc: config["task_settings"][wc.task],
            kind=get_task_param("kind"),
            family_settings=get_family_settings,
        script:
            "../scripts/tokenize.py"

    rule generate_translate_train:
        """A translate-train run writes only in the language it was trained in (same script as `generate`)."""
        input:
            data=lambda wc: expand(
                "results/data/{task}/{lang}/{split}.jsonl",
                task=wc.task,
                lang=wc.lang,
                split=SPLITS,
            ),
            model=path_pattern("model", method=TT_RUN_METHOD),
            run=path_pattern("run", method=TT_RUN_METHOD),
            backbone=get_backbone_dir,
        output:
            get_generation_files_pattern(["{lang}"], method=TT_RUN_METHOD),
        log:
            run_log("generate", method=TT_RUN_METHOD),
        wildcard_constraints:
            method="[a-z_]+",
        threads: 1
        resources:
            gpu=1,
            mem_mb=lambda wc, attempt: generate_resources(wc, attempt)["mem_mb"],
            runtime=lambda wc, attempt: generate_resources(wc, attempt)["runtime"],
        params:
            settings=config["generate"],
            task_settings=lambda wc: config["task_settings"][wc.task],
            kind=get_task_param("kind"),
            family_settings=get_family_settings,
            run=get_variant_identity("translate_train"),
        script:
            "../scripts/generate.py"

    if TT_TEST:

        rule translate_test_inputs:
            """Target-language dev/test inputs machine-translated into the source language."""
            input:
                data="results/data/{task}/{lang}/{split}.jsonl",
                mt=get_mt_dir,
            output:
                "results/data/translate_test/{task}/{lang}/{split}.jsonl",
            log:
                "results/logs/translate_test_inputs/{task}/{lang}/{split}.log",
            threads: 1
            resources:
                gpu=1,
                mem_mb=lambda wc, attempt: mt_mem_mb(attempt),
                runtime=lambda wc, attempt: 120 * attempt,
            params:
                translate=TT,
                source_lang=SOURCE_LANG,
                kind=get_task_param("kind"),
            script:
                "../scripts/translate_test_inputs.py"

        rule translate_test:
            """The English run on translated inputs, its outputs translated back; its English
            outputs are the English run's own (nothing to translate)."""
            input:
                translated=lambda wc: expand(
                    "results/data/translate_test/{task}/{lang}/{split}.jsonl",
                    task=wc.task,
                    lang=TT_LANGS,
                    split=SPLITS,
                ),
                source=get_generation_files_pattern([SOURCE_LANG]),
                model=path_pattern("model"),
                run=path_pattern("run"),
                backbone=get_backbone_dir,
                mt=get_mt_dir,
            output:
                get_generation_files_pattern(
                    [SOURCE_LANG] + TT_LANGS, method=TTEST_RUN_METHOD
                ),
            log:
                run_log("translate_test"),
            wildcard_constraints:
                method="[a-z_]+",
            threads: 1
            resources:
                gpu=1,
                mem_mb=lambda wc, attempt: mt_mem_mb(attempt),
                runtime=lambda wc, attempt: 120 * attempt,
            params:
                settings=config["generate"],
                task_settings=lambda wc: config["task_settings"][wc.task],
                translate=TT,
                source_lang=SOURCE_LANG,
                kind=get_task_param("kind"),
                family_settings=get_family_settings,
                run=get_variant_identity("translate_test"),
            script:
                "../scripts/translate_test.py"

    if get_parallel_task():

        rule mt_quality:
            """chrF of the MT system on held-out parallel text, with what translating the
            training data kept (QA: how often the translated answer is in the translated context).
            """
            input:
                source=f"results/data/{get_parallel_task()}/{SOURCE_LANG}/test.jsonl",
                targets=expand(
                    "results/data/{task}/{lang}/test.jsonl",
                    task=get_parallel_task(),
                    lang=TT_LANGS,
                ),
                stats=expand(
                    "results/data/translated/{task}/{lang}/stats.json",
                    task=TASKS,
                    lang=TT_LANGS,
                ),
                mt=get_mt_dir,
            output:
                report(
                    "results/tables/mt_quality.csv",
                    caption="../report/mt_quality.rst",
                    category="1. Main results",
                    labels={"table": "MT quality of the translation baselines"},
                ),
            log:
                "results/logs/mt_quality.log",
            threads: 1
            resources:
                gpu=1,
                mem_mb=lambda wc, attempt: mt_mem_mb(attempt),
                runtime=lambda wc, attempt: 60 * attempt,
            params:
                translate=TT,
                source_lang=SOURCE_LANG,
                task=get_parallel_task(),
                kind=TASK_SPECS[get_parallel_task()].kind.name,
                kinds={task: TASK_SPECS[task].kind.name for task in TASKS},
                translate_test=TT_TEST,
            script:
                "../scripts/mt_quality.py"
