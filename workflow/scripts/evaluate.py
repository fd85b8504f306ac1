"""Score every generation file of one run (CPU): one row per language and split, with
bootstrap intervals; and the per-example values the main table and paired tests resample."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0], snakemake.resources):  # bad input: one log line, exit 1; else a usage line
    import sys

    from xlgen.evaluation import DEFAULT_BOOTSTRAP_SEED, langid_settings, score_run
    from xlgen.io import read_json, write_text
    from xlgen.tables import write_csv

    run = read_json(snakemake.input.run)
    status = run["status"]
    settings = snakemake.params.settings
    # langid_mode, min_chars, bootstrap_samples: the config's when set, else xlgen's defaults
    # (the same as `xlgen score`'s, so that command reproduces this file's numbers)
    table, per_example = score_run(snakemake.params.run, snakemake.input.generations, status,
                                   **langid_settings(settings), bootstrap_samples=settings["bootstrap_samples"],
                                   seed=settings.get("bootstrap_seed", DEFAULT_BOOTSTRAP_SEED),
                                   family=run.get("family"), flavour=snakemake.params.flavour)
    write_csv(table, snakemake.output.scores)
    # full precision: the intervals recomputed from these values match the ones in scores.csv
    write_text(snakemake.output.per_example, per_example.to_csv(index=False))
    print(f"{len(table)} rows, {len(per_example)} examples, status {status}", file=sys.stderr)
