"""Write the demo world (tasks, unlabeled text, parallel text) for every configured language."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import sys
    from pathlib import Path

    from xlgen_demo.world import write_demo_world

    s = snakemake.params.settings
    # every output lies under results/data/<task>/<lang>/<split>.jsonl: the root is 3 levels up
    out_root = Path(snakemake.output[0]).parents[2]
    paths = write_demo_world(
        out_root,
        snakemake.params.languages,
        s["seed"],
        n_train=s["n_train"],
        n_dev=s["n_dev"],
        n_test=s["n_test"],
        n_unlabeled=s["n_unlabeled"],
        n_parallel=s["n_parallel"],
    )
    missing = set(map(str, snakemake.output)) - {str(p) for p in paths}
    assert not missing, f"demo world did not write {sorted(missing)[:3]}"
    print(f"wrote {len(paths)} files", file=sys.stderr)
