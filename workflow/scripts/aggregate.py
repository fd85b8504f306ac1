"""Collect every run's scores into the long table and the per-task LR-sweep tables."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import sys

    import pandas as pd

    from xlgen.tables import long_table, lr_sweep_table, write_csv

    long = long_table(snakemake.input.scores, snakemake.input.runs)
    write_csv(long, snakemake.output.long)
    for task, path in zip(snakemake.params.tasks, snakemake.output.sweeps):
        write_csv(lr_sweep_table(long, task, snakemake.params.source_lang), path)
    baselines = pd.concat([pd.read_csv(p) for p in snakemake.input.baselines], ignore_index=True)
    write_csv(baselines, snakemake.output.baselines)
    print(f"{len(long)} rows", file=sys.stderr)
