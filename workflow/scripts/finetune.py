"""Finetune one (task, backbone, method, lr, seed) run on the tokenized source-language data."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

from pathlib import Path

import torch

from xlgen.finetune import finetune, load_tokenized
from xlgen.io import write_json

torch.set_num_threads(snakemake.threads)
unlabeled = {
    Path(path).stem: [line for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    for path in snakemake.input.get("unlabeled", [])
}
summary = finetune(
    Path(snakemake.input.backbone),
    snakemake.wildcards.method,
    snakemake.params.method_settings,
    load_tokenized(snakemake.input.train),
    load_tokenized(snakemake.input.dev),
    float(snakemake.wildcards.lr),
    int(snakemake.wildcards.seed),
    snakemake.params.finetune,
    Path(snakemake.output.model),
    log=lambda msg: print(msg, file=sys.stderr),
    checkpoint_path=Path(snakemake.params.checkpoint),
    unlabeled=unlabeled,
)
write_json(snakemake.output.run, summary)
