"""Tokenize the source-language train and dev sets of a task once for every run of a backbone."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0], snakemake.resources):  # bad input: one log line, exit 1; else a usage line
    import sys
    from pathlib import Path

    from xlgen.finetune import tokenize_task
    from xlgen.tasks import read_records

    task = snakemake.wildcards.task
    settings = snakemake.params.family_settings  # the backbone's (a decoder-only backbone's prompt)
    for split in ("train", "dev"):
        n = tokenize_task(Path(snakemake.input.backbone), read_records(snakemake.params.kind, snakemake.input[split]),
                          snakemake.params.lang, snakemake.params.task_settings, Path(snakemake.output[split]),
                          kind=snakemake.params.kind, family_settings=settings)
        print(f"{split}: {n} examples tokenized", file=sys.stderr)
