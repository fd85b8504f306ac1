"""Check the rating files of a study, join them with the hidden key and write the human table
and the metric-validity table (the code path of `xlgen human import`)."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import sys
    from pathlib import Path

    from xlgen.human.agreement import import_ratings, write_table
    from xlgen.human.ratings import RatingProblems, load_study

    study = load_study(Path(snakemake.input.study).parent)
    files = [str(p) for d in snakemake.input.simulated for p in sorted(Path(d).glob("*/*.json"))]
    files += list(snakemake.input.returned)
    try:
        joined, human, validity = import_ratings(files, study, study["bootstrap_samples"], study["bootstrap_seed"])
    except RatingProblems as err:  # every problem, one line each
        for line in str(err).splitlines():
            print(f"xlgen: {line}", file=sys.stderr)
        raise SystemExit(1) from None
    write_table(joined, snakemake.output.joined)
    write_table(human, snakemake.output.human)
    write_table(validity, snakemake.output.validity)
    kind = "SIMULATED ratings" if joined["simulated"].all() else "ratings"
    print(f"{len(files)} files, {len(joined)} {kind} of {joined['annotator'].nunique()} annotators", file=sys.stderr)
