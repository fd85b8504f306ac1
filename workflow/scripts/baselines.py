"""Score the trivial baselines (lead sentence, most frequent answer) for every language."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

from pathlib import Path

import pandas as pd

from xlgen.evaluation import baseline_scores
from xlgen.tables import write_csv
from xlgen.tasks import read_records

task = snakemake.wildcards.task
settings = snakemake.params.settings
train = {Path(p).parent.name: read_records(task, p) for p in snakemake.input.train}
rows = []
for data_path in map(Path, snakemake.input.data):  # results/data/<task>/<lang>/<split>.jsonl
    lang, split = data_path.parent.name, data_path.stem
    records = read_records(task, data_path)
    row = baseline_scores(task, lang, records, train[lang], settings["langid_mode"], settings["min_chars"])
    rows.append({**row, "split": split})
write_csv(pd.DataFrame(rows), snakemake.output[0])
