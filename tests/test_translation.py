"""Machine translation: sentence splitting, the demo NLLB backbone as a translator, task
records translated consistently, chrF, and the apertium wrapper."""

import os
import shutil
import unicodedata
from pathlib import Path

import pytest
from conftest import apt_install  # tests/conftest.py

from xlgen.io import read_jsonl
from xlgen.languages import occurs_as_words
from xlgen.tasks import check_record
from xlgen.translation import (
    ApertiumTranslator,
    ModelTranslator,
    Translator,
    chrf,
    join_sentences,
    mt_quality,
    split_sentences,
    translate_records,
)
from xlgen_demo.world import write_demo_world

NLLB_DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo_backbones" / "nllb-demo"
WORLD_LANGS = ["en", "zh", "th", "ru"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("world")
    # 30 test records: enough QA records for some to survive translation by the tiny model
    write_demo_world(root, WORLD_LANGS, seed=13, n_train=5, n_dev=2, n_test=30, n_unlabeled=0, n_parallel=0)
    return root


@pytest.fixture(scope="module")
def backbone():
    from xlgen.backbones import load_backbone

    return load_backbone(NLLB_DEMO)


def _script_share(text: str, script: str) -> float:
    """Share of the letters of `text` whose Unicode name starts with `script`."""
    letters = [c for c in text if c.isalpha()]
    return sum(unicodedata.name(c, "").startswith(script) for c in letters) / max(1, len(letters))


# ---------------------------------------------------------------------------------------
# Sentences


def test_split_sentences_by_script():
    assert split_sentences("今年的音乐节为期三天，共设有5个舞台。约52500人来到曼谷的音乐节！闭幕音乐会于3月12日举行？",
                           "zh") == [
        "今年的音乐节为期三天，共设有5个舞台。", "约52500人来到曼谷的音乐节！", "闭幕音乐会于3月12日举行？"]
    # Thai: a space between Thai letters separates; a space next to a number does not
    assert split_sentences("ปีนี้เทศกาลจัดขึ้นสามวันบนเวที 5 เวที ผู้คนราว 52,500 คนมาร่วมงานเทศกาลที่กรุงเทพฯ", "th") == [
        "ปีนี้เทศกาลจัดขึ้นสามวันบนเวที 5 เวที", "ผู้คนราว 52,500 คนมาร่วมงานเทศกาลที่กรุงเทพฯ"]
    assert split_sentences("The storm hit Cairo on 5 May. Was anyone hurt? No! Version 2.5 is out", "en") == [
        "The storm hit Cairo on 5 May.", "Was anyone hurt?", "No!", "Version 2.5 is out"]
    assert split_sentences("Das Konzert fand am 12. März statt. Es kamen 500 Menschen.", "de") == [
        "Das Konzert fand am 12. März statt.", "Es kamen 500 Menschen."]
    assert split_sentences("Он сказал: «Мы готовы.» Затем ушёл.", "ru") == ["Он сказал: «Мы готовы.»", "Затем ушёл."]
    assert split_sentences("متى أقيم الحفل الختامي؟ أقيم في 12 مارس.", "ar") == [
        "متى أقيم الحفل الختامي؟", "أقيم في 12 مارس."]
    assert split_sentences("No boundary here", "en") == ["No boundary here"]
    assert split_sentences("  \n ", "en") == [] and split_sentences("", "th") == []
    assert join_sentences(["第一句。", "第二句。"], "zh") == "第一句。第二句。"
    assert join_sentences(["One.", "Two."], "en") == "One. Two."


def test_split_join_round_trip_on_demo_articles(world):
    for lang in WORLD_LANGS:
        texts = [r["source"] for split in ("train", "dev", "test")
                 for r in read_jsonl(world / "summarization" / lang / f"{split}.jsonl")]
        texts += [r["context"] for r in read_jsonl(world / "qa" / lang / "test.jsonl")]
        for text in texts:
            sentences = split_sentences(text, lang)
            assert len(sentences) >= 3 and all(s and s == s.strip() for s in sentences), (lang, sentences)
            assert join_sentences(sentences, lang) == text


# ---------------------------------------------------------------------------------------
# generate(source_lang=...) on the demo NLLB backbone


def test_generate_reads_source_lang_and_writes_lang(backbone, world):
    from xlgen.generation import generate

    model, tokenizer = backbone
    sentences = [s for r in read_jsonl(world / "qa" / "en" / "test.jsonl")[:3]
                 for s in split_sentences(r["context"], "en")]
    russian, ids = generate(model, tokenizer, "nllb", sentences, "ru", source_lang="en", max_new_tokens=48,
                            return_token_ids=True)
    assert (tokenizer.src_lang, tokenizer.tgt_lang) == ("eng_Latn", "rus_Cyrl")
    assert all(row[1] == tokenizer.convert_tokens_to_ids("rus_Cyrl") for row in ids)
    # the tiny model sometimes copies an English word: judge the letters of all outputs together
    assert _script_share(" ".join(russian), "CYRILLIC") > 0.9, russian
    assert all(_script_share(text, "CYRILLIC") > 0 for text in russian), russian
    chinese = generate(model, tokenizer, "nllb", sentences, "zh", source_lang="en", max_new_tokens=48)
    assert _script_share("".join(chinese), "CJK UNIFIED IDEOGRAPH") > 0.9, chinese
    assert all(_script_share(text, "CJK UNIFIED IDEOGRAPH") > 0 for text in chinese), chinese


def test_generate_without_source_lang_is_a_same_language_call(backbone, world):
    """Omitting source_lang is what generate did before it existed: the target code on both
    sides; checked against transformers' own generate, one unpadded input at a time."""
    import torch

    from xlgen.backbones import forced_bos_token_id, set_languages
    from xlgen.generation import generate

    model, tokenizer = backbone
    sentences = split_sentences(read_jsonl(world / "qa" / "ru" / "test.jsonl")[1]["context"], "ru")[:3]
    ours = generate(model, tokenizer, "nllb", sentences, "ru", max_new_tokens=24)
    assert generate(model, tokenizer, "nllb", sentences, "ru", source_lang="ru", max_new_tokens=24) == ours
    set_languages(tokenizer, "nllb", "ru")
    reference = []
    with torch.inference_mode():
        for sentence in sentences:
            out = model.generate(**tokenizer(sentence, return_tensors="pt"), max_new_tokens=24, num_beams=1,
                                 do_sample=False, forced_bos_token_id=forced_bos_token_id(tokenizer, "nllb", "ru"))
            reference.append(tokenizer.decode(out[0], skip_special_tokens=True).strip())
    assert ours == reference


# ---------------------------------------------------------------------------------------
# ModelTranslator


@pytest.fixture(scope="module")
def translator(backbone):
    model, tokenizer = backbone
    return ModelTranslator(model, tokenizer, name="nllb-demo")


def test_model_translator_translates_each_distinct_sentence_once(backbone, world):
    model, tokenizer = backbone
    records = read_jsonl(world / "qa" / "en" / "test.jsonl")[:3]
    a, b, c = (r["context"] for r in records)
    texts = [a, b, a, c, b]
    distinct = {s for text in texts for s in split_sentences(text, "en")}
    fresh = ModelTranslator(model, tokenizer)
    out = fresh.translate(texts, "en", "ru")
    assert fresh.n_decoded == len(distinct) == len(fresh.cache)
    assert len(out) == 5 and out[0] == out[2] and out[1] == out[4] and len({out[0], out[1], out[3]}) == 3
    assert _script_share(" ".join(out), "CYRILLIC") > 0.9
    # one sentence translated per sentence of the text, rejoined in order
    assert out[0] == " ".join(fresh.translate(split_sentences(a, "en"), "en", "ru"))
    assert fresh.translate(texts, "en", "ru") == out and fresh.n_decoded == len(distinct)  # all cached
    again = ModelTranslator(model, tokenizer)
    assert again.translate([c, a], "en", "ru") == [out[3], out[0]]  # order follows the input, fresh cache
    assert fresh.translate(["", "  "], "en", "ru") == ["", ""]


def test_model_translator_from_pretrained_joins_chinese_sentences_without_space():
    translator = ModelTranslator.from_pretrained(NLLB_DEMO, batch_size=8, max_new_tokens=64)
    assert translator.name == "nllb-demo" and translator.family == "nllb"
    first, second = "The festival lasted three days.", "About 5,000 people came to the festival."
    (out,) = translator.translate([f"{first} {second}"], "en", "zh")
    assert _script_share(out, "CJK UNIFIED IDEOGRAPH") > 0.8
    assert out == "".join(translator.translate([first, second], "en", "zh")) and translator.n_decoded == 2


def test_mt5_checkpoint_is_refused():
    from xlgen.backbones import load_backbone

    model, tokenizer = load_backbone(NLLB_DEMO.parent / "mt5-demo")
    with pytest.raises(ValueError, match="mT5 checkpoint has no language codes"):
        ModelTranslator(model, tokenizer)


# ---------------------------------------------------------------------------------------
# Task records


def test_translate_qa_records_en_to_ru(translator, world):
    records = [r for split in ("train", "dev", "test") for r in read_jsonl(world / "qa" / "en" / f"{split}.jsonl")]
    out, stats = translate_records("qa", records, translator, "en", "ru")
    assert stats["n_in"] == len(records) == 37
    assert stats["n_out"] == stats["answer_found"] - stats["dropped_empty"] >= 1
    assert 0 <= stats["marker_kept"] <= stats["n_in"] and 0.0 <= stats["answer_found_rate"] <= 1.0
    assert stats["answer_found_rate"] == stats["answer_found"] / stats["n_in"]
    known = {r["id"] for r in records}
    for record in out:
        check_record("qa", record, "ru")
        assert record["id"].endswith("@ru") and record["id"][:-3] in known
        assert record["answers"] == [record["target"]] and occurs_as_words("ru", record["target"], record["context"])
        assert record["source"] == f"question: {record['question']} context: {record['context']}"
        assert _script_share(record["context"], "CYRILLIC") > 0.8
    assert len({r["id"] for r in out}) == len(out)


def test_translate_summarization_records(translator, world):
    records = read_jsonl(world / "summarization" / "en" / "train.jsonl")
    out, stats = translate_records("summarization", records, translator, "en", "zh")
    assert stats == {"n_in": 5, "n_out": len(out), "dropped_empty": 5 - len(out)} and len(out) >= 4
    for record in out:
        check_record("summarization", record, "zh")
        assert _script_share(record["source"], "CJK UNIFIED IDEOGRAPH") > 0.8
        assert len(record["target"]) < len(record["source"])  # a headline stays shorter than its article


class FixedTranslator(Translator):
    """Test double for an MT model: translates by a fixed table (uppercasing anything not
    in it, markers included as they are) and records what it was asked."""

    name = "fixed"

    def __init__(self, table=None, drop_markers=False):
        self.table, self.drop_markers, self.calls = table or {}, drop_markers, []

    def translate(self, texts, src, tgt):
        self.calls.append(list(texts))
        out = [self.table.get(t, t.upper()) for t in texts]
        return [t.replace("«", "").replace("»", "") for t in out] if self.drop_markers else out


def _qa(context, answer, question="When?"):
    return {"id": "q1", "lang": "en", "context": context, "question": question, "answers": [answer],
            "source": f"question: {question} context: {context}", "target": answer}


def test_markers_carry_the_answer_through_translation():
    fake = FixedTranslator()
    out, stats = translate_records("qa", [_qa("Anna met Ann on 12 March.", "Ann")], fake, "en", "de")
    assert fake.calls[1] == ["Anna met «Ann» on 12 March."]  # the whole-word occurrence, not "Anna"
    assert out[0]["context"] == "ANNA MET ANN ON 12 MARCH." and out[0]["answers"] == ["ANN"]
    assert out[0]["id"] == "q1@de" and out[0]["question"] == "WHEN?"
    assert stats == {"n_in": 1, "n_out": 1, "dropped_empty": 0, "marker_kept": 1, "answer_found": 1,
                     "answer_found_rate": 1.0}
    assert len(fake.calls) == 4  # question, marked contexts, then (empty) fallback contexts and answers


def test_lost_markers_fall_back_to_separate_translation():
    fake = FixedTranslator(drop_markers=True)
    out, stats = translate_records("qa", [_qa("The concert took place on 12 March.", "12 March")], fake, "en", "de")
    assert fake.calls[2:] == [["The concert took place on 12 March."], ["12 March"]]
    assert out[0]["answers"] == ["12 MARCH"] and stats["marker_kept"] == 0 and stats["answer_found"] == 1
    # the answer translated alone differs from its translation in context: the record is dropped
    table = {"The concert took place on 12 March.": "Das Konzert fand am 12. März statt.", "12 March": "12 März"}
    out, stats = translate_records("qa", [_qa("The concert took place on 12 March.", "12 March")],
                                   FixedTranslator(table, drop_markers=True), "en", "de")
    assert out == [] and stats["answer_found"] == 0 and stats["answer_found_rate"] == 0.0


def test_marker_route_skipped_when_context_already_has_marker_characters():
    fake = FixedTranslator()
    out, stats = translate_records("qa", [_qa("The firm «Orion» grew in 2024.", "2024")], fake, "en", "ru")
    assert fake.calls[1] == [] and stats["marker_kept"] == 0 and out[0]["answers"] == ["2024"]
    out, stats = translate_records("qa", [_qa("Twice: «A» «B».", "A")], FixedTranslator({"When?": " "}), "en", "ru")
    assert out == [] and stats["answer_found"] == 1 and stats["dropped_empty"] == 1  # empty question


# ---------------------------------------------------------------------------------------
# Quality


def test_chrf_values():
    assert chrf(["Москва приняла марафон."], ["Москва приняла марафон."]) == pytest.approx(100.0)
    thai = chrf(["ผู้ชนะการแข่งขันมาราธอนที่ซิดนีย์"], ["ผู้ชนะการแข่งขันที่ซิดนีย์"])
    chinese = chrf(["闭幕音乐会于3月12日举行"], ["闭幕音乐会在3月12日举办"])
    assert 0 < thai < 100 and 0 < chinese < 100
    assert chrf(["abc"], ["xyz"]) == 0.0


def test_mt_quality_beats_copying_the_source(translator, world):
    en = [r["context"] for r in read_jsonl(world / "qa" / "en" / "test.jsonl")]
    ru = [r["context"] for r in read_jsonl(world / "qa" / "ru" / "test.jsonl")]
    quality = mt_quality(translator, en, ru, "en", "ru")
    assert set(quality) == {"src", "tgt", "n", "chrf"} and quality["n"] == 30
    assert chrf(en, ru) + 10 < quality["chrf"] < 100
    with pytest.raises(ValueError, match="2 source texts but 1 references"):
        mt_quality(translator, en[:2], ru[:1], "en", "ru")


# ---------------------------------------------------------------------------------------
# Apertium


def test_apertium_mode_names_and_missing_pair():
    installed = ["eng-spa", "spa-eng", "fr-es"]
    assert ApertiumTranslator.mode_name("en", "es", installed) == "eng-spa"
    assert ApertiumTranslator.mode_name("es", "en", installed) == "spa-eng"
    assert ApertiumTranslator.mode_name("fr", "es", installed) == "fr-es"  # an older pair's 2-letter name
    with pytest.raises(ValueError, match=r"apertium has no en-ru pair installed \(apt install apertium-eng-rus"):
        ApertiumTranslator.mode_name("en", "ru", installed)
    with pytest.raises(RuntimeError, match="apertium is not installed"):
        ApertiumTranslator(executable="/nonexistent/apertium").translate(["x"], "en", "es")


@pytest.fixture(scope="module")
def apertium():
    """The apertium CLI; installed with apt-get when XLGEN_APERTIUM_INSTALL=1 (CI, root, Debian)."""
    if not ApertiumTranslator.available():
        if os.environ.get("XLGEN_APERTIUM_INSTALL") != "1" or os.geteuid() != 0 or not shutil.which("apt-get"):
            pytest.skip("apertium is not installed (apt install apertium apertium-eng-spa; "
                        "XLGEN_APERTIUM_INSTALL=1 installs it as root on Debian)")
        error = apt_install("apertium", "apertium-eng-spa")
        if error or not ApertiumTranslator.available():
            pytest.fail(f"XLGEN_APERTIUM_INSTALL=1 but installing apertium failed: {error}")
    return ApertiumTranslator()


def test_apertium_translates_english_to_spanish(apertium):
    translator = apertium
    if "eng-spa" not in translator.installed_modes():
        pytest.skip("apertium has no eng-spa pair (apt install apertium-eng-spa)")
    texts = ["The house is red.", "", "The dog is happy!\nThe cat sleeps.", "He left."]
    out = translator.translate(texts, "en", "es")
    assert out[0] == "La casa es roja." and out[1] == ""
    assert "perro" in out[2] and "gato" in out[2] and "\n" not in out[2]
    assert out[3] and out[3] == out[3].strip() and "  " not in out[3]
    with pytest.raises(ValueError, match="apertium has no en-zh pair installed"):
        translator.translate(["x"], "en", "zh")


def test_workflow_translators_and_parallel_texts(apertium, world, tmp_path):
    from xlgen.tasks import read_records
    from xlgen.translation import make_translator, parallel_texts, translate_inputs

    assert isinstance(make_translator({"backend": "apertium"}), ApertiumTranslator)
    model = make_translator({"backend": "model", "batch_size": 16}, str(NLLB_DEMO))
    assert isinstance(model, ModelTranslator) and model.batch_size == 16
    with pytest.raises(ValueError, match="no MT model directory"):
        make_translator({"backend": "model"}, [])
    write_demo_world(tmp_path, ["en", "es"], seed=13, n_train=30, n_dev=2, n_test=6, n_unlabeled=0, n_parallel=0)
    english = read_records("qa", tmp_path / "qa/en/train.jsonl", "en")
    records, stats = translate_records("qa", english, apertium, "en", "es")  # rule-based MT, real pair
    assert stats["n_in"] == 30 and stats["n_out"] == len(records) and 0 < stats["answer_found_rate"] <= 1
    assert all(r["answers"][0] in r["context"] for r in records)
    # held-out parallel text: the test sets translate each other, matched by id
    spanish = read_records("qa", tmp_path / "qa/es/test.jsonl", "es")
    source, reference = parallel_texts("qa", read_records("qa", tmp_path / "qa/en/test.jsonl", "en"), spanish)
    assert 0 < len(source) == len(reference) <= 6 and set(reference) <= {r["context"] for r in spanish}
    # translate-test inputs: the model input in English, the Spanish references kept
    inputs = translate_inputs("qa", spanish, apertium, "es", "en")
    assert [r["answers"] for r in inputs] == [r["answers"] for r in spanish]
    assert all(a["source"] != b["source"] for a, b in zip(inputs, spanish))
