"""Local copies of the hub repositories of the MLQA, TyDi QA GoldP and WikiLingua adapters
(xlgen.datasets.mlqa, .tydiqa_goldp, .wikilingua), laid out as the hub serves them, with
the hub's features, for offline tests: `write_hub_copies(root)` -> {hub id: directory}; pass
the directory as `source=` of xlgen.hub.download_dataset.

Rows are real human text from the XQuAD fixtures (../shared/fixtures/xquad, SQuAD v1.1 JSON,
the same question ids in every language): QA rows are XQuAD questions (the TyDi ones with
TyDi-style ids "<language name>-<number>-<n>"); WikiLingua rows are XQuAD paragraphs as
"articles" with their first sentence as the "summary" (a stand-in: WikiLingua's summaries
are written, not extracted). `HAVE_XQUAD` / `XQUAD_MISSING` say whether the fixtures are
there (a user's clone has no ../shared).

What each copy holds:
  rajpurkar--squad/               plain_text/{train,validation}-00000-of-00001.parquet + README card
  google--xtreme/                 MLQA.<l>.<l>/{validation,test}-00000-of-00001.parquet + README card
                                  (l in MLQA_COPY_LANGS)
  google-research-datasets--tydiqa/ secondary_task/{train,validation}-00000-of-00001.parquet + card;
                                  english, arabic and russian rows mixed in each split
  GEM--wiki_lingua/               the parquet export: <config>/<split>/0000.parquet for the configs
                                  in WIKILINGUA_COPY_LANGS and the splits train, validation, test,
                                  sampled_validation, sampled_test (no README, as that branch)
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from datasets import Dataset, Features, List, Value

XQUAD = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "xquad"
HAVE_XQUAD = (XQUAD / "xquad.en.json").exists()
XQUAD_MISSING = f"XQuAD fixtures not found at {XQUAD} (they live beside the repository)"

SQUAD, XTREME = "rajpurkar/squad", "google/xtreme"
TYDIQA, WIKILINGUA = "google-research-datasets/tydiqa", "GEM/wiki_lingua"
DIRS = {SQUAD: "rajpurkar--squad", XTREME: "google--xtreme", TYDIQA: "google-research-datasets--tydiqa",
        WIKILINGUA: "GEM--wiki_lingua"}

MLQA_COPY_LANGS = ("en", "de", "zh", "ar")
TYDI_COPY_LANGS = {"en": "english", "ar": "arabic", "ru": "russian"}
WIKILINGUA_COPY_LANGS = ("en", "de", "zh")
WIKILINGUA_SPLITS = ("train", "validation", "test", "sampled_validation", "sampled_test")
SAMPLED = 2  # rows of a sampled_* split: the first ones of validation / test, same gem_ids

# The hub's features, in the hub's column order.
SQUAD_FEATURES = Features({"id": Value("string"), "title": Value("string"), "context": Value("string"),
                           "question": Value("string"),
                           "answers": {"text": List(Value("string")), "answer_start": List(Value("int32"))}})
XTREME_MLQA_FEATURES = Features({"id": Value("string"), "title": Value("string"), "context": Value("string"),
                                 "question": Value("string"),
                                 "answers": {"answer_start": List(Value("int32")), "text": List(Value("string"))}})
TYDIQA_FEATURES = SQUAD_FEATURES  # id, title, context, question, answers{text, answer_start}
WIKILINGUA_FEATURES = Features({**{k: Value("string") for k in ("gem_id", "gem_parent_id", "source_language",
                                                                 "target_language", "source", "target")},
                                "references": List(Value("string"))})

# Which XQuAD articles (by index, 48 in all) feed which copy, and how many paragraphs of each.
ARTICLES = {
    ("squad", "train"): range(0, 4), ("squad", "validation"): range(4, 6),
    ("mlqa", "validation"): range(6, 9), ("mlqa", "test"): range(9, 14),
    ("tydi", "train"): range(14, 18), ("tydi", "validation"): range(18, 28),
    ("wikilingua", "train"): range(28, 34), ("wikilingua", "validation"): range(34, 38),
    ("wikilingua", "test"): range(38, 44),
}
PARAGRAPHS = 2

_SENTENCE_END = re.compile(r"(?<=[.!?。！？؟])\s*")


def xquad(lang: str, xquad_dir: Path = XQUAD) -> list[dict]:
    """The articles of xquad.<lang>.json (SQuAD v1.1 JSON `data`)."""
    return json.loads((Path(xquad_dir) / f"xquad.{lang}.json").read_text(encoding="utf-8"))["data"]


def qa_rows(articles: list[dict], which: range, key=lambda qa_id: qa_id) -> list[dict]:
    """SQuAD-format rows (id, title, context, question, answers{text, answer_start}) of the
    first PARAGRAPHS paragraphs of articles `which`; `key` maps the XQuAD id to the row's."""
    rows = []
    for index in which:
        article = articles[index]
        for paragraph in article["paragraphs"][:PARAGRAPHS]:
            for qa in paragraph["qas"]:
                rows.append({"id": key(qa["id"]), "title": article["title"], "context": paragraph["context"],
                             "question": qa["question"],
                             "answers": {"text": [a["text"] for a in qa["answers"]],
                                         "answer_start": [a["answer_start"] for a in qa["answers"]]}})
    return rows


def tydi_id(language: str, xquad_id: str) -> str:
    """A TyDi GoldP-style id: "<language name>-<19-digit number>-0"."""
    number = int(hashlib.sha1(xquad_id.encode()).hexdigest()[:15], 16)
    return f"{language}-{number}-0"


def first_sentence(text: str) -> str:
    parts = [p for p in _SENTENCE_END.split(text.strip()) if p.strip()]
    return parts[0].strip()


def wikilingua_rows(lang: str, split: str, xquad_dir: Path = XQUAD) -> list[dict]:
    """GEM wiki_lingua rows of config `lang`: XQuAD paragraphs, first sentence as summary."""
    if split.startswith("sampled_"):
        return wikilingua_rows(lang, split.removeprefix("sampled_"), xquad_dir)[:SAMPLED]
    articles = xquad(lang, xquad_dir)
    rows = []
    for index in ARTICLES["wikilingua", split]:
        for p, paragraph in enumerate(articles[index]["paragraphs"][:PARAGRAPHS]):
            gem_id = f"wikilingua_{lang}-{split}-{index}-{p}"
            summary = first_sentence(paragraph["context"])
            rows.append({"gem_id": gem_id, "gem_parent_id": gem_id, "source_language": lang,
                         "target_language": lang, "source": paragraph["context"], "target": summary,
                         "references": [summary]})
    return rows


def _yaml_features(features: Features) -> str:
    """dataset_info `features:` as the hub's cards write them (legacy `sequence` for QA answers)."""
    out = []
    for name, feature in features.items():
        if isinstance(feature, dict):
            out.append(f"  - name: {name}\n    sequence:\n"
                       + "".join(f"    - name: {k}\n      dtype: {v.feature.dtype}\n" for k, v in feature.items()))
        elif isinstance(feature, List):
            out.append(f"  - name: {name}\n    sequence: {feature.feature.dtype}\n")
        else:
            out.append(f"  - name: {name}\n    dtype: {feature.dtype}\n")
    return "".join(out)


def card(configs: dict[str, dict[str, int]], features: Features) -> str:
    """A README.md dataset card like the hub's: dataset_info (features, split sizes, which
    load_dataset verifies) and `configs` with each split's files."""
    info, cfg = [], []
    for name, splits in configs.items():
        info.append(f"- config_name: {name}\n  features:\n{_yaml_features(features)}  splits:\n"
                    + "".join(f"  - name: {s}\n    num_bytes: {1000 * n}\n    num_examples: {n}\n"
                              for s, n in splits.items()))
        cfg.append(f"- config_name: {name}\n  data_files:\n"
                   + "".join(f"  - split: {s}\n    path: {name}/{s}-*\n" for s in splits))
    return "---\ndataset_info:\n" + "".join(info) + "configs:\n" + "".join(cfg) + "---\n"


def _write_repo(repo: Path, splits: dict[str, dict[str, list[dict]]], features: Features) -> None:
    """<config>/<split>-00000-of-00001.parquet for every config and split, and the card."""
    for config, by_split in splits.items():
        for split, rows in by_split.items():
            path = repo / config / f"{split}-00000-of-00001.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            Dataset.from_list(rows, features=features).to_parquet(path)
    sizes = {config: {split: len(rows) for split, rows in by_split.items()} for config, by_split in splits.items()}
    (repo / "README.md").write_text(card(sizes, features), encoding="utf-8")


def squad_splits(xquad_dir: Path = XQUAD) -> dict[str, list[dict]]:
    en = xquad("en", xquad_dir)
    return {split: qa_rows(en, ARTICLES["squad", split]) for split in ("train", "validation")}


def mlqa_splits(lang: str, xquad_dir: Path = XQUAD) -> dict[str, list[dict]]:
    articles = xquad(lang, xquad_dir)
    return {split: qa_rows(articles, ARTICLES["mlqa", split]) for split in ("validation", "test")}


def tydi_splits(xquad_dir: Path = XQUAD) -> dict[str, list[dict]]:
    """secondary_task train and validation: every copied language, interleaved by article as
    in one mixed split."""
    out = {}
    for split in ("train", "validation"):
        per_lang = {lang: xquad(lang, xquad_dir) for lang in TYDI_COPY_LANGS}
        rows = []
        for index in ARTICLES["tydi", split]:
            for lang, name in TYDI_COPY_LANGS.items():
                rows += qa_rows(per_lang[lang], range(index, index + 1), key=lambda i, n=name: tydi_id(n, i))
        out[split] = rows
    return out


def write_hub_copies(root: str | Path, xquad_dir: Path = XQUAD) -> dict[str, Path]:
    """Write the four local hub copies under `root`; return {hub id: directory}."""
    root = Path(root)
    dirs = {hub_id: root / name for hub_id, name in DIRS.items()}
    _write_repo(dirs[SQUAD], {"plain_text": squad_splits(xquad_dir)}, SQUAD_FEATURES)
    _write_repo(dirs[XTREME], {f"MLQA.{lang}.{lang}": mlqa_splits(lang, xquad_dir) for lang in MLQA_COPY_LANGS},
                XTREME_MLQA_FEATURES)
    _write_repo(dirs[TYDIQA], {"secondary_task": tydi_splits(xquad_dir)}, TYDIQA_FEATURES)
    for lang in WIKILINGUA_COPY_LANGS:  # the parquet export: <config>/<split>/0000.parquet
        for split in WIKILINGUA_SPLITS:
            path = dirs[WIKILINGUA] / lang / split / "0000.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            Dataset.from_list(wikilingua_rows(lang, split, xquad_dir), features=WIKILINGUA_FEATURES).to_parquet(path)
    return dirs
