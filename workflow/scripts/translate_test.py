"""Translate-test outputs of one run: the source-language model reads the target inputs
translated into the source language, its outputs are translated back into the target."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import sys
    from pathlib import Path

    import torch

    from xlgen.families import get_family
    from xlgen.generation import decoding_kwargs, generate
    from xlgen.io import read_json, write_jsonl, write_text
    from xlgen.methods import get_method
    from xlgen.tasks import generation_record, read_records
    from xlgen.translation import make_translator

    torch.set_num_threads(snakemake.threads)
    run = snakemake.params.run  # the translate-test record; its base method's English run is applied
    settings = snakemake.params.settings
    source_lang = snakemake.params.source_lang
    out_dir = Path(snakemake.output[0]).parent
    status = read_json(snakemake.input.run)["status"]
    data = {path: read_records(snakemake.params.kind, path, path.parent.name)[: settings.get("max_examples") or None]
            for path in map(Path, snakemake.input.translated)}  # .../translate_test/<task>/<lang>/<split>.jsonl
    for path in map(Path, snakemake.input.source):  # source-language outputs: the run's own
        write_text(out_dir / path.name, path.read_text(encoding="utf-8"))
    if status == "ok":
        method = get_method(run["base_method"])
        model, tokenizer = method.load(Path(snakemake.input.backbone), Path(snakemake.input.model))
        family = get_family(model, snakemake.params.family_settings)
        translator = make_translator(snakemake.params.translate, snakemake.input.mt)
    for data_path, records in data.items():
        lang, split = data_path.parent.name, data_path.stem
        path = out_dir / f"{lang}.{split}.jsonl"
        assert str(path) in snakemake.output, path
        if status != "ok":  # a diverged run has no model: empty generations, marked by run.json
            write_jsonl(path, [])
            continue
        outputs = generate(
            model, tokenizer, family, [r["source"] for r in records], source_lang, kind=snakemake.params.kind,
            **decoding_kwargs(settings, run["task"], snakemake.params.task_settings),
        )
        predictions = translator.translate(outputs, source_lang, lang)
        write_jsonl(path, [
            generation_record(snakemake.params.kind, r, lang, p, prediction_source_lang=o)
            for r, p, o in zip(records, predictions, outputs)
        ])
        print(f"{lang}.{split}: {len(records)} outputs via {translator.name}", file=sys.stderr)
