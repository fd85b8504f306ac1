"""Plot the wrong-language rate against the LR, a line per remedy, a panel per backbone and
language group (xlgen.plots.plot_arms): results/plots/arms_wrong_language_<task>.png."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import pandas as pd

    from xlgen.plots import plot_arms

    arms = pd.read_csv(snakemake.input[0], keep_default_na=False, na_values=[""])
    plot_arms(arms, snakemake.wildcards.task, snakemake.params.source_lang, snakemake.output[0])
