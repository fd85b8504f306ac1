"""SIMULATED annotators (xlgen.human.simulate): a rating file `<lang>/<annotator>.json` per
language and simulated annotator, in the rating page's export format, marked `simulated: true`."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import json
    import sys
    from pathlib import Path

    import pandas as pd

    from xlgen.human.simulate import record_texts, simulate_ratings, vocabularies
    from xlgen.io import atomic_directory, read_json, read_jsonl

    items = read_jsonl(snakemake.input.sample)
    study = read_json(snakemake.input.study)
    key = pd.read_csv(snakemake.input.key, dtype={"output_id": str}, keep_default_na=False, na_values=[""])
    texts = {}
    for path in snakemake.input.records:  # results/data/<task>/<lang>/<split>.jsonl
        texts.setdefault(Path(path).parent.name, []).extend(record_texts(read_jsonl(path)))
    settings = snakemake.params.settings
    docs = simulate_ratings(items, key, study, vocabularies(texts), study["simulated_annotators"],
                            settings["label_flip"], settings["noise"])
    with atomic_directory(snakemake.output[0]) as out:
        for doc in docs:
            (out / doc["lang"]).mkdir(exist_ok=True)
            text = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
            (out / doc["lang"] / f"{doc['annotator']}.json").write_text(text, encoding="utf-8")
    print(f"SIMULATED: {len(docs)} rating files of {', '.join(study['simulated_annotators'])}", file=sys.stderr)
