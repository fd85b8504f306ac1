"""Save one split of a hub dataset into the local cache (a localrule: compute nodes may be offline)."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import logging
    import sys

    from xlgen.hub import download_dataset

    logging.basicConfig(stream=sys.stderr, level=logging.INFO)
    w = snakemake.wildcards
    download_dataset(w.dataset.replace("--", "/", 1), w.dataset_config, w.hub_split, snakemake.params.cache_dir,
                     source=snakemake.params.source, adapter=snakemake.params.adapter)
