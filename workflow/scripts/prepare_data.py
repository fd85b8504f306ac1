"""Normalize one split of (task, language) from the hub cache to the record schema."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import logging
    import sys
    from pathlib import Path

    from xlgen.hub import prepare_task_data

    logging.basicConfig(stream=sys.stderr, level=logging.INFO)
    w = snakemake.wildcards
    out_root = Path(snakemake.output[0]).parents[2]  # results/data/<task>/<lang>/<split>.jsonl
    prepare_task_data(snakemake.params.dataset, w.task, w.lang, snakemake.params.cache_dir, out_root,
                      snakemake.params.caps, snakemake.params.seed, splits=[w.split],
                      dev_fraction=snakemake.params.dev_fraction)
