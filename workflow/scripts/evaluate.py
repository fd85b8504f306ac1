"""Score every generation file of one run (CPU): one row per language and split."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

import json
from pathlib import Path

from xlgen.evaluation import score_run
from xlgen.tables import write_csv

status = json.loads(Path(snakemake.input.run).read_text())["status"]
settings = snakemake.params.settings
table = score_run(snakemake.wildcards.task, snakemake.input.generations, status,
                  settings["langid_mode"], settings["min_chars"])
write_csv(table, snakemake.output[0])
