"""Score every generation file of one run (CPU): one row per language and split, with
bootstrap intervals; and the per-example values the main table and paired tests resample."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

import json
from pathlib import Path

from xlgen.evaluation import score_run
from xlgen.io import write_text
from xlgen.tables import write_csv

status = json.loads(Path(snakemake.input.run).read_text())["status"]
settings = snakemake.params.settings
table, per_example = score_run(snakemake.wildcards.task, snakemake.input.generations, status,
                               settings["langid_mode"], settings["min_chars"],
                               bootstrap_samples=settings["bootstrap_samples"], seed=snakemake.params.seed)
write_csv(table, snakemake.output.scores)
# full precision: the intervals recomputed from these values match the ones in scores.csv
write_text(snakemake.output.per_example, per_example.to_csv(index=False))
print(f"{len(table)} rows, {len(per_example)} examples, status {status}", file=sys.stderr)
