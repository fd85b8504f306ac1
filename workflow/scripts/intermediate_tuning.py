"""Intermediate tuning of a backbone on target-language text: backbone variant '<backbone>+it'."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import sys
    from pathlib import Path

    import torch

    from xlgen.intermediate import intermediate_tune
    from xlgen.io import read_jsonl, read_text_lines

    torch.set_num_threads(snakemake.threads)
    unlabeled = {
        Path(path).stem: read_text_lines(path)
        for path in snakemake.input.get("unlabeled", [])
    }
    parallel = {  # results/data/parallel/en-<lang>.jsonl
        Path(path).stem.split("-", 1)[1]: [(r["source"], r["target"]) for r in read_jsonl(path)]
        for path in snakemake.input.get("parallel", [])
    }
    summary = intermediate_tune(Path(snakemake.input.backbone), unlabeled, parallel, snakemake.params.settings,
                                snakemake.params.seed, Path(snakemake.output[0]),
                                log=lambda msg: print(msg, file=sys.stderr),
                                # outside the outputs: Snakemake deletes the outputs of a failed job, not this
                                checkpoint_path=Path(snakemake.params.checkpoint))
    print(summary, file=sys.stderr)
