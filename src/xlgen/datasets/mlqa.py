"""SQuAD v1.1 -> MLQA (Lewis et al. 2020), zero-shot: MLQA's own protocol, training on
SQuAD v1.1 and evaluating in each language with context and question in that language.

English: train <- SQuAD v1.1 train (`rajpurkar/squad`, plain_text, as squad_xquad); dev <-
MLQA `MLQA.en.en` validation, test <- its test. Other languages (ar de es hi vi zh): dev <-
`MLQA.<lang>.<lang>` validation (MLQA's development split), test <- its test; no re-splitting.
Scored also with MLQA's official EM/F1 (metric flavour "mlqa", xlgen.metrics.mlqa).

Where the data is read (hub pages read for issue 14): `facebook/mlqa`, MLQA's own repository
(configs `mlqa.<context>.<question>`; columns context, question, answers{answer_start int32,
text string}, id), holds only its loading script mlqa.py and README on main (last commit
397ed40 "Delete legacy JSON metadata"), which datasets>=4 refuses; its pages show no dataset
viewer, hence no parquet export (refs/convert/parquet) to fall back on, and its "Convert
dataset to Parquet" pull request (#5) was open on the pages read. The same MLQA v1 data (MLQA_V1.zip) is
plain parquet on `google/xtreme` main since its "Convert dataset to Parquet" commits: configs
`MLQA.<context>.<question>`, files `MLQA.en.en/{validation,test}-00000-of-00001.parquet`
listed in the README's `configs`, columns id, title, context, question, answers{answer_start
int32, text string} (the xtreme builder adds MLQA's article title). This adapter reads that.
"""

from __future__ import annotations

from xlgen.datasets import DatasetAdapter, DatasetRef
from xlgen.datasets.squad_xquad import ANSWERS, SQUAD, SQUAD_CONFIG, squad_row_record

XTREME = "google/xtreme"
MLQA_LANGUAGES = ("ar", "de", "en", "es", "hi", "vi", "zh")


def mlqa_config(lang: str) -> str:
    """The google/xtreme config of MLQA with context and question in `lang`."""
    return f"MLQA.{lang}.{lang}"


class MLQA(DatasetAdapter):
    name = "mlqa"
    kind = "extractive_qa"
    columns = {
        SQUAD: {"id": "string", "title": "string", "context": "string", "question": "string", "answers": ANSWERS},
        XTREME: {"id": "string", "title": "string", "context": "string", "question": "string", "answers": ANSWERS},
    }
    metric_flavour = "mlqa"

    def languages(self):
        return MLQA_LANGUAGES

    def sources(self, lang):
        if lang not in MLQA_LANGUAGES:
            raise self.unknown_language(lang)
        refs = {"dev": DatasetRef(XTREME, mlqa_config(lang), "validation"),
                "test": DatasetRef(XTREME, mlqa_config(lang), "test")}
        if lang == "en":
            refs = {"train": DatasetRef(SQUAD, SQUAD_CONFIG, "train"), **refs}
        return refs

    def record(self, row, lang):
        return squad_row_record(row, lang)


ADAPTER = MLQA()
