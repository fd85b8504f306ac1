"""TyDi QA GoldP (Clark et al. 2020), the gold-passage task, zero-shot from English.

Hub: `google-research-datasets/tydiqa`, config `secondary_task`, plain parquet on main since
its "Convert dataset to Parquet" commit (the loading script deleted): files
`secondary_task/{train,validation}-00000-of-00001.parquet` with the README's `configs`;
columns id, title, context, question, answers{text string, answer_start int32}; 49,881
train and 5,077 validation rows. Every language is in one split, the language given by the
id's prefix ("arabic-2387335860751143628-1"), as the benchmark's own
gold_passage_baseline/split_predictions.py reads it. GoldP has nine languages: arabic
bengali english finnish indonesian korean russian swahili telugu (Japanese and Thai are
TyDi QA primary-task languages only). Offered: those xlgen.languages knows (all nine once
its Finnish row is there).

English: train <- train rows of English. Every language (English included): dev and test
<- its validation rows, split by article `title` (xlgen.hub.dev_test_split over the whole
validation split; no article is in both). GoldP reports SQuAD v1.1 EM/F1 (the kind's `em`,
`f1`): no metric flavour.

`record` returns None for a row of another language: xlgen.hub counts those rows among the
"unusable" ones it logs.
"""

from __future__ import annotations

from xlgen.datasets import DatasetAdapter, DatasetRef
from xlgen.datasets.squad_xquad import squad_row_record
from xlgen.languages import LANGUAGES

TYDIQA = "google-research-datasets/tydiqa"
CONFIG = "secondary_task"
# GoldP's languages -> the id prefix of their rows
GOLDP_LANGUAGES = {"ar": "arabic", "bn": "bengali", "en": "english", "fi": "finnish", "id": "indonesian",
                   "ko": "korean", "ru": "russian", "sw": "swahili", "te": "telugu"}
# the ones offered: those xlgen.languages knows
ID_PREFIXES = {lang: name for lang, name in GOLDP_LANGUAGES.items() if lang in LANGUAGES}
ANSWERS = {"text": ["string"], "answer_start": ["int32"]}


def row_language(row_id: str) -> str:
    """The TyDi language name an id starts with ("arabic-123-0" -> "arabic")."""
    return str(row_id).split("-", 1)[0]


class TyDiQAGoldP(DatasetAdapter):
    name = "tydiqa_goldp"
    kind = "extractive_qa"
    columns = {TYDIQA: {"id": "string", "title": "string", "context": "string", "question": "string",
                        "answers": ANSWERS}}
    group_columns = ("id", "title")

    def languages(self):
        return tuple(ID_PREFIXES)

    def sources(self, lang):
        if lang not in ID_PREFIXES:
            raise self.unknown_language(lang)
        validation = DatasetRef(TYDIQA, CONFIG, "validation")
        refs = {"dev": validation, "test": validation}
        if lang == "en":
            refs = {"train": DatasetRef(TYDIQA, CONFIG, "train"), **refs}
        return refs

    def record(self, row, lang):
        """A row of `lang` as a QA record; None for another language's row (or an unusable one)."""
        if row_language(row["id"]) != ID_PREFIXES[lang]:
            return None
        return squad_row_record(row, lang)

    def rows_of(self, dataset, lang):
        """The language's rows (by id prefix): dev/test are split, and caps rank, among them."""
        prefix = ID_PREFIXES[lang]
        return [i for i, key in enumerate(dataset.select_columns(["id"]).to_dict()["id"])
                if row_language(key) == prefix]

    def group_keys(self, rows):
        """The article: its language and title (titles are per-language Wikipedia titles)."""
        return [f"{row_language(row['id'])}/{row['title']}" for row in rows]


ADAPTER = TyDiQAGoldP()
