"""Save one split of a hub dataset into the local cache (a localrule: compute nodes may be offline)."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

import logging

from xlgen.hub import download_dataset

logging.basicConfig(stream=sys.stderr, level=logging.INFO)
w = snakemake.wildcards
download_dataset(w.dataset.replace("--", "/", 1), w.dataset_config, w.hub_split, snakemake.params.cache_dir)
