"""Tokenize the source-language train and dev sets of a task once for every run of a backbone."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

from pathlib import Path

from xlgen.finetune import tokenize_task
from xlgen.tasks import read_records

task = snakemake.wildcards.task
for split in ("train", "dev"):
    n = tokenize_task(Path(snakemake.input.backbone), read_records(task, snakemake.input[split]),
                      snakemake.params.lang, snakemake.params.task_settings, Path(snakemake.output[split]))
    print(f"{split}: {n} examples tokenized", file=sys.stderr)
