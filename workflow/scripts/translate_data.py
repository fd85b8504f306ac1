"""Translate-train data: the source-language train and dev sets of a task machine-translated
into one target language, and what the translation kept (stats.json)."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import sys

    from xlgen.io import InputError, write_json, write_jsonl
    from xlgen.tasks import read_records
    from xlgen.translation import make_translator, translate_records

    task, lang = snakemake.wildcards.task, snakemake.wildcards.lang
    source_lang = snakemake.params.source_lang
    # every input is checked before the MT model loads: bad data fails in seconds
    records = {split: read_records(snakemake.params.kind, snakemake.input[split], source_lang)
               for split in ("train", "dev")}
    translator = make_translator(snakemake.params.translate, snakemake.input.mt)
    stats = {"mt": translator.name, "task": task, "source_lang": source_lang, "lang": lang}
    for split, split_records in records.items():
        translated, stats[split] = translate_records(snakemake.params.kind, split_records, translator, source_lang,
                                                     lang)
        if not translated:
            raise InputError(f"{snakemake.input[split]}: no record kept after translation into {lang} "
                             f"({stats[split]})")
        write_jsonl(snakemake.output[split], translated)
        print(f"{split}: {stats[split]}", file=sys.stderr)
    write_json(snakemake.output.stats, stats)
