"""Intermediate tuning of a backbone on target-language text: backbone variant '<backbone>+it'."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

from pathlib import Path

import torch

from xlgen.intermediate import intermediate_tune
from xlgen.io import read_jsonl

torch.set_num_threads(snakemake.threads)
unlabeled = {
    Path(path).stem: [line for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    for path in snakemake.input.get("unlabeled", [])
}
parallel = {  # results/data/parallel/en-<lang>.jsonl
    Path(path).stem.split("-", 1)[1]: [(r["source"], r["target"]) for r in read_jsonl(path)]
    for path in snakemake.input.get("parallel", [])
}
summary = intermediate_tune(Path(snakemake.input.backbone), unlabeled, parallel, snakemake.params.settings,
                            snakemake.params.seed, Path(snakemake.output[0]),
                            log=lambda msg: print(msg, file=sys.stderr))
print(summary, file=sys.stderr)
