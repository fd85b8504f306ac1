"""Summarization: an article in, its summary out.

Record: {"id", "lang", "source" (the article), "target" (the summary)}. Metrics: ROUGE-1/2/L
per example (language-aware tokenization, xlgen.metrics.summarization) and corpus BLEU and
chrF; main metric ROUGE-L. Baseline: the lead sentence of the article.
"""

from __future__ import annotations

import re
from typing import Callable

from xlgen.tasks.base import TaskKind

_SENTENCE_END = re.compile(r"(?<=[.!?。！？؟])\s*")


def lead_sentence(text: str, lang: str) -> str:
    """The first sentence of an article (the lead baseline of summarization).

    Sentences end with . ! ? 。 ！ ？ ؟; Thai marks no sentence end but a space, so its
    lead is the text up to the first space.
    """
    text = text.strip()
    if lang == "th":
        return text.split(" ", 1)[0]
    parts = [p for p in _SENTENCE_END.split(text) if p.strip()]
    return parts[0].strip() if parts else text


class Summarization(TaskKind):
    name = "summarization"
    required_fields = ("id", "lang", "source", "target")
    text_fields = ("source", "target")
    input_field = "source"
    main_metric = "rougeL"
    metrics = ("rouge1", "rouge2", "rougeL")
    baseline_name = "lead"
    prompt = "Summarize the following article in {language}.\n\n{source}\n\nSummary:"
    prompt_without_language = "Summarize the following article.\n\n{source}\n\nSummary:"

    def per_example(self, lang, predictions, refs):
        # rouge-score, sacrebleu and nltk take seconds to import: the DAG and the config check skip them
        from xlgen.metrics.summarization import rouge_per_example

        return rouge_per_example(lang, predictions, refs)

    def corpus(self, lang, predictions, refs, bootstrap_samples):
        # heavy imports (sacrebleu, nltk), as in per_example
        from xlgen.metrics.summarization import corpus_bleu_chrf
        from xlgen.metrics.tokenize import rouge_tokenization

        return {"rouge_tokenization": rouge_tokenization(lang),
                **corpus_bleu_chrf(lang, predictions, refs, bootstrap_samples)}

    def baseline(self, lang, records, train):
        return [lead_sentence(r["source"], lang) for r in records]

    def translate_records(self, records, translate: Callable[[list[str]], list[str]], src, tgt):
        n_in = len(records)
        sources = translate([r["source"] for r in records])
        targets = translate([r["target"] for r in records])
        out = [{"id": f"{r['id']}@{tgt}", "lang": tgt, "source": s, "target": t}
               for r, s, t in zip(records, sources, targets) if s.strip() and t.strip()]
        return out, {"n_in": n_in, "n_out": len(out), "dropped_empty": n_in - len(out)}

    def translate_inputs(self, records, translate):
        sources = translate([r["source"] for r in records])
        return [{**r, "source": s} for r, s in zip(records, sources)]
