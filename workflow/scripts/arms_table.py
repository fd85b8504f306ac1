"""The remedies of one task as study arms (xlgen.tables.arms_table): results/tables/arms_<task>.csv."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import sys

    import pandas as pd

    from xlgen.tables import arms_table, write_csv

    long = pd.read_csv(snakemake.input[0], keep_default_na=False, na_values=[""])
    table = arms_table(long, snakemake.wildcards.task)
    write_csv(table, snakemake.output[0])
    print(f"{len(table)} rows", file=sys.stderr)
