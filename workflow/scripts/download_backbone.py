"""Snapshot a hub checkpoint into the local models directory (a localrule: compute nodes may be offline)."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import sys

    from xlgen.hub import snapshot_backbone

    print(snapshot_backbone(snakemake.params.hub_id, snakemake.output[0]), file=sys.stderr)
