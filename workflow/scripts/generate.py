"""Generate zero-shot outputs of one run for every language and split; a decode-time remedy's
run ('full+mask', 'full+steer'; workflow/rules/remedies.smk) decodes its trained run's model
with the remedy set up for each output language (xlgen.remedies.DECODE_REMEDIES: its module's
`decode_setup`, from the settings its rule passes in `params.remedy`)."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0], snakemake.resources):  # bad input: one log line, exit 1; else a usage line
    import contextlib
    import sys
    from pathlib import Path

    import torch

    from xlgen.families import get_family
    from xlgen.generation import decoding_kwargs, generate
    from xlgen.io import read_json, write_jsonl
    from xlgen.methods import get_method
    from xlgen.remedies import DECODE_REMEDIES
    from xlgen.tasks import generation_record, read_records

    torch.set_num_threads(snakemake.threads)
    run = snakemake.params.run  # the run's identity record (xlgen.plan)
    settings = snakemake.params.settings
    remedy = DECODE_REMEDIES.get(run["variant"])  # its rule passes the remedy's settings
    remedy_module = remedy.load() if remedy else None
    status = read_json(snakemake.input.run)["status"]
    # every input is checked before the model loads: bad data fails in seconds
    data = {path: read_records(snakemake.params.kind, path, path.parent.name)[: settings.get("max_examples") or None]
            for path in map(Path, snakemake.input.data)}  # results/data/<task>/<lang>/<split>.jsonl
    if status == "ok":
        method = get_method(run["base_method"])
        model, tokenizer = method.load(Path(snakemake.input.backbone), Path(snakemake.input.model))
        family = get_family(model, snakemake.params.family_settings)
    out_dir = Path(snakemake.output[0]).parent
    for data_path, records in data.items():
        lang, split = data_path.parent.name, data_path.stem
        path = out_dir / f"{lang}.{split}.jsonl"
        assert str(path) in snakemake.output, path
        if status != "ok":  # a diverged run has no model: empty generations, marked by run.json
            write_jsonl(path, [])
            continue
        if family.missing_code_choice(lang) == "skip":  # no language code: reported, not run
            write_jsonl(path, [])
            print(f"{lang}.{split}: skipped, {family.name} has no language code for {lang}", file=sys.stderr)
            continue
        remedy_kwargs, decoding = {}, contextlib.nullcontext()
        if remedy:
            remedy_kwargs, decoding = remedy_module.decode_setup(model, tokenizer, family, lang,
                                                                 snakemake.params.remedy, records)
            described = getattr(decoding, "enter_result", None) or decoding
            print(f"{lang}.{split}: {remedy.name}: {described!r}", file=sys.stderr)
        with decoding:
            predictions = generate(
                model, tokenizer, family, [r["source"] for r in records], lang, kind=snakemake.params.kind,
                **decoding_kwargs(settings, run["task"], snakemake.params.task_settings), **remedy_kwargs,
            )
        write_jsonl(path, [
            generation_record(snakemake.params.kind, r, lang, p) for r, p in zip(records, predictions)
        ])
        print(f"{lang}.{split}: {len(records)} outputs", file=sys.stderr)
