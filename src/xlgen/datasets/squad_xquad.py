"""SQuAD v1.1 -> XQuAD, the study's QA task (Artetxe et al. 2020).

English: SQuAD v1.1 (`rajpurkar/squad`, config plain_text): train <- train; dev and test <-
validation, split by article `title`. Other languages: XQuAD (`google/xquad`, config
`xquad.<lang>`): its only split, validation (1,190 questions a language, the same ids in
every language), split into dev and test by paragraph, so every language gets the same
questions in dev and in test. XQuAD has no train split: it is evaluation data.
"""

from __future__ import annotations

from xlgen.datasets import DatasetAdapter, DatasetRef, squad_group_keys
from xlgen.tasks.extractive_qa import qa_record

SQUAD = "rajpurkar/squad"
XQUAD = "google/xquad"
SQUAD_CONFIG = "plain_text"
XQUAD_LANGUAGES = ("ar", "de", "el", "en", "es", "hi", "ro", "ru", "th", "tr", "vi", "zh")
ANSWERS = {"text": ["string"], "answer_start": ["int32"]}


def squad_row_record(row, lang: str) -> dict | None:
    """A SQuAD-format row (id, [title,] context, question, answers{text, answer_start}) as an
    extractive QA record: every non-empty answer text in order; None without a question,
    context or answer."""
    context, question = row["context"].strip(), row["question"].strip()
    answers = [text.strip() for text in row["answers"]["text"] if text.strip()]
    if not context or not question or not answers:
        return None
    return qa_record(row["id"], lang, context, question, answers)


class SquadXQuAD(DatasetAdapter):
    name = "squad_xquad"
    kind = "extractive_qa"
    columns = {
        SQUAD: {"id": "string", "title": "string", "context": "string", "question": "string", "answers": ANSWERS},
        XQUAD: {"id": "string", "context": "string", "question": "string", "answers": ANSWERS},
    }
    group_columns = ("id", "title", "context")
    parallel = True

    def languages(self):
        return XQUAD_LANGUAGES

    def sources(self, lang):
        if lang == "en":
            return {"train": DatasetRef(SQUAD, SQUAD_CONFIG, "train"),
                    "dev": DatasetRef(SQUAD, SQUAD_CONFIG, "validation"),
                    "test": DatasetRef(SQUAD, SQUAD_CONFIG, "validation")}
        if lang not in XQUAD_LANGUAGES:
            raise self.unknown_language(lang)
        ref = DatasetRef(XQUAD, f"xquad.{lang}", "validation")
        return {"dev": ref, "test": ref}

    def record(self, row, lang):
        return squad_row_record(row, lang)

    def group_keys(self, rows):
        return squad_group_keys(rows)


ADAPTER = SquadXQuAD()
