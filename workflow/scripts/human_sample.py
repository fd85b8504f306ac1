"""Sample the inputs of a human evaluation, hide the systems behind output ids, and write the
items, the key (with each output's automatic metric and language verdict) and study.json."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import sys

    import pandas as pd

    from xlgen.human.agreement import write_table
    from xlgen.human.sample import main_metric, make_study, parse_systems, sample_study, score_outputs
    from xlgen.io import write_json, write_jsonl

    task = snakemake.wildcards.task
    p = snakemake.params
    selection = pd.read_csv(snakemake.input.selection, keep_default_na=False, na_values=[""])
    systems = parse_systems(p.systems)
    records = dict(zip(p.langs, snakemake.input.records))
    items, key = sample_study(task, p.split, p.langs, systems, selection, records, p.n_items, p.seed, p.run_seed)
    metric = main_metric(selection)
    key = score_outputs(items, key, metric, p.kind, p.flavour)
    study = make_study(task, p.split, p.langs, systems, items, metric, p.annotators, p.simulated, p.n_items, p.seed,
                       p.bootstrap_samples, p.bootstrap_seed)
    write_jsonl(snakemake.output.sample, items)
    write_table(key, snakemake.output.key)
    write_json(snakemake.output.study, study)
    print(f"study {study['study_id']}: {len(items)} inputs, {len(key)} outputs of {len(systems)} systems "
          f"in {', '.join(p.langs)}", file=sys.stderr)
