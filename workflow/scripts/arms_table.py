"""The remedies of one task as study arms (xlgen.tables.arms_table, arms_paired_table):
results/tables/arms_<task>.csv and arms_paired_<task>.csv."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import sys

    import pandas as pd

    from xlgen.runs import REMEDY_VARIANTS
    from xlgen.tables import arms_paired_table, arms_table, read_per_example, write_csv

    task = snakemake.wildcards.task
    p = snakemake.params
    long = pd.read_csv(snakemake.input.long, keep_default_na=False, na_values=[""])
    # only the arms' runs (zero-shot and remedies) are read: translation baselines are none
    arm_methods = set(long.loc[(long["task"] == task) & long["variant"].isin(("zero_shot", *REMEDY_VARIANTS)),
                               "method"])
    per_example = read_per_example(snakemake.input.per_example, keep=lambda keys: keys["method"] in arm_methods)
    table = arms_table(long, task, per_example, p.bootstrap_samples, p.seed)
    write_csv(table, snakemake.output.csv)
    paired = arms_paired_table(per_example, long, task, p.source_lang, p.target_langs, p.bootstrap_samples, p.seed)
    write_csv(paired, snakemake.output.paired)
    print(f"{len(table)} rows, {len(paired)} paired-test rows", file=sys.stderr)
