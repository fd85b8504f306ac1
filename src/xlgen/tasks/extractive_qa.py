"""Extractive question answering (SQuAD-style, generated): question and context in, the
answer span out.

Record: {"id", "lang", "context", "question", "answers" (every gold answer text), "source"
(the model input, qa_source), "target" (the first answer)}. Metrics: exact match and token
F1, SQuAD's official normalization and a Unicode-aware one (xlgen.metrics.qa); main metric
f1_unicode. Baseline: the most frequent training answer of the language.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

from xlgen.io import InputError
from xlgen.languages import occurs_as_words, word_position
from xlgen.tasks.base import TaskKind


def qa_source(question: str, context: str) -> str:
    """The one documented model-input template for QA: f"question: {question} context: {context}"
    (the mT5/T5 SQuAD convention)."""
    return f"question: {question} context: {context}"


def qa_record(key, lang: str, context: str, question: str, answers: list[str]) -> dict:
    """A record of the kind from its parts (the first answer is the target)."""
    return {"id": key, "lang": lang, "context": context, "question": question, "answers": list(answers),
            "source": qa_source(question, context), "target": answers[0]}


def _squeeze(text: str) -> str:
    return " ".join(text.split())


class ExtractiveQA(TaskKind):
    name = "extractive_qa"
    required_fields = ("id", "lang", "context", "question", "answers", "source", "target")
    text_fields = ("context", "question", "source", "target")
    input_field = "context"
    main_metric = "f1_unicode"
    metrics = ("em", "f1", "em_unicode", "f1_unicode")
    baseline_name = "majority_answer"
    baseline_uses_train = True
    translation_stat = ("answer_found_rate", "QA train answers kept")
    # `source` is "question: ... context: ..." (qa_source)
    prompt = "Answer the question in {language} with a span of the context.\n\n{source}\n\nAnswer:"
    prompt_without_language = "Answer the question with a span of the context.\n\n{source}\n\nAnswer:"

    def check_fields(self, record):
        answers = record["answers"]
        hub_hint = "; the hub's {text, answer_start} answers become a list of their texts"
        if isinstance(answers, dict):
            raise InputError(f"'answers' is a dict with keys {sorted(answers)}: expected a non-empty list of "
                             f"strings{hub_hint}")
        if not isinstance(answers, list) or not answers:
            raise InputError(f"'answers' is {answers!r}: expected a non-empty list of strings")
        for i, answer in enumerate(answers):
            if isinstance(answer, dict):
                raise InputError(f"'answers[{i}]' is a dict with keys {sorted(answer)}: expected a string{hub_hint}")
            if not isinstance(answer, str) or not answer.strip():
                raise InputError(f"'answers[{i}]' is {answer!r}: expected a non-empty string")

    def references(self, record):
        return list(record["answers"])

    def per_example(self, lang, predictions, refs):
        # nltk (through xlgen.metrics.tokenize) takes seconds to import: the DAG and the config check skip it
        from xlgen.metrics.qa import qa_per_example

        return qa_per_example(lang, predictions, refs)

    def baseline(self, lang, records, train):
        (answer, _), = Counter(r["target"] for r in train).most_common(1)
        return [answer] * len(records)

    # Why hand-written: no allowed library translates QA records keeping the answer inside
    # the context (the marker technique of translate-train QA baselines is string work).
    def translate_records(self, records, translate: Callable[[list[str]], list[str]], src, tgt,
                          markers: tuple[str, str] = ("«", "»")):
        """Question, context and first answer translated consistently: the answer's first
        whole-word occurrence in the context is wrapped in `markers` and the marked context
        translated; if each marker comes back exactly once around a non-empty span, that span
        is the answer. Otherwise context and answer are translated separately. A record is
        kept only if its translated answer occurs in its translated context and no
        translated text is empty. stats add marker_kept, answer_found and answer_found_rate."""
        n_in = len(records)
        open_mark, close_mark = markers
        questions = translate([r["question"] for r in records])
        marked_idx, marked = [], []
        for i, r in enumerate(records):
            answer, context = r["answers"][0], r["context"]
            start = -1 if open_mark in context or close_mark in context else word_position(src, answer, context)
            if start != -1:
                end = start + len(answer)
                marked_idx.append(i)
                marked.append(f"{context[:start]}{open_mark}{answer}{close_mark}{context[end:]}")
        contexts: list[str | None] = [None] * n_in
        answers: list[str | None] = [None] * n_in
        for i, text in zip(marked_idx, translate(marked)):
            once = text.count(open_mark) == 1 and text.count(close_mark) == 1
            if once and text.index(open_mark) < text.index(close_mark):
                before, rest = text.split(open_mark)
                inside, after = rest.split(close_mark)
                if inside.strip():
                    answers[i] = _squeeze(inside)
                    contexts[i] = _squeeze(f"{before}{inside}{after}")
        marker_kept = sum(a is not None for a in answers)
        rest = [i for i in range(n_in) if answers[i] is None]
        for i, c, a in zip(rest, translate([records[i]["context"] for i in rest]),
                           translate([records[i]["answers"][0] for i in rest])):
            contexts[i], answers[i] = c, _squeeze(a)

        out, found = [], 0
        for r, q, c, a in zip(records, questions, contexts, answers):
            if not (a and c and occurs_as_words(tgt, a, c)):
                continue
            found += 1
            if not q.strip():
                continue
            out.append(qa_record(f"{r['id']}@{tgt}", tgt, c, q, [a]))
        stats = {"n_in": n_in, "n_out": len(out), "dropped_empty": found - len(out), "marker_kept": marker_kept,
                 "answer_found": found, "answer_found_rate": found / n_in if n_in else 0.0}
        return out, stats

    def translate_inputs(self, records, translate):
        questions = translate([r["question"] for r in records])
        contexts = translate([r["context"] for r in records])
        return [{**r, "source": qa_source(q, c)} for r, q, c in zip(records, questions, contexts)]
