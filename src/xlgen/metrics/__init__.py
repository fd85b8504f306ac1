"""Evaluation metrics that hold in every script (issue 3): pure functions of texts.

Modules: scripts (Unicode script of text), tokenize (ROUGE/QA/sacrebleu tokenization),
summarization (ROUGE, BLEU, chrF), qa (SQuAD and Unicode EM/F1), mlqa and flavours (a
dataset's metric flavour), langid (wrong-language rate), fasttext_lid (lid.176 language
identification), confusion (the Language Confusion Benchmark's line- and word-level pass
rates). Quality metrics are on a 0-100 scale, rates and shares 0-1. What runs them over a
task kind's predictions (every metric of one file, in parallel chunks) is xlgen.scoring,
above the task kinds.
"""
