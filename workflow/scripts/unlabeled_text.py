"""Unlabeled target-language text (for mix_unsup, graddrop and intermediate tuning): article
sentences of the language's XL-Sum train split (data.hub.unlabeled_dataset), a seeded sample of `max_lines` lines."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import random
    import sys

    from datasets import load_from_disk

    from xlgen.io import write_text

    dataset = load_from_disk(snakemake.input[0])
    lines = [line.strip() for text in dataset[snakemake.params.column] for line in text.split("\n")
             if len(line.strip()) > 20]
    random.Random(snakemake.params.seed).shuffle(lines)
    lines = lines[: snakemake.params.max_lines]
    write_text(snakemake.output[0], "".join(line + "\n" for line in lines))
    print(f"{len(lines)} lines", file=sys.stderr)
