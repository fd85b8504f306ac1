"""Translate-test inputs: a target language's dev or test records with their model inputs
machine-translated into the source language (references stay in the target language)."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import sys

    from xlgen.io import write_jsonl
    from xlgen.tasks import read_records
    from xlgen.translation import make_translator, translate_inputs

    task, lang = snakemake.wildcards.task, snakemake.wildcards.lang
    records = read_records(snakemake.params.kind, snakemake.input.data, lang)
    translator = make_translator(snakemake.params.translate, snakemake.input.mt)
    translated = translate_inputs(snakemake.params.kind, records, translator, lang, snakemake.params.source_lang)
    write_jsonl(snakemake.output[0], translated)
    print(f"{len(translated)} records translated {lang} -> {snakemake.params.source_lang} by {translator.name}",
          file=sys.stderr)
