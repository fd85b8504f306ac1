"""The main table of one task at the source_dev learning rate (CSV and Markdown), and the
paired bootstrap tests of each method against full finetuning."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import sys

    import pandas as pd

    from xlgen.io import write_text
    from xlgen.runs import same_lr
    from xlgen.selection import selected_lrs, task_metric
    from xlgen.tables import main_markdown, main_table, paired_table, read_per_example, with_trainable_share, write_csv

    task = snakemake.wildcards.task
    p = snakemake.params
    selection = pd.read_csv(snakemake.input.selection, keep_default_na=False, na_values=[""])
    chosen = selected_lrs(selection)

    def selected(keys):  # only the selected runs are read: a sweep holds many more
        lr = chosen.get((keys["backbone"], keys["method"]))
        return lr is not None and same_lr(keys["lr"], lr)

    per_example = read_per_example(snakemake.input.per_example, keep=selected)
    main = main_table(per_example, selection, task, p.source_lang, p.target_langs, p.bootstrap_samples, p.seed)
    long = pd.read_csv(snakemake.input.long, keep_default_na=False, na_values=[""])
    main = with_trainable_share(main, long[long["task"] == task])
    write_csv(main, snakemake.output.csv)
    mt = (pd.read_csv(snakemake.input.mt_quality, keep_default_na=False, na_values=[""])
          if "mt_quality" in snakemake.input.keys() else None)
    write_text(snakemake.output.md, main_markdown(main, task, p.source_lang, p.target_langs, mt,
                                                  metric=task_metric(selection, task)))
    paired = paired_table(per_example, selection, task, p.source_lang, p.target_langs, p.bootstrap_samples, p.seed)
    write_csv(paired, snakemake.output.paired)
    print(f"{len(main)} main rows, {len(paired)} paired-test rows", file=sys.stderr)
