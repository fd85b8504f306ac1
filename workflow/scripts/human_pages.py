"""The rating pages (`pages/<lang>/<annotator>.html`) and sheets (`sheets/<lang>/<annotator>.csv`)
of every language and annotator of a study, with the guidelines as text beside the sheets."""

from xlgen.io import one_line_errors

with one_line_errors(snakemake.log[0]):  # bad input: one line in the log, exit 1
    import sys

    from xlgen.human.page import guidelines_text, page_data, render_page, sheet
    from xlgen.io import atomic_directory, read_json, read_jsonl

    items = read_jsonl(snakemake.input.sample)
    study = read_json(snakemake.input.study)
    pairs = [(lang, annotator) for lang in study["languages"] for annotator in study["annotators"][lang]]
    with atomic_directory(snakemake.output.pages) as pages, atomic_directory(snakemake.output.sheets) as sheets:
        for lang, annotator in pairs:
            (pages / lang).mkdir(exist_ok=True)
            (pages / lang / f"{annotator}.html").write_text(render_page(page_data(items, study, lang, annotator)),
                                                             encoding="utf-8")
            (sheets / lang).mkdir(exist_ok=True)
            frame = sheet(items, study, lang, annotator)
            (sheets / lang / f"{annotator}.csv").write_text(frame.to_csv(index=False), encoding="utf-8")
        (sheets / "GUIDELINES.txt").write_text(guidelines_text(study), encoding="utf-8")
    print(f"{len(pairs)} pages and sheets of study {study['study_id']}", file=sys.stderr)
