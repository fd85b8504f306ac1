"""Finetune one (task, backbone, method, lr, seed) run on the source-language train set."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

from pathlib import Path

import torch

from xlgen.finetune import finetune
from xlgen.io import write_json
from xlgen.tasks import read_records

torch.set_num_threads(snakemake.threads)
task = snakemake.wildcards.task
model_dir = Path(snakemake.output.model)
summary = finetune(
    Path(snakemake.input.backbone),
    snakemake.wildcards.method,
    snakemake.params.method_settings,
    read_records(task, snakemake.input.train),
    read_records(task, snakemake.input.dev),
    snakemake.params.lang,
    float(snakemake.wildcards.lr),
    int(snakemake.wildcards.seed),
    snakemake.params.finetune,
    snakemake.params.task_settings,
    model_dir,
    log=lambda msg: print(msg, file=sys.stderr),
)
write_json(snakemake.output.run, summary)
