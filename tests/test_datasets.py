"""The MLQA, TyDi QA GoldP and WikiLingua dataset adapters (issue 14) on local copies laid out
as the hub serves them (tests/datasets_hub.py: the hub's folders, features and cards, rows
from the XQuAD fixtures), through the same download -> prepare code as the hub; and MLQA's
official EM/F1 (the "mlqa" metric flavour) on real XQuAD answers.

Reads ../shared/fixtures/xquad/ and skips with the reason where it is absent.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from datasets import Dataset, Features, List, Value, disable_progress_bars, load_from_disk

sys.path.insert(0, str(Path(__file__).resolve().parent))
from datasets_hub import (  # noqa: E402
    HAVE_XQUAD,
    SAMPLED,
    SQUAD,
    SQUAD_FEATURES,
    TYDI_COPY_LANGS,
    TYDIQA,
    TYDIQA_FEATURES,
    WIKILINGUA,
    WIKILINGUA_FEATURES,
    XQUAD_MISSING,
    XTREME,
    XTREME_MLQA_FEATURES,
    card,
    mlqa_splits,
    squad_splits,
    tydi_splits,
    wikilingua_rows,
    write_hub_copies,
    xquad,
)

from xlgen.datasets import DatasetRef, get_adapter  # noqa: E402
from xlgen.datasets.mlqa import ADAPTER as MLQA  # noqa: E402
from xlgen.datasets.tydiqa_goldp import ADAPTER as TYDI  # noqa: E402
from xlgen.datasets.wikilingua import ADAPTER as WIKI  # noqa: E402
from xlgen.hub import download_dataset, prepare_task_data  # noqa: E402
from xlgen.languages import LANGUAGES  # noqa: E402
from xlgen.metrics.flavours import FLAVOURS, flavour_per_example  # noqa: E402
from xlgen.metrics.mlqa import mlqa_f1, mlqa_normalize  # noqa: E402
from xlgen.metrics.qa import squad_f1, unicode_f1  # noqa: E402
from xlgen.tasks import read_records  # noqa: E402
from xlgen.tasks.extractive_qa import qa_source  # noqa: E402

disable_progress_bars()
needs_xquad = pytest.mark.skipif(not HAVE_XQUAD, reason=XQUAD_MISSING)

# adapter -> (task name, languages prepared: English and two targets)
CASES = {"mlqa": (MLQA, ["en", "de", "zh"]), "tydiqa_goldp": (TYDI, ["en", "ar", "ru"]),
         "wikilingua": (WIKI, ["en", "de", "zh"])}
SEED = 3


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> dict[str, Path]:
    if not HAVE_XQUAD:
        pytest.skip(XQUAD_MISSING)
    return write_hub_copies(tmp_path_factory.mktemp("hub"))


@pytest.fixture(scope="module")
def cache(hub, tmp_path_factory) -> Path:
    """The download cache of every split the tests read, filled from the local copies."""
    cache_dir = tmp_path_factory.mktemp("datasets")
    for adapter, langs in CASES.values():
        refs = {ref for lang in langs for ref in adapter.sources(lang).values()}
        for ref in sorted(refs, key=lambda r: (r.name, r.config, r.split)):
            download_dataset(ref.name, ref.config, ref.split, cache_dir, source=hub[ref.name], adapter=adapter)
    return cache_dir


@pytest.fixture(scope="module")
def prepared(cache, tmp_path_factory) -> dict[tuple[str, str], dict[str, Path]]:
    """(task, lang) -> split -> record file, every case prepared once with SEED."""
    out = tmp_path_factory.mktemp("data")
    return {(task, lang): prepare_task_data(adapter, task, lang, cache, out, seed=SEED)
            for task, (adapter, langs) in CASES.items() for lang in langs}


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def by_id(rows: list[dict], key: str = "id") -> dict:
    return {row[key]: row for row in rows}


# ---------------------------------------------------------------------------------------
# Registry and sources


def test_adapters_are_builtin_and_offer_only_known_languages():
    assert get_adapter("mlqa") is MLQA and get_adapter("tydiqa_goldp") is TYDI and get_adapter("wikilingua") is WIKI
    assert MLQA.languages() == ("ar", "de", "en", "es", "hi", "vi", "zh") and MLQA.metric_flavour == "mlqa"
    # each dataset's languages that the registry knows (GoldP has no Japanese or Thai)
    goldp = ("ar", "bn", "en", "fi", "id", "ko", "ru", "sw", "te")
    assert TYDI.languages() == tuple(lang for lang in goldp if lang in LANGUAGES) and TYDI.metric_flavour is None
    assert {"ar", "bn", "en", "id", "ko", "ru", "sw", "te"} <= set(TYDI.languages())
    wikilingua = ("ar", "cs", "de", "en", "es", "fr", "hi", "id", "it", "ja", "ko", "nl", "pt", "ru", "th", "tr", "vi",
                  "zh")
    assert WIKI.languages() == tuple(lang for lang in wikilingua if lang in LANGUAGES)
    assert {"ar", "de", "en", "es", "fr", "hi", "id", "ja", "ko", "pt", "ru", "th", "tr", "vi", "zh"} <= set(
        WIKI.languages())
    for adapter, missing in ((MLQA, "fr"), (TYDI, "ja"), (TYDI, "th"), (WIKI, "uk")):
        with pytest.raises(ValueError, match=f"{adapter.name}: no data for '{missing}'"):
            adapter.sources(missing)
    assert MLQA.sources("en") == {"train": DatasetRef(SQUAD, "plain_text", "train"),
                                  "dev": DatasetRef(XTREME, "MLQA.en.en", "validation"),
                                  "test": DatasetRef(XTREME, "MLQA.en.en", "test")}
    assert MLQA.sources("hi") == {"dev": DatasetRef(XTREME, "MLQA.hi.hi", "validation"),
                                  "test": DatasetRef(XTREME, "MLQA.hi.hi", "test")}
    validation = DatasetRef(TYDIQA, "secondary_task", "validation")
    assert TYDI.sources("sw") == {"dev": validation, "test": validation}
    assert TYDI.sources("en")["train"] == DatasetRef(TYDIQA, "secondary_task", "train")
    assert WIKI.sources("ja") == {"train": DatasetRef(WIKILINGUA, "ja", "train"),
                                  "dev": DatasetRef(WIKILINGUA, "ja", "validation"),
                                  "test": DatasetRef(WIKILINGUA, "ja", "test")}
    assert WIKI.layout(WIKILINGUA).revision == "refs/convert/parquet" and WIKI.layout(WIKILINGUA).config_is_folder
    assert WIKI.unlabeled("de") == (DatasetRef(WIKILINGUA, "de", "train"), "source")


# ---------------------------------------------------------------------------------------
# Download


@needs_xquad
def test_download_keeps_the_hub_columns_and_types(cache):
    for ref, features, rows in [
        (DatasetRef(SQUAD, "plain_text", "train"), SQUAD_FEATURES, squad_splits()["train"]),
        (DatasetRef(XTREME, "MLQA.zh.zh", "test"), XTREME_MLQA_FEATURES, mlqa_splits("zh")["test"]),
        (DatasetRef(TYDIQA, "secondary_task", "validation"), TYDIQA_FEATURES, tydi_splits()["validation"]),
        (DatasetRef(WIKILINGUA, "de", "train"), WIKILINGUA_FEATURES, wikilingua_rows("de", "train")),
    ]:
        saved = load_from_disk(str(ref.path(cache)))
        assert saved.features == features, ref
        assert saved.to_list() == rows, ref
    assert not list(cache.rglob(".tmp-*"))


@needs_xquad
def test_a_wrong_column_type_is_refused_with_one_line(tmp_path):
    rows = tydi_splits()["validation"][:4]
    wrong = Features({**TYDIQA_FEATURES, "answers": {"text": List(Value("string")),
                                                     "answer_start": List(Value("int64"))}})
    repo = tmp_path / "tydiqa"
    (repo / "secondary_task").mkdir(parents=True)
    Dataset.from_list(rows, features=wrong).to_parquet(repo / "secondary_task" / "validation-00000-of-00001.parquet")
    (repo / "README.md").write_text(card({"secondary_task": {"validation": 4}}, wrong), encoding="utf-8")
    with pytest.raises(ValueError) as err:
        download_dataset(TYDIQA, "secondary_task", "validation", tmp_path / "cache", source=repo, adapter=TYDI)
    message = str(err.value)
    assert "\n" not in message and TYDIQA in message and "answers" in message and "int64" in message
    assert not (tmp_path / "cache" / "google-research-datasets--tydiqa" / "secondary_task" / "validation").exists()
    # WikiLingua's references must be a list of strings
    export = tmp_path / "wiki" / "en" / "test"
    export.mkdir(parents=True)
    flat = [{**row, "references": row["target"]} for row in wikilingua_rows("en", "test")]
    Dataset.from_list(flat).to_parquet(export / "0000.parquet")
    with pytest.raises(ValueError, match=r"^GEM/wiki_lingua: column 'references' is string, expected \['string'\]$"):
        download_dataset(WIKILINGUA, "en", "test", tmp_path / "cache", source=tmp_path / "wiki", adapter="wikilingua")


# ---------------------------------------------------------------------------------------
# Records


def check_files(task: str, lang: str, paths: dict[str, Path]) -> dict[str, list[dict]]:
    """Every file passes the kind's schema check with its language; ids unique."""
    adapter = CASES[task][0]
    return {split: read_records(adapter.kind, path, lang) for split, path in paths.items()}


@needs_xquad
def test_mlqa_trains_on_squad_and_takes_mlqa_dev_and_test_as_they_are(prepared):
    en = check_files("mlqa", "en", prepared["mlqa", "en"])
    assert set(en) == {"train", "dev", "test"}
    assert [r["id"] for r in en["train"]] == [row["id"] for row in squad_splits()["train"]]
    for lang in ("en", "de", "zh"):
        records = en if lang == "en" else check_files("mlqa", lang, prepared["mlqa", lang])
        assert set(records) == ({"train", "dev", "test"} if lang == "en" else {"dev", "test"})
        hub_rows = mlqa_splits(lang)
        for split, hub_split in (("dev", "validation"), ("test", "test")):
            assert [r["id"] for r in records[split]] == [row["id"] for row in hub_rows[hub_split]]  # nothing re-split
            for record, row in zip(records[split], hub_rows[hub_split]):
                context, question = row["context"].strip(), row["question"].strip()  # as squad_row_record
                answers = [a.strip() for a in row["answers"]["text"]]
                assert record == {"id": row["id"], "lang": lang, "context": context, "question": question,
                                  "answers": answers, "source": qa_source(question, context), "target": answers[0]}
        # MLQA is parallel: the same question ids in every language
        assert [r["id"] for r in records["test"]] == [r["id"] for r in en["test"]]
    with pytest.raises(ValueError, match="no train data"):
        prepare_task_data(MLQA, "mlqa", "de", Path("unused"), Path("unused"), splits=["train"])


@needs_xquad
def test_tydiqa_keeps_each_language_s_rows_and_splits_validation_by_article(prepared):
    validation = tydi_splits()["validation"]
    for lang, name in TYDI_COPY_LANGS.items():
        records = check_files("tydiqa_goldp", lang, prepared["tydiqa_goldp", lang])
        assert set(records) == ({"train", "dev", "test"} if lang == "en" else {"dev", "test"})
        mine = [row for row in validation if row["id"].startswith(f"{name}-")]
        dev, test = records["dev"], records["test"]
        assert dev and test
        assert sorted(r["id"] for r in dev + test) == sorted(row["id"] for row in mine)  # only this language
        rows = by_id(mine)
        dev_titles = {rows[r["id"]]["title"] for r in dev}
        test_titles = {rows[r["id"]]["title"] for r in test}
        assert not dev_titles & test_titles  # no article in both
        for record in dev + test:
            row = rows[record["id"]]
            assert record["answers"] == [a.strip() for a in row["answers"]["text"]]
            assert record["context"] == row["context"].strip()
    train = lines(prepared["tydiqa_goldp", "en"]["train"])
    hub_train = tydi_splits()["train"]
    assert [r["id"] for r in train] == [row["id"] for row in hub_train if row["id"].startswith("english-")]
    assert len(train) < len(hub_train)  # the other languages' train rows are left out


@needs_xquad
def test_tydiqa_record_is_none_for_another_language():
    row = tydi_splits()["validation"][0]
    assert row["id"].startswith("english-")
    assert TYDI.record(row, "en")["id"] == row["id"]
    assert TYDI.record(row, "ar") is None and TYDI.record(row, "ru") is None
    assert TYDI.group_keys([row]) == [f"english/{row['title']}"]


@needs_xquad
def test_wikilingua_records_are_article_and_summary(prepared):
    for lang in ("en", "de", "zh"):
        records = check_files("wikilingua", lang, prepared["wikilingua", lang])
        assert set(records) == {"train", "dev", "test"}
        for split, hub_split in (("train", "train"), ("dev", "validation"), ("test", "test")):
            rows = wikilingua_rows(lang, hub_split)
            assert records[split] == [{"id": row["gem_id"], "lang": lang, "source": row["source"].strip(),
                                       "target": row["target"].strip()} for row in rows]
    zh = lines(prepared["wikilingua", "zh"]["test"])[0]
    assert zh["target"].endswith("。") and zh["source"].startswith(zh["target"])


@needs_xquad
def test_wikilingua_sampled_splits_stay_out_of_validation_and_test(cache):
    for split in ("validation", "test"):
        saved = load_from_disk(str(DatasetRef(WIKILINGUA, "en", split).path(cache)))
        assert saved["gem_id"] == [row["gem_id"] for row in wikilingua_rows("en", split)]
    assert SAMPLED > 0


# ---------------------------------------------------------------------------------------
# Determinism and caps


@needs_xquad
def test_same_seed_same_bytes_and_caps_hold(cache, prepared, tmp_path):
    for task, lang, caps in (("mlqa", "en", {"train": 7, "dev": 5, "test": 6}),
                             ("tydiqa_goldp", "ar", {"dev": 3, "test": 4}),
                             ("tydiqa_goldp", "en", {"train": 9})):
        adapter = CASES[task][0]
        a = prepare_task_data(adapter, task, lang, cache, tmp_path / "a", caps, seed=SEED)
        b = prepare_task_data(adapter, task, lang, cache, tmp_path / "b", caps, seed=SEED)
        for split in a:
            assert a[split].read_bytes() == b[split].read_bytes(), (task, lang, split)
            full = [r["id"] for r in lines(prepared[task, lang][split])]
            kept = [r["id"] for r in lines(a[split])]
            assert len(kept) == min(caps.get(split) or len(full), len(full)), (task, lang, split)
            assert kept == [i for i in full if i in kept]  # a subset, in the hub's order
        # without caps, the same seed gives the same bytes as the shared fixture's files
        c = prepare_task_data(adapter, task, lang, cache, tmp_path / "c", seed=SEED)
        assert all(c[s].read_bytes() == prepared[task, lang][s].read_bytes() for s in c)
    other = prepare_task_data(MLQA, "mlqa", "en", cache, tmp_path / "d", {"train": 7, "dev": 5, "test": 6}, seed=99)
    again = prepare_task_data(MLQA, "mlqa", "en", cache, tmp_path / "e", {"train": 7, "dev": 5, "test": 6}, seed=SEED)
    assert any(other[s].read_bytes() != again[s].read_bytes() for s in other)
    # MLQA is parallel: a cap keeps the same questions in every language
    ids = {lang: [r["id"] for r in lines(prepare_task_data(MLQA, "mlqa", lang, cache, tmp_path / "p", {"test": 5},
                                                           seed=SEED, splits=["test"])["test"])]
           for lang in ("de", "zh")}
    assert len(ids["de"]) == 5 and ids["de"] == ids["zh"]
    # TyDi: another seed moves articles between dev and test
    moved = prepare_task_data(TYDI, "tydiqa_goldp", "ru", cache, tmp_path / "f", seed=SEED + 1)
    assert moved["dev"].read_bytes() != prepared["tydiqa_goldp", "ru"]["dev"].read_bytes()


@needs_xquad
def test_wikilingua_caps(cache, prepared, tmp_path):
    a = prepare_task_data(WIKI, "wikilingua", "en", cache, tmp_path / "a", {"train": 5, "test": 4}, seed=SEED)
    b = prepare_task_data(WIKI, "wikilingua", "en", cache, tmp_path / "b", {"train": 5, "test": 4}, seed=SEED)
    assert all(a[s].read_bytes() == b[s].read_bytes() for s in a)
    assert len(lines(a["train"])) == 5 and len(lines(a["test"])) == 4
    full = [r["id"] for r in lines(prepared["wikilingua", "en"]["train"])]
    kept = [r["id"] for r in lines(a["train"])]
    assert kept == [i for i in full if i in kept]


# ---------------------------------------------------------------------------------------
# The "mlqa" metric flavour: MLQA's official evaluation on real XQuAD answers

MLQA_FIXTURE_LANGS = ("en", "ar", "de", "es", "zh")


def gold_answers(lang: str) -> dict[str, list[str]]:
    """question id -> gold answer texts of xquad.<lang>.json."""
    return {qa["id"]: [a["text"] for a in qa["answers"]]
            for article in xquad(lang) for paragraph in article["paragraphs"] for qa in paragraph["qas"]}


def test_flavour_is_registered_and_refuses_languages_mlqa_does_not_have():
    assert "mlqa" in FLAVOURS
    scores = flavour_per_example("mlqa", "en", ["the cat", "dog"], [["Cat!"], ["a cat", "cats"]])
    assert scores == {"mlqa_em": [100.0, 0.0], "mlqa_f1": [100.0, 0.0]}
    with pytest.raises(ValueError, match=r"^mlqa metric: no MLQA normalization for language 'ru' \(MLQA languages: "
                                         r"ar de en es hi vi zh\)$"):
        flavour_per_example("mlqa", "ru", ["a"], [["a"]])
    # Vietnamese and Hindi (not in the fixtures): MLQA's vi "articles"; the danda is punctuation
    assert mlqa_normalize("Thủ đô của Việt Nam là Hà Nội!", "vi") == "thủ đô việt nam hà nội"
    assert flavour_per_example("mlqa", "hi", ["भारत।"], [["भारत"]]) == {"mlqa_em": [100.0], "mlqa_f1": [100.0]}


@needs_xquad
@pytest.mark.parametrize("lang", MLQA_FIXTURE_LANGS)
def test_gold_answers_score_100_also_with_an_article_and_punctuation(lang):
    golds = gold_answers(lang)
    assert len(golds) == 1190
    ids = list(golds)
    refs = [golds[i] for i in ids]
    exact = flavour_per_example("mlqa", lang, [g[0] for g in refs], refs)
    assert set(exact["mlqa_em"]) == {100.0} and set(exact["mlqa_f1"]) == {100.0}
    # an article of the language before the answer and punctuation after it change nothing
    dressed = {"en": "The {}.", "de": "der {}!", "es": "el {},", "ar": "ال{}؟", "zh": "{}。"}[lang]
    padded = flavour_per_example("mlqa", lang, [dressed.format(g[0]) for g in refs], refs)
    assert set(padded["mlqa_em"]) == {100.0} and set(padded["mlqa_f1"]) == {100.0}
    # and a wrong answer (another question's) mostly does not match
    wrong = flavour_per_example("mlqa", lang, [refs[(k + 7) % len(refs)][0] for k in range(len(refs))], refs)
    assert sum(wrong["mlqa_em"]) / len(refs) < 5


@needs_xquad
def test_chinese_mixed_segmentation_by_hand():
    zh = gold_answers("zh")
    cases = [  # (XQuAD id, gold, prediction, EM, F1 computed by hand)
        # 第|33|届|超|级|碗 vs 第|33|届: 3 common, P=3/3, R=3/6 -> F1 = 2/3
        ("56d704430d65d214001982e2", "第 33 届超级碗", "第33届", 0.0, 200 / 3),
        # 摩|摩|斯|momus (brackets dropped) vs momus: P=1, R=1/4 -> F1 = 2/5
        ("57339c16d058e614000b5ec8", "摩摩斯 (Momus)", "Momus", 0.0, 40.0),
        # spacing around ideographs does not matter: 1991|年|4|月 on both sides
        ("5733834ed058e614000b5c28", "1991 年 4 月", "1991年4月", 100.0, 100.0),
    ]
    for qid, gold, prediction, em, f1 in cases:
        assert zh[qid] == [gold]
        scores = flavour_per_example("mlqa", "zh", [prediction], [zh[qid]])
        assert scores["mlqa_em"] == [em] and scores["mlqa_f1"] == [pytest.approx(f1)], qid
    # SQuAD's whitespace tokens see no overlap in the first case: one token each
    assert squad_f1("第33届", ["第 33 届超级碗"]) == 0.0
    assert mlqa_normalize("第 33 届超级碗", "zh") == "第 33 届 超 级 碗"


@needs_xquad
def test_arabic_drops_every_al_as_the_official_script_does():
    ar = gold_answers("ar")
    gold = ar["56e181d9e3433e1400422fa0"]
    assert gold == ["حالة المسألة"]
    # the script's pattern '\sال^|ال' deletes "ال" inside words too: حالة -> ح ة
    assert mlqa_normalize(gold[0], "ar") == "ح ة مسألة"
    # so a prediction of the second word shares 1 of 3 gold tokens: F1 = 2 * 1 * (1/3) / (4/3) = 50
    assert mlqa_f1("المسألة", gold, "ar") == pytest.approx(50.0)
    # xlgen's Unicode F1 strips the article only where it begins a word: 1 of 2 tokens
    assert unicode_f1("المسألة", gold, "ar") == pytest.approx(200 / 3)
