"""Metric correctness with real strings in many scripts (issue 3, items 1, 2 and 7)."""

from __future__ import annotations

import json
import math

import pytest
from rouge_score import rouge_scorer

from xlgen.metrics.qa import squad_exact_match, squad_f1, unicode_f1, unicode_tokens
from xlgen.metrics.tokenize import RougeTokenizer, sacrebleu_tokenize, word_tokens
from xlgen.scoring import per_example_scores, score_file, score_predictions

# One real sentence per language; each is scored against itself.
IDENTICAL = {
    "zh": "北京是中华人民共和国的首都。",
    "ja": "東京は日本の首都であり、最大の都市です。",
    "th": "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย",
    "ru": "Москва — столица Российской Федерации.",
    "ar": "القاهرة هي عاصمة جمهورية مصر العربية.",
    "hi": "नई दिल्ली भारत की राजधानी है।",
    "el": "Η Αθήνα είναι η πρωτεύουσα της Ελλάδας.",
    "ko": "서울은 대한민국의 수도이다.",
    "he": "ירושלים היא בירת ישראל.",
}

ENGLISH_PAIRS = [
    ("The cat sat on the mat.", "A cat was sitting on the mat!"),
    ("Police arrested three men after the robbery in central London on Tuesday.",
     "Three men have been arrested following a robbery in London."),
    ("Running runners ran; the runner's shoes were running-shoes.",
     "The runners are running quickly in their new shoes."),
    ("In 2024, GDP grew by 3.5% (up from 2.1%) according to the U.S. report_final.",
     "U.S. GDP grew 3.5% in 2024, the report said."),
    ("Scientists say the newly discovered species lives in the deepest parts of the ocean. "
     "It was found by an international team.",
     "An international team of scientists has discovered a new deep-sea species."),
    ("", "Nothing was predicted for this reference."),
]


@pytest.mark.parametrize("lang", sorted(IDENTICAL))
def test_identical_pair_scores_100_in_every_script(lang):
    text = IDENTICAL[lang]
    summ = score_predictions("summarization", lang, [text], [[text]])
    assert summ["rouge1"] == summ["rouge2"] == summ["rougeL"] == 100.0
    assert summ["bleu"] == pytest.approx(100.0) and summ["chrf"] == pytest.approx(100.0)
    qa = score_predictions("qa", lang, [text], [[text]])
    assert qa["em_unicode"] == qa["f1_unicode"] == 100.0


def test_default_rouge_score_fails_where_ours_does_not():
    # The trap the custom tokenizer exists for: rouge-score keeps only [a-z0-9].
    default = rouge_scorer.RougeScorer(["rougeL"])
    assert default.score(IDENTICAL["zh"], IDENTICAL["zh"])["rougeL"].fmeasure == 0.0
    ru_a = "В 2024 году в Москве открылся новый музей."
    ru_b = "Сборная России по хоккею проиграла финал 2024."
    assert default.score(ru_a, ru_b)["rougeL"].fmeasure == 1.0
    ours = score_predictions("summarization", "ru", [ru_b], [[ru_a]])
    assert ours["rougeL"] < 20


@pytest.mark.parametrize(
    "lang, reference",
    [
        ("ru", "В 2024 году в Москве прошёл саммит, на который приехали лидеры стран "
               "региона и представители крупных международных организаций"),
        ("ar", "عقدت في القاهرة عام 2024 قمة شارك فيها قادة دول المنطقة وممثلون عن "
               "منظمات دولية كبرى"),
    ],
)
def test_latin_prediction_against_other_script_scores_low(lang, reference):
    prediction = "Moscow hosted the 2024 summit with leaders from the region"
    result = score_predictions("summarization", lang, [prediction], [[reference]])
    assert result["rougeL"] < 10
    assert result["rouge1"] < 10


@pytest.mark.parametrize("prediction, reference", ENGLISH_PAIRS)
def test_english_rouge_matches_rouge_score(prediction, reference):
    official = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    expected = official.score(reference, prediction)
    ours = score_predictions("summarization", "en", [prediction], [[reference]])
    for name in ("rouge1", "rouge2", "rougeL"):
        assert ours[name] == pytest.approx(100 * expected[name].fmeasure, abs=1e-6)
    assert ours["rouge_tokenization"] == "unicode-words+porter"


def test_english_tokens_equal_rouge_score_tokens():
    official = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)._tokenizer
    for pred, ref in ENGLISH_PAIRS:
        for text in (pred, ref):
            assert RougeTokenizer("en").tokenize(text) == official.tokenize(text)


def test_tokenization_names_and_bleu_tokenizers():
    names = {lang: score_predictions("summarization", lang, ["x y"], [["x y"]]) for lang in
             ("en", "ru", "zh", "th", "ja")}
    assert names["ru"]["rouge_tokenization"] == "unicode-words"
    assert names["zh"]["rouge_tokenization"] == "chars"
    assert names["th"]["rouge_tokenization"] == "chars"
    assert {lang: r["bleu_tokenize"] for lang, r in names.items()} == {
        "en": "13a", "ru": "intl", "zh": "zh", "th": "char", "ja": "char"}
    assert sacrebleu_tokenize("lo") == sacrebleu_tokenize("km") == sacrebleu_tokenize("my") == "char"


def test_tokens_keep_combining_marks_and_split_unspaced_scripts():
    # Python's re \w would cut Hindi words at every vowel sign.
    assert word_tokens("हिन्दी भाषा") == ["हिन्दी", "भाषा"]
    # Thai characters keep their vowel marks; Latin inside Chinese stays one word.
    assert word_tokens("กิน") == ["กิ", "น"]
    assert word_tokens("我在Google工作。") == ["我", "在", "google", "工", "作"]
    assert word_tokens("ＡＢＣ１２３") == ["abc123"]  # NFKC folds full-width forms


def test_partial_chinese_and_thai_answers_get_partial_unicode_f1():
    zh = unicode_f1("北京大学", ["北京"], "zh")
    th = unicode_f1("กรุงเทพมหานคร", ["กรุงเทพ"], "th")
    assert 0 < zh < 100 and 0 < th < 100
    assert zh == pytest.approx(100 * 2 / 3)
    # The official script sees one token on each side: no partial credit.
    assert squad_f1("北京大学", ["北京"]) == 0.0


def test_squad_official_known_values():
    assert squad_exact_match("The cat", ["cat"]) == 100.0
    assert squad_exact_match("cat!", ["Cat."]) == 100.0
    assert squad_exact_match("a dog", ["cat"]) == 0.0
    assert squad_f1("the cat sat", ["a cat"]) == pytest.approx(100 * 2 / 3)
    assert squad_f1("The cat", ["dog", "the cat"]) == 100.0  # best gold wins
    assert squad_f1("", ["cat"]) == 0.0
    # Non-ASCII punctuation is kept by the official script, removed by the Unicode variant.
    assert squad_exact_match("«кошка»", ["кошка"]) == 0.0
    qa = score_predictions("qa", "ru", ["«кошка»"], [["кошка"]])
    assert qa["em"] == 0.0 and qa["em_unicode"] == 100.0


def test_unicode_variant_removes_mlqa_articles():
    assert unicode_tokens("El gato", "es") == ("gato",)
    assert unicode_tokens("der Hund", "de") == ("hund",)
    assert unicode_tokens("những con mèo", "vi") == ("con", "mèo")
    assert unicode_tokens("الكتاب", "ar") == ("كتاب",)
    assert unicode_tokens("مال", "ar") == ("مال",)  # only a word-initial ال is the article
    assert unicode_tokens("The cat", "ru") == ("the", "cat")  # no articles outside MLQA's list


def test_qa_keys_and_best_of_golds():
    result = score_predictions("qa", "en", ["the Eiffel Tower", "Paris"], [["Eiffel Tower", "tower"], ["London"]])
    assert result["n"] == 2
    assert result["em"] == 50.0 and result["f1"] == 50.0
    assert result["em_unicode"] == 50.0 and result["f1_unicode"] == 50.0
    for key in ("wrong_lang_rate", "undetermined_rate", "english_rate", "langid_mode",
                "detected_langs", "wrong_lang_na_reason"):
        assert key in result
    json.dumps(result)


def test_summarization_best_reference_and_per_example_means():
    preds = ["Москва — столица России.", "Погода сегодня хорошая."]
    refs = [["Париж — столица Франции.", "Москва — столица России."], ["Сегодня идёт дождь."]]
    per = per_example_scores("summarization", "ru", preds, refs)
    assert per["rouge1"][0] == 100.0
    result = score_predictions("summarization", "ru", preds, refs)
    for name in ("rouge1", "rouge2", "rougeL"):
        assert result[name] == pytest.approx(sum(per[name]) / 2)
    assert len(per["wrong_lang"]) == 2


def test_input_errors():
    with pytest.raises(ValueError, match="n=0"):
        score_predictions("qa", "en", [], [])
    with pytest.raises(ValueError, match="unknown task"):
        score_predictions("translation", "en", ["a"], [["a"]])
    with pytest.raises(ValueError, match="unknown language"):
        score_predictions("qa", "xx", ["a"], [["a"]])
    with pytest.raises(ValueError, match="1 predictions but 2 references"):
        score_predictions("qa", "en", ["a"], [["a"], ["b"]])
    with pytest.raises(ValueError, match="non-empty list"):
        score_predictions("qa", "en", ["a"], [[]])


def _write(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_score_file_reads_generations(tmp_path):
    path = _write(tmp_path / "gen.jsonl", [
        json.dumps({"id": "1", "lang": "ru", "prediction": "Москва", "reference": ["Москва", "г. Москва"]}),
        "",
        json.dumps({"id": "2", "lang": "ru", "prediction": "Paris", "reference": ["Париж"]}),
    ])
    result = score_file("qa", "ru", path)
    assert result["n"] == 2 and result["em_unicode"] == 50.0
    summ = _write(tmp_path / "summ.jsonl", [
        json.dumps({"id": "a", "lang": "zh", "prediction": "北京是首都", "reference": "北京是首都"}),
    ])
    assert score_file("summarization", "zh", summ)["rougeL"] == 100.0


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", ":1: empty file"),
        (b"\n  \n", ":1: empty file"),
        (b'{"id": "1", "lang": "en", "prediction": "x", "reference": "x"}\n'
         b'{"id": "2", "lang": "en", "reference": "x"}\n', ":2: missing field(s) prediction"),
        (b'{"id": "1", "lang": "en", "prediction": "x", "reference": "x"\n', ":1: bad JSON"),
        (b'{"id": "1", "lang": "en", "prediction": "\xff", "reference": "x"}\n', ":1: not UTF-8"),
        (b'[1, 2]\n', ":1: expected a JSON object"),
        (b'{"id": "1", "lang": "en", "prediction": 3, "reference": "x"}\n', ":1: 'prediction' must be"),
        (b'{"id": "1", "lang": "en", "prediction": "x", "reference": []}\n', ":1: 'reference' must be"),
        (b'{"id": "1", "lang": "de", "prediction": "x", "reference": "x"}\n', ":1: record lang 'de'"),
        (b'{"id": "1", "lang": "en", "prediction": "x", "reference": "x"}\n'
         b'{"id": "1", "lang": "en", "prediction": "y", "reference": "y"}\n', ":2: duplicate id '1'"),
    ],
)
def test_score_file_one_line_errors(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    with pytest.raises(ValueError) as info:
        score_file("qa", "en", path)
    text = str(info.value)
    assert text.startswith(f"{path}:") and message in text
    assert "\n" not in text


def test_nan_rate_is_serializable():
    result = score_predictions("qa", "iu", ["ᐃᓄᒃᑎᑐᑦ"], [["ᐃᓄᒃᑎᑐᑦ"]])  # Inuktitut: no judge knows it
    assert math.isnan(result["wrong_lang_rate"])
    assert json.loads(json.dumps(result))["wrong_lang_na_reason"]


def test_bleu_and_chrf_get_sacrebleu_bootstrap_intervals():
    # 40 Russian summaries, half of them close to the reference: an interval around the score
    refs = [f"Власти Москвы закрыли {i} улиц из-за сильного снегопада в понедельник" for i in range(40)]
    preds = [r if i % 2 else f"Снегопад закрыл {i} улиц в Москве" for i, r in enumerate(refs)]
    from xlgen.metrics.summarization import corpus_bleu_chrf

    result = corpus_bleu_chrf("ru", preds, [[r] for r in refs], bootstrap_samples=200)
    for name in ("bleu", "chrf"):
        low, high = result[f"{name}_ci_low"], result[f"{name}_ci_high"]
        assert 0.0 < low < result[name] < high < 100.0, (name, low, result[name], high)
    same = corpus_bleu_chrf("ru", preds, [[r] for r in refs], bootstrap_samples=200)
    assert same == result  # sacrebleu's resampling is seeded (SACREBLEU_SEED, 12345)
    plain = corpus_bleu_chrf("ru", preds, [[r] for r in refs])
    assert plain["bleu"] == result["bleu"] and math.isnan(plain["bleu_ci_low"])
