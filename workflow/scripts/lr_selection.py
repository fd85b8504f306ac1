"""Choose the learning rate of every (backbone, method) of one task under the three protocols."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import sys

    import pandas as pd

    from xlgen.selection import select_learning_rates
    from xlgen.tables import write_csv

    long = pd.read_csv(snakemake.input[0], keep_default_na=False, na_values=[""])
    table = select_learning_rates(long, snakemake.wildcards.task, snakemake.params.source_lang,
                                  snakemake.params.target_langs)
    write_csv(table, snakemake.output[0])
    print(f"{len(table)} rows", file=sys.stderr)
