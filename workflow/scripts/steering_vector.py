"""The steering vectors of one trained run at one decoder layer (xlgen.remedies.steering): for
each target language, the mean output of the layer over the language's unlabeled text minus
that over the source language's (taken once for all of them), saved as a .npy per language
under results/steering/."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0], snakemake.resources):  # bad input: one log line, exit 1; else a usage line
    import sys
    from pathlib import Path

    import numpy as np
    import torch

    from xlgen.families import get_family
    from xlgen.io import read_json, read_text_lines
    from xlgen.methods import get_method
    from xlgen.remedies.steering import save_vector, steering_vectors

    torch.set_num_threads(snakemake.threads)
    run = snakemake.params.run  # the trained run's identity record
    settings = snakemake.params.settings
    langs = snakemake.params.langs  # the target languages, in the order of the outputs and of input.targets
    if read_json(snakemake.input.run)["status"] != "ok":  # a diverged run has no model; its outputs are empty
        for path in snakemake.output:
            save_vector(path, np.zeros(0, dtype=np.float32))
        print("the run diverged: empty vectors (its steered generations are empty too)", file=sys.stderr)
    else:
        source = read_text_lines(snakemake.input.source)[: settings["texts"]]
        targets = {lang: read_text_lines(path)[: settings["texts"]]
                   for lang, path in zip(langs, snakemake.input.targets, strict=True)}
        model, tokenizer = get_method(run["base_method"]).load(Path(snakemake.input.backbone),
                                                               Path(snakemake.input.model))
        family = get_family(model, snakemake.params.family_settings)
        layer, source_lang = int(snakemake.wildcards.layer), snakemake.params.source_lang
        vectors = steering_vectors(model, tokenizer, family, targets, source, source_lang=source_lang, layer=layer,
                                   max_length=settings["max_length"])
        for (lang, vector), path in zip(vectors.items(), snakemake.output, strict=True):
            save_vector(path, vector)
            print(f"{lang} - {source_lang} at decoder layer {layer}: {len(targets[lang])} and {len(source)} lines, "
                  f"norm {float((vector ** 2).sum()) ** 0.5:.4g}", file=sys.stderr)
