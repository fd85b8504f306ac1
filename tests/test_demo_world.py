"""Tests for the offline demo world generator (xlgen_demo.world and its data files)."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

import xlgen_demo.world as demo_world
from xlgen.tasks.extractive_qa import qa_source
from xlgen_demo.world import DEMO_LANGUAGES, EVENT_TYPES, write_demo_world

SRC = Path(demo_world.__file__).resolve().parents[1]
SMALL = dict(n_train=120, n_dev=15, n_test=15, n_unlabeled=150, n_parallel=120)
# A small world in every language, pinned: a change to the generator shows in these files. The
# sha256 are those the generator wrote when it still lived in xlgen/demo_world.py with its tables
# in Python; the demo backbones shipped in resources/ were pretrained on such a world.
PINNED_SIZES = dict(n_train=6, n_dev=2, n_test=2, n_unlabeled=8, n_parallel=6)
PINNED_FILES = {
    "summarization/en/train.jsonl": "c428e13e7c166565e219925a594ee8a995f306a7f0298901e288adf6803ddbf8",
    "qa/de/dev.jsonl": "52d4f865b1de60e2c1c6559115e2ca8178dc047b26014472a096411af6e2040e",
    "summarization/es/test.jsonl": "ca058e2b66853a4b6bc2f808e5f5c9e7b232f27df6c1ddd28d7e35cc28050ab8",
    "qa/ru/train.jsonl": "ac61003ec0e18d0677d4c0656ad71bbb90c3758a3a2a3e251732fcb6d4089d9d",
    "unlabeled/zh.txt": "8fcbdb51a6d165e9e8dfe2748e144037cbf9305f6201e40154b30d0c8111f059",
    "parallel/en-ar.jsonl": "ab5cfd990e24d7ef2ed161d8d781342fdd0f59848d6cd07d6454f83daa7e64d9",
    "parallel/en-th.phrases.jsonl": "fe785dbe8e3f1b87a5f6450ec4f6802c38ae2a1e9314674662852cfc09beaf09",
    "qa/vi/test.jsonl": "daa4c01e42b21fed2533c14b8e3726ccaa81f24239db1a4bd54f6363f6188866",
}
# sha256 of every table read from data/*.yaml (as JSON, in file order): a small world uses only
# some templates, so a change to any entry of a data file (not its comments or layout) shows here.
PINNED_TABLES = "fdf4306ff40f538244a22123d2ec49cea8f3a637fe1cb060eafcb2606b29c26f"
SCRIPT_OF = {"en": "LATIN", "de": "LATIN", "es": "LATIN", "vi": "LATIN", "ru": "CYRILLIC",
             "zh": "CJK UNIFIED", "ar": "ARABIC", "th": "THAI"}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("world")
    write_demo_world(root, list(DEMO_LANGUAGES), 7, **SMALL)
    return root


def test_returns_sorted_paths_of_every_file(tmp_path):
    paths = write_demo_world(tmp_path, ["en", "ru"], 1, **SMALL)
    assert paths == sorted(paths)
    expected = {
        *(f"{task}/{lang}/{split}.jsonl" for task in ("summarization", "qa")
          for lang in ("en", "ru") for split in ("train", "dev", "test")),
        "unlabeled/en.txt", "unlabeled/ru.txt", "parallel/en-ru.jsonl", "parallel/en-ru.phrases.jsonl",
    }
    assert {str(p.relative_to(tmp_path)) for p in paths} == expected
    # Atomic writes leave no temp files behind.
    assert {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()} == expected


def test_same_seed_is_byte_identical_and_other_seed_differs(tmp_path):
    write_demo_world(tmp_path / "a", ["en", "zh", "ar"], 3, **SMALL)
    write_demo_world(tmp_path / "b", ["en", "zh", "ar"], 3, **SMALL)
    write_demo_world(tmp_path / "c", ["en", "zh", "ar"], 4, **SMALL)
    a, b, c = (tree_bytes(tmp_path / name) for name in "abc")
    assert a == b
    assert a.keys() == c.keys()
    assert all(a[name] != c[name] for name in a)


def test_same_seed_is_identical_in_another_process(tmp_path):
    write_demo_world(tmp_path / "here", ["en", "th", "vi"], 11, **SMALL)
    code = (
        "import sys; from xlgen_demo.world import write_demo_world; "
        f"write_demo_world(sys.argv[1], ['en', 'th', 'vi'], 11, **{SMALL!r})"
    )
    # A different hash seed in the child would expose any use of hash() for seeding.
    env = {**os.environ, "PYTHONPATH": str(SRC), "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "there")], check=True, env=env)
    assert tree_bytes(tmp_path / "here") == tree_bytes(tmp_path / "there")


def test_a_small_world_is_byte_identical_to_the_pinned_one(tmp_path):
    """Update the pins only for a deliberate change of the world: it changes the fingerprints
    of the prebuilt demo backbones too (rebuild them: make demo-backbones)."""
    write_demo_world(tmp_path, list(DEMO_LANGUAGES), 13, **PINNED_SIZES)
    digests = {name: hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() for name in PINNED_FILES}
    assert digests == PINNED_FILES


def test_the_data_files_are_pinned():
    """The parsed tables of data/*.yaml; question order counts (QA draws follow it)."""
    tables = json.dumps([demo_world._WORLD, demo_world._EVENT_NUMBERS], ensure_ascii=False)
    assert hashlib.sha256(tables.encode("utf-8")).hexdigest() == PINNED_TABLES


def test_every_language_has_a_data_file():
    assert {p.stem for p in demo_world.DATA_DIR.glob("*.yaml")} == {*DEMO_LANGUAGES, "events"}


def test_a_misaligned_data_file_fails_at_import(monkeypatch):
    ru = demo_world._WORLD["ru"]
    monkeypatch.setitem(demo_world._WORLD, "ru", {**ru, "cities": ru["cities"][:-1]})
    with pytest.raises(RuntimeError, match=r"ru\.yaml has 11 cities, English 12"):
        demo_world._validate_world()
    monkeypatch.setitem(demo_world._WORLD, "ru", ru)
    storm = demo_world._TEMPLATES["de"]["storm"]
    swapped = {**storm, "key": (storm["key"][0].replace("{city}", "{company}"), *storm["key"][1:])}
    monkeypatch.setitem(demo_world._TEMPLATES, "de", {**demo_world._TEMPLATES["de"], "storm": swapped})
    with pytest.raises(RuntimeError, match=r"de/storm/key\[0\] slots differ from en"):
        demo_world._validate_world()


def test_the_study_modules_never_import_the_demo():
    """xlgen reaches the demo only by name (`dataset: demo`, xlgen.datasets.NAMED_MODULES)."""
    importers = []
    for path in sorted((SRC / "xlgen").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name.split(".")[0] == "xlgen_demo" or name == "xlgen.demo_world" for name in names):
                importers.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert importers == []


def test_the_dataset_adapter_names_the_generated_files(tmp_path):
    from xlgen.datasets import get_adapter
    from xlgen_demo.dataset import TASK_DIRS

    adapter = get_adapter("demo")
    assert (adapter.name, adapter.generated, adapter.languages()) == ("demo", True, DEMO_LANGUAGES)
    assert adapter.supported_kinds() == ("summarization", "extractive_qa") == tuple(TASK_DIRS)
    written = {p.relative_to(tmp_path).parts[0] for p in write_demo_world(tmp_path, ["en", "ru"], 0, **PINNED_SIZES)}
    assert set(TASK_DIRS.values()) <= written
    with pytest.raises(ValueError, match="generated by the demo_world rule"):
        adapter.sources("ru")


def test_files_are_utf8_lf_json_lines_with_requested_sizes(world):
    for lang in DEMO_LANGUAGES:
        for task in ("summarization", "qa"):
            for split, n in (("train", SMALL["n_train"]), ("dev", SMALL["n_dev"]), ("test", SMALL["n_test"])):
                raw = (world / task / lang / f"{split}.jsonl").read_bytes()
                assert b"\r" not in raw and raw.endswith(b"\n")
                records = read_jsonl(world / task / lang / f"{split}.jsonl")
                assert len(records) == n
                assert [r["id"] for r in records] == [f"{task}-{lang}-{split}-{i:05d}" for i in range(n)]
                # ensure_ascii=False: non-English text is stored as characters, not \u escapes.
                if lang in ("ru", "zh", "ar", "th"):
                    assert b"\\u" not in raw
        lines = (world / "unlabeled" / f"{lang}.txt").read_text(encoding="utf-8").split("\n")
        assert lines[-1] == "" and len(lines) - 1 == SMALL["n_unlabeled"]
        assert all(line.strip() for line in lines[:-1])


def test_record_schemas(world):
    for lang in DEMO_LANGUAGES:
        for record in read_jsonl(world / "summarization" / lang / "train.jsonl"):
            assert list(record) == ["id", "lang", "source", "target"]
            assert record["lang"] == lang
            assert all(isinstance(record[k], str) and record[k] for k in record)
        for record in read_jsonl(world / "qa" / lang / "train.jsonl"):
            assert list(record) == ["id", "lang", "context", "question", "answers", "source", "target"]
            assert record["lang"] == lang
            assert isinstance(record["answers"], list) and record["answers"]
            assert all(isinstance(a, str) and a for a in record["answers"])
            assert record["source"] == qa_source(record["question"], record["context"])
            assert record["target"] == record["answers"][0]
    for lang in DEMO_LANGUAGES[1:]:
        records = read_jsonl(world / "parallel" / f"en-{lang}.jsonl")
        assert len(records) == SMALL["n_parallel"]
        for i, record in enumerate(records):
            assert list(record) == ["id", "source_lang", "target_lang", "source", "target"]
            assert record["id"] == f"parallel-en-{lang}-{i:05d}"
            assert (record["source_lang"], record["target_lang"]) == ("en", lang)


def test_qa_source_template():
    assert qa_source("Who?", "Anna won.") == "question: Who? context: Anna won."


def test_qa_answers_are_verbatim_and_varied(world):
    for lang in DEMO_LANGUAGES:
        records = read_jsonl(world / "qa" / lang / "train.jsonl")
        for record in records:
            for answer in record["answers"]:
                assert answer in record["context"], (lang, answer, record["context"])
        answers = Counter(r["target"] for r in records)
        # "Always answer the most frequent answer" must be a weak baseline.
        assert answers.most_common(1)[0][1] / len(records) < 0.1
        assert len(Counter(r["question"] for r in records)) >= 15


def test_qa_asks_about_every_slot_kind(world):
    records = read_jsonl(world / "qa" / "en" / "train.jsonl")
    starts = Counter(r["question"].split()[0] for r in records)
    for word in ("Who", "Which", "When", "How"):
        assert starts[word] >= 5, starts
    # Numbers and dates are answers too, not only names.
    assert sum(bool(re.fullmatch(r"[\d,:%]+", r["target"])) for r in records) >= 10
    assert any(re.fullmatch(r"\d{1,2} [A-Z][a-z]+", r["target"]) for r in records)


def test_summary_is_not_the_lead_sentence(world):
    for lang in ("en", "de", "es", "ru", "vi", "ar"):
        records = read_jsonl(world / "summarization" / lang / "train.jsonl")
        first = [re.split(r"(?<=[.!?])\s", r["source"])[0].rstrip(".") for r in records]
        same = sum(f == r["target"] for f, r in zip(first, records))
        assert same / len(records) < 0.5
    records = read_jsonl(world / "summarization" / "zh" / "train.jsonl")
    assert sum(r["source"].split("。")[0] == r["target"] for r in records) / len(records) < 0.5


def test_key_sentence_is_usually_not_first():
    rng = demo_world._rng(0, "test")
    positions = Counter()
    for _ in range(2000):
        article = demo_world._draw_article(rng)
        assert 3 <= len(article.plan) <= 5
        assert [kind for kind, _ in article.plan].count("key") == 1
        positions[[kind for kind, _ in article.plan].index("key")] += 1
    assert 0.05 < positions[0] / 2000 < 0.3
    assert all(positions[p] > 150 for p in (1, 2, 3))


def entity_forms(lang: str) -> list[tuple[str, ...]]:
    """Every entity of a language's world as the tuple of forms it may take (Russian cases)."""
    out: list[tuple[str, ...]] = []
    for table in (demo_world._CITIES, demo_world._COMPANIES, demo_world._PARTIES):
        out.extend(value if isinstance(value, tuple) else (value,) for value in table[lang])
    n_first, n_sur = len(demo_world._FIRST_NAMES[lang]), len(demo_world._SURNAMES[lang])
    out.extend((demo_world._person_name(lang, f, s),) for f in range(n_first) for s in range(n_sur))
    return out


def test_summary_entities_appear_in_the_article(world):
    for lang in DEMO_LANGUAGES:
        entities = entity_forms(lang)
        for record in read_jsonl(world / "summarization" / lang / "train.jsonl"):
            named = [forms for forms in entities if any(f in record["target"] for f in forms)]
            assert named, (lang, record["target"])
            for forms in named:
                # The same entity, possibly in another case ("на Сидней" / "в Сиднее").
                assert any(f in record["source"] for f in forms), (lang, forms, record)
            for number in re.findall(r"\d[\d,. ]*\d|\d", record["target"]):
                assert number in record["source"]


def test_text_is_in_each_language_script(world):
    for lang in DEMO_LANGUAGES:
        text = "\n".join(
            [r["source"] + r["target"] for r in read_jsonl(world / "summarization" / lang / "dev.jsonl")]
            + [r["question"] for r in read_jsonl(world / "qa" / lang / "dev.jsonl")]
            + (world / "unlabeled" / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
        )
        letters = [c for c in text if c.isalpha()]
        in_script = sum(SCRIPT_OF[lang] in unicodedata.name(c, "") for c in letters)
        assert in_script / len(letters) > 0.95, lang
        assert "⟨" not in text and "{" not in text
    vi = (world / "unlabeled" / "vi.txt").read_text(encoding="utf-8")
    assert sum(not c.isascii() for c in vi if c.isalpha()) / sum(c.isalpha() for c in vi) > 0.15
    # Chinese is written without spaces; Thai has spaces only between phrases.
    zh = (world / "unlabeled" / "zh.txt").read_text(encoding="utf-8")
    assert " " not in zh
    th = (world / "unlabeled" / "th.txt").read_text(encoding="utf-8")
    assert len(th) / max(1, th.count(" ")) > 12


def test_parallel_pairs_english_with_the_aligned_target(world):
    en_cities, en_companies = demo_world._CITIES["en"], demo_world._COMPANIES["en"]
    for lang in DEMO_LANGUAGES[1:]:
        records = read_jsonl(world / "parallel" / f"en-{lang}.jsonl")
        for record in records:
            source_letters = [c for c in record["source"] if c.isalpha()]
            assert all(c.isascii() for c in source_letters), record["source"]
            assert record["source"] != record["target"]
            for i, city in enumerate(en_cities):
                forms = demo_world._CITIES[lang][i]
                forms = forms if isinstance(forms, tuple) else (forms,)
                if re.search(rf"\b{city}\b", record["source"]):
                    assert any(form in record["target"] for form in forms), (city, record)
            for i, company in enumerate(en_companies):
                assert (company in record["source"]) == (demo_world._COMPANIES[lang][i] in record["target"])
        # Both sides render the same draw: sentence lengths move together.
        assert len({r["source"] for r in records}) > 0.8 * len(records)


def test_eval_splits_are_parallel_across_languages(world):
    en = read_jsonl(world / "qa" / "en" / "test.jsonl")
    ru = read_jsonl(world / "qa" / "ru" / "test.jsonl")
    for a, b in zip(en, ru):
        digits_en = re.sub(r"\D", "", a["target"])
        digits_ru = re.sub(r"\D", "", b["target"])
        assert digits_en == digits_ru


def test_splits_do_not_share_articles(world):
    for task, field in (("summarization", "source"), ("qa", "context")):
        splits = {s: {r[field] for r in read_jsonl(world / task / "en" / f"{s}.jsonl")}
                  for s in ("train", "dev", "test")}
        assert not splits["train"] & splits["test"]
        assert not splits["train"] & splits["dev"]
        assert not splits["dev"] & splits["test"]


def test_every_template_renders_for_both_genders():
    for lang in DEMO_LANGUAGES:
        for event in EVENT_TYPES:
            rng = demo_world._rng(0, lang, event)
            for female in (True, False):
                slots = demo_world._draw_slots(rng, event)
                first = 0 if female else 15
                slots = demo_world._Slots(**{**slots.__dict__, "person": (first, 0), "person2": (15 - first, 1)})
                values = demo_world._values(lang, event, slots)
                table = demo_world._TEMPLATES[lang][event]
                templates = [t for kind in ("background", "key", "detail", "summary") for t in table[kind]]
                for template in templates + list(table["questions"].values()):
                    text = demo_world._render(lang, template, values, slots)
                    assert text and not re.search(r"[⟨⟩{}|]", text), (lang, event, text)


def test_russian_agrees_with_the_person_gender():
    slots = demo_world._draw_slots(demo_world._rng(0, "ru"), "marathon")
    female = demo_world._Slots(**{**slots.__dict__, "person": (0, 0)})
    male = demo_world._Slots(**{**slots.__dict__, "person": (8, 0)})
    template = demo_world._TEMPLATES["ru"]["marathon"]["summary"][0]
    assert demo_world._render("ru", template, demo_world._values("ru", "marathon", female), female).startswith(
        "Анна Петрова выиграла марафон в ")
    assert demo_world._render("ru", template, demo_world._values("ru", "marathon", male), male).startswith(
        "Иван Петров выиграл марафон в ")


def test_unknown_language_raises_value_error(tmp_path):
    with pytest.raises(ValueError, match=r"'xx'.*supported: en, de, es, ru, zh, ar, th, vi"):
        write_demo_world(tmp_path, ["en", "xx"], 0, **SMALL)
    assert not any(tmp_path.iterdir())
    with pytest.raises(ValueError):
        write_demo_world(tmp_path, "en", 0, **SMALL)
    with pytest.raises(ValueError, match="n_train"):
        write_demo_world(tmp_path, ["en"], 0, **{**SMALL, "n_train": -1})


def test_default_sizes_write_every_file(tmp_path):
    # config.yaml's sizes for seven languages (no timing here: speed belongs in benchmarks/)
    paths = write_demo_world(tmp_path, list(DEMO_LANGUAGES[:7]), 0, n_train=1000, n_dev=50, n_test=50,
                             n_unlabeled=3000, n_parallel=1000)
    assert len(paths) == 7 * 6 + 7 + 6 * 2  # tasks x splits, unlabeled, parallel sentences and phrases
    train = tmp_path / "summarization" / "ru" / "train.jsonl"
    assert len(train.read_text(encoding="utf-8").splitlines()) == 1000


def test_phrase_pairs_are_aligned_answer_like_values(tmp_path):
    write_demo_world(tmp_path, ["en", "ru", "zh"], 1, **{**SMALL, "n_parallel": 600})
    for lang in ("ru", "zh"):
        lines = (tmp_path / "parallel" / f"en-{lang}.phrases.jsonl").read_text(encoding="utf-8").splitlines()
        pairs = [json.loads(line) for line in lines]
        assert len(pairs) == 600
        assert all(p["source"] and p["target"] and p["target_lang"] == lang for p in pairs)
        moscow = [p["target"] for p in pairs if p["source"] == "Moscow"]
        assert moscow and set(moscow) == {{"ru": "Москва", "zh": "莫斯科"}[lang]}  # index-aligned entities
