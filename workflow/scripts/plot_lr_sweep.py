"""Plot task quality and wrong-language rate against the learning rate for one task."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

import pandas as pd

from xlgen.plots import plot_lr_sweep

long = pd.read_csv(snakemake.input[0], keep_default_na=False, na_values=[""])
plot_lr_sweep(long, snakemake.wildcards.task, snakemake.params.source_lang, snakemake.output[0])
