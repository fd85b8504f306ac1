"""Score the trivial baselines (lead sentence, most frequent answer) for every language."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    from pathlib import Path

    import pandas as pd

    from xlgen.evaluation import baseline_scores, langid_settings
    from xlgen.tables import write_csv
    from xlgen.tasks import read_records

    task, kind = snakemake.wildcards.task, snakemake.params.kind
    settings = snakemake.params.settings
    train = {Path(p).parent.name: read_records(kind, p, Path(p).parent.name) for p in snakemake.input.train}
    data = {(Path(p).parent.name, Path(p).stem): Path(p) for p in snakemake.input.data}
    rows = []
    for (lang, split), data_path in data.items():  # results/data/<task>/<lang>/<split>.jsonl
        records = read_records(kind, data_path, lang)
        # a language without train data (XQuAD) takes its majority answer from its dev split
        reference = train.get(lang) or read_records(kind, data[(lang, "dev")], lang)
        row = baseline_scores(kind, lang, records, reference, **langid_settings(settings),
                              flavour=snakemake.params.flavour)
        rows.append({**row, "task": task, "split": split})
    write_csv(pd.DataFrame(rows), snakemake.output[0])
