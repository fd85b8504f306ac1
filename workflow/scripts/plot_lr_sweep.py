"""Plot task quality and wrong-language rate against the learning rate for one task."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import pandas as pd

    from xlgen.plots import plot_lr_sweep

    long = pd.read_csv(snakemake.input[0], keep_default_na=False, na_values=[""])
    plot_lr_sweep(long, snakemake.wildcards.task, snakemake.params.source_lang, snakemake.output[0])
