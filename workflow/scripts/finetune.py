"""Finetune one (task, backbone, method, lr, seed) run on the tokenized source-language data."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import sys

    from pathlib import Path

    import torch

    from xlgen.finetune import finetune, load_tokenized
    from xlgen.io import read_text_lines, write_json

    torch.set_num_threads(snakemake.threads)
    unlabeled = {
        Path(path).stem: read_text_lines(path)
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
    write_json(snakemake.output.run, {**summary, "run": snakemake.params.run})
