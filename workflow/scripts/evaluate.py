"""Score every generation file of one run (CPU): one row per language and split, with
bootstrap intervals; and the per-example values the main table and paired tests resample."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import sys

    from xlgen.evaluation import score_run
    from xlgen.io import read_json, write_text
    from xlgen.tables import write_csv

    run = read_json(snakemake.input.run)
    status = run["status"]
    settings = snakemake.params.settings
    table, per_example = score_run(snakemake.wildcards.task, snakemake.input.generations, status,
                                   settings["langid_mode"], settings["min_chars"],
                                   bootstrap_samples=settings["bootstrap_samples"], seed=snakemake.params.seed,
                                   family=run.get("family"))
    write_csv(table, snakemake.output.scores)
    # full precision: the intervals recomputed from these values match the ones in scores.csv
    write_text(snakemake.output.per_example, per_example.to_csv(index=False))
    print(f"{len(table)} rows, {len(per_example)} examples, status {status}", file=sys.stderr)
