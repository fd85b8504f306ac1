"""A dataset adapter written the way a user adds one: this module and one task_catalog entry
(`dataset: tiny_news`, with tests/plugins on PYTHONPATH) are all it takes. Its data is a
hub-shaped local copy (`tiny/news`: one config per language, `document` and `headline`
columns), built by tests/test_dataset_plugins.py from the XQuAD fixtures."""

from xlgen.datasets import DatasetAdapter, DatasetRef

HUB_ID = "tiny/news"
LANGUAGES = ("en", "de", "ru", "zh")


class TinyNews(DatasetAdapter):
    name = "tiny_news"
    kind = "summarization"
    columns = {HUB_ID: {"id": "string", "document": "string", "headline": "string"}}

    def languages(self):
        return LANGUAGES

    def sources(self, lang):
        if lang not in LANGUAGES:
            raise self.unknown_language(lang)
        return {split: DatasetRef(HUB_ID, lang, hub_split)
                for split, hub_split in (("train", "train"), ("dev", "validation"), ("test", "test"))}

    def record(self, row, lang):
        source, target = row["document"].strip(), row["headline"].strip()
        if not source or not target:
            return None
        return {"id": row["id"], "lang": lang, "source": source, "target": target}


ADAPTER = TinyNews()
