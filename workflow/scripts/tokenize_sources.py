"""Mix and tokenize the train and dev sets of several source languages once for every
several-sources run of a backbone (xlgen.remedies.several_sources)."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0], snakemake.resources):  # bad input: one log line, exit 1; else a usage line
    import sys
    from pathlib import Path

    from xlgen.finetune import tokenize_sources
    from xlgen.io import write_json
    from xlgen.tasks import read_records

    p = snakemake.params
    records = {split: {lang: read_records(p.kind, path) for lang, path in zip(p.sources, snakemake.input[split])}
               for split in ("train", "dev")}
    stats = tokenize_sources(Path(snakemake.input.backbone), records["train"], records["dev"], p.mixing["mixing"],
                             p.mixing["seed"], p.task_settings, Path(snakemake.output.train),
                             Path(snakemake.output.dev), kind=p.kind, family_settings=p.family_settings)
    write_json(snakemake.output.stats, stats)
    print(f"train examples by source: {stats['train_examples']} ({stats['mixing']}); "
          f"dev: {stats['dev_examples']}", file=sys.stderr)
