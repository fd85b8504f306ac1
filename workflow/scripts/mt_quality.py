"""MT quality behind the translation baselines: chrF on held-out parallel text per target,
beside what translating the training data kept."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import sys
    from pathlib import Path

    import pandas as pd

    from xlgen.io import read_json
    from xlgen.tables import translation_stat_column, write_csv
    from xlgen.tasks import get_kind, read_records
    from xlgen.translation import make_translator, mt_quality, parallel_texts

    p = snakemake.params
    source = read_records(p.kind, snakemake.input.source, p.source_lang)
    targets = {Path(path).parent.name: read_records(p.kind, path, Path(path).parent.name)
               for path in snakemake.input.targets}
    kept = {}
    for path in snakemake.input.stats:  # results/data/translated/<task>/<lang>/stats.json
        stats = read_json(path)
        train = stats["train"]
        kept.setdefault(stats["lang"], {})[f"{stats['task']}_train_kept"] = train["n_out"] / train["n_in"]
        kind = get_kind(p.kinds[stats["task"]])
        column = translation_stat_column(stats["task"], kind)
        if column is not None:  # the rate the task's kind declares (TaskKind.translation_stat)
            kept[stats["lang"]][column] = train[kind.translation_stat[0]]
    translator = make_translator(p.translate, snakemake.input.mt)
    rows = []
    for lang, records in targets.items():
        src_texts, ref_texts = parallel_texts(p.kind, source, records)
        row = mt_quality(translator, src_texts, ref_texts, p.source_lang, lang)
        rows.append({"mt": translator.name, **row, "parallel_text": f"{p.task} test inputs",
                     **kept.get(lang, {})})
        print(f"{p.source_lang}->{lang}: chrF {row['chrf']:.1f} on {row['n']} texts", file=sys.stderr)
        if p.translate_test:  # translate-test translates the other way as well
            back = mt_quality(translator, ref_texts, src_texts, lang, p.source_lang)
            rows.append({"mt": translator.name, **back, "parallel_text": f"{p.task} test inputs"})
            print(f"{lang}->{p.source_lang}: chrF {back['chrf']:.1f}", file=sys.stderr)
    write_csv(pd.DataFrame(rows), snakemake.output[0])
