"""WikiLingua (Ladhak et al. 2020) in its GEM v2 form (`GEM/wiki_lingua`): WikiHow how-to
articles and their summaries, zero-shot from English. Per language `xx` the GEM config `xx`
holds xx articles with xx summaries; English train/dev/test <- config `en` train/validation/
test, every other language's dev <- its config's validation and test <- its test.

Why this repository and layout (checked for issue 14):
* `GEM/wiki_lingua` main holds the GEM loading script (wiki_lingua.py + data tarball), which
  datasets>=4 refuses; its parquet export (refs/convert/parquet) has one folder per config
  and split, `en/train/0000.parquet`, as XL-Sum's does. Configs: the 18 languages (ar cs de
  en es fr hi id it ja ko nl pt ru th tr vi zh) and their pairs (`es_en`, `de_hi`, ...);
  splits train, validation, test, sampled_validation, sampled_test. Columns: gem_id,
  gem_parent_id, source_language, target_language, source (article), target (summary),
  references (list of strings). Offered: the languages xlgen.languages knows.
* `esdurmus/wiki_lingua` (the original release) is plain parquet on main since its
  "Convert dataset to Parquet" commit, but has a train split only (`arabic/train-*.parquet`,
  ...), no validation or test: it would need a three-way split of one hub split, which
  xlgen.hub does not do.
* `csebuetnlp/CrossSum` (the other candidate) still has only its loading script on main;
  its parquet conversion is an unmerged pull request.

Two things of this layout the generic code has to know (see xlgen.hub): the id column is
`gem_id` (`id_column`), and a config folder also holds `sampled_validation/` and
`sampled_test/`, which the `datasets` split inference from folder names files under
validation and test unless the files of a split are named explicitly.
The train articles are the target-language unlabeled text (`unlabeled`).
"""

from __future__ import annotations

from xlgen.datasets import DatasetAdapter, DatasetRef, HubLayout
from xlgen.languages import LANGUAGES as REGISTRY

WIKILINGUA = "GEM/wiki_lingua"
# WikiLingua's languages (each a GEM config, named by its code); offered: those
# xlgen.languages knows
WIKILINGUA_LANGUAGES = ("ar", "cs", "de", "en", "es", "fr", "hi", "id", "it", "ja", "ko", "nl", "pt", "ru", "th",
                        "tr", "vi", "zh")
LANGUAGES = tuple(lang for lang in WIKILINGUA_LANGUAGES if lang in REGISTRY)


class WikiLingua(DatasetAdapter):
    name = "wikilingua"
    kind = "summarization"
    columns = {WIKILINGUA: {"gem_id": "string", "gem_parent_id": "string", "source_language": "string",
                            "target_language": "string", "source": "string", "target": "string",
                            "references": ["string"]}}
    layouts = {WIKILINGUA: HubLayout(revision="refs/convert/parquet", config_is_folder=True)}
    # the column that identifies a row (xlgen.hub reads "id" by default)
    id_column = "gem_id"
    group_columns = ("gem_id",)

    def languages(self):
        return LANGUAGES

    def sources(self, lang):
        if lang not in LANGUAGES:
            raise self.unknown_language(lang)
        return {"train": DatasetRef(WIKILINGUA, lang, "train"), "dev": DatasetRef(WIKILINGUA, lang, "validation"),
                "test": DatasetRef(WIKILINGUA, lang, "test")}

    def record(self, row, lang):
        """The article is the source, the summary the target; None if either is empty."""
        source, target = row["source"].strip(), row["target"].strip()
        if not source or not target:
            return None
        return {"id": row["gem_id"], "lang": lang, "source": source, "target": target}

    def group_keys(self, rows):
        return [str(row["gem_id"]) for row in rows]

    def unlabeled(self, lang):
        return self.sources(lang)["train"], "source"


ADAPTER = WikiLingua()
