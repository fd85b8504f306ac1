"""A steering vector of one trained run (xlgen.remedies.steering): the mean output of one
decoder layer over the target language's unlabeled text minus that over the source
language's, saved as a .npy under results/steering/."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0], snakemake.resources):  # bad input: one log line, exit 1; else a usage line
    import sys
    from pathlib import Path

    import numpy as np
    import torch

    from xlgen.families import get_family
    from xlgen.io import read_json, read_text_lines
    from xlgen.methods import get_method
    from xlgen.remedies.steering import save_vector, steering_vector

    torch.set_num_threads(snakemake.threads)
    run = snakemake.params.run  # the trained run's identity record
    settings = snakemake.params.settings
    if read_json(snakemake.input.run)["status"] != "ok":  # a diverged run has no model; its outputs are empty
        save_vector(snakemake.output[0], np.zeros(0, dtype=np.float32))
        print("the run diverged: an empty vector (its steered generations are empty too)", file=sys.stderr)
    else:
        texts = {key: read_text_lines(getattr(snakemake.input, key))[: settings["texts"]]
                 for key in ("target", "source")}
        model, tokenizer = get_method(run["base_method"]).load(Path(snakemake.input.backbone),
                                                               Path(snakemake.input.model))
        family = get_family(model, snakemake.params.family_settings)
        lang, layer = snakemake.wildcards.lang, int(snakemake.wildcards.layer)
        source_lang = snakemake.params.source_lang
        vector = steering_vector(model, tokenizer, family, texts["target"], texts["source"], target_lang=lang,
                                 source_lang=source_lang, layer=layer, max_length=settings["max_length"])
        save_vector(snakemake.output[0], vector)
        print(f"{lang} - {source_lang} at decoder layer {layer}: {len(texts['target'])} and "
              f"{len(texts['source'])} lines, norm {float((vector ** 2).sum()) ** 0.5:.4g}", file=sys.stderr)
