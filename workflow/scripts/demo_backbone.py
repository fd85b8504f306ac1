"""Build, pretrain and save one tiny demo backbone (tokenizer + model, save_pretrained)."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

from pathlib import Path

import torch

from xlgen.backbones import build_demo_backbone

torch.set_num_threads(snakemake.threads)
spec = snakemake.params.spec
summary = build_demo_backbone(
    spec["family"],
    Path(snakemake.input.unlabeled[0]).parents[1],  # results/data/unlabeled/<lang>.txt
    snakemake.params.languages,
    spec["demo"],
    snakemake.params.seed,
    Path(snakemake.output[0]),
    log=lambda msg: print(msg, file=sys.stderr),
)
print(summary, file=sys.stderr)
