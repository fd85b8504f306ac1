"""Snapshot a hub checkpoint into the local models directory (a localrule: compute nodes may be offline)."""

import sys

sys.stderr = open(snakemake.log[0], "w", buffering=1)

from xlgen.hub import snapshot_backbone

print(snapshot_backbone(snakemake.params.hub_id, snakemake.output[0]), file=sys.stderr)
