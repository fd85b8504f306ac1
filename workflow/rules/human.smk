# Human evaluation (config `human_eval`, off unless enabled): blind rating pages per language
# and annotator, the ratings back into tables with agreement and the validity of the automatic
# measures (docs/human-evaluation.md).
if HUMAN_ON:

    # seconds of CPU each, and the pages are for people: run them where Snakemake runs
    localrules:
        human_sample,
        human_pages,
        human_simulate,
        human_import,

    rule human_sample:
        """Per language, N inputs every compared system answered; the systems shuffled and
        hidden behind output ids; the key with each output's automatic metric and verdict.
        """
        input:
            selection=rules.lr_selection.output[0],
            generations=get_human_generation_files,
            records=get_human_records,
        output:
            sample="results/human/{task}/items.jsonl",
            key="results/human/{task}/key.csv",
            study="results/human/{task}/study.json",
        log:
            "results/logs/human_sample/{task}.log",
        params:
            langs=lambda wc: HUMAN.langs[wc.task],
            annotators=lambda wc: HUMAN.annotators[wc.task],
            systems=[system.name for system in HUMAN.systems],
            simulated=HUMAN.simulated,
            split=HUMAN.split,
            n_items=HUMAN.n_items,
            seed=HUMAN.seed,
            run_seed=HUMAN.run_seed,
            kind=get_task_param("kind"),
            flavour=get_task_param("flavour"),
            bootstrap_samples=config["evaluate"]["bootstrap_samples"],
            bootstrap_seed=config["seed"],
        script:
            "../scripts/human_sample.py"

    rule human_pages:
        """A self-contained HTML rating page and a CSV sheet per language and annotator."""
        input:
            sample=rules.human_sample.output.sample,
            study=rules.human_sample.output.study,
        output:
            pages=directory("results/human/{task}/pages"),
            sheets=directory("results/human/{task}/sheets"),
        log:
            "results/logs/human_pages/{task}.log",
        script:
            "../scripts/human_pages.py"

    rule human_simulate:
        """SIMULATED annotators sim-1, sim-2, ... (the demo): seeded ratings from known
        properties of the outputs, in the rating page's export format."""
        input:
            sample=rules.human_sample.output.sample,
            key=rules.human_sample.output.key,
            study=rules.human_sample.output.study,
            records=get_human_vocabulary_records,
        output:
            directory("results/human/{task}/simulated"),
        log:
            "results/logs/human_simulate/{task}.log",
        params:
            settings=HUMAN.simulate,
        script:
            "../scripts/human_simulate.py"

    rule human_import:
        """Check the rating files, join them with the key: mean ratings with intervals,
        Krippendorff's alpha, and the validity of the automatic measures."""
        input:
            sample=rules.human_sample.output.sample,
            key=rules.human_sample.output.key,
            study=rules.human_sample.output.study,
            simulated=get_human_simulated,
            returned=get_human_returned,
        output:
            joined="results/human/{task}/ratings.csv",
            human=report(
                "results/tables/human_{task}.csv",
                caption="../report/human.rst",
                category="5. Human evaluation",
                labels={"task": "{task}", "table": "ratings and agreement"},
            ),
            validity=report(
                "results/tables/human_validity_{task}.csv",
                caption="../report/human_validity.rst",
                category="5. Human evaluation",
                labels={
                    "task": "{task}",
                    "table": "validity of the automatic measures",
                },
            ),
        log:
            "results/logs/human_import/{task}.log",
        script:
            "../scripts/human_import.py"
